/**
 * One request the load generator sent, as the validators see it (the `load/` module writes these
 * lines to `ledger.jsonl`; its zod schema is the authoritative shape).
 */
export interface LedgerEntry {
  traceId: string;
  correlationId: string;
  flow: 'plan_and_execute' | 'kb_query' | 'llm_generate';
  /** HTTP status; 0 when no answer came. */
  status: number;
  startMs: number;
  durationMs: number;
  /** Which load generator sent it, in a ledger merged from several runners. */
  runner?: string;
}

/** A ledger the validators can read more than once, streaming (a 100k-request ledger is not held in memory twice). */
export interface LedgerSource {
  /** Where it came from, for evidence. */
  readonly path: string;
  read(): AsyncIterable<LedgerEntry>;
}

/** An in-memory ledger for unit tests and small runs. */
export function ledgerFromEntries(entries: readonly LedgerEntry[], path = '(in memory)'): LedgerSource {
  return {
    path,
    async *read() {
      yield* entries;
    },
  };
}

/** The accounting funnel the report shows: sent → traced → logged → counted, per flow. */
export interface AccountingRow {
  flow: string;
  sent: number;
  traced: number;
  logged: number;
  counted: number;
}

import { z } from 'zod';

/** The flows a ledger line can name: the catalog's FLOWS (load/ledger.test.ts checks they match). */
export const LEDGER_FLOWS = ['plan_and_execute', 'kb_query', 'llm_generate'] as const;

/**
 * One line of `ledger.jsonl`: one request the load generator sent (load/ writes the lines, the
 * validators read them back). The one definition of a ledger entry: LedgerEntry is inferred from it.
 */
export const ledgerEntrySchema = z
  .object({
    /** W3C trace id the request carried in `traceparent` (32 lowercase hex). */
    traceId: z.string().regex(/^[0-9a-f]{32}$/),
    /** `X-Correlation-ID`: `<run id>-<vu>-<iteration>[-<n>]`. */
    correlationId: z.string().min(1),
    flow: z.enum(LEDGER_FLOWS),
    /** HTTP status; 0 when no answer came (refused, reset, timed out: see errorCode). */
    status: z.number().int().min(0),
    /** When the VU issued the request, epoch milliseconds (the script's clock). */
    startMs: z.number().int().nonnegative(),
    /** k6's http_req_duration: sending + waiting + receiving, in milliseconds. */
    durationMs: z.number().nonnegative(),
    /** k6's error code for a failed request (https://grafana.com/docs/k6/latest/javascript-api/error-codes/). */
    errorCode: z.number().int().optional(),
    /** Which load generator sent it, in a ledger merged from several (`phx-harness ledger merge`). */
    runner: z.string().min(1).optional(),
  })
  .strict();

/** One request the load generator sent (one ledger line). */
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

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

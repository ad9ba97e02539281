/**
 * Metadata keys on each flow request's k6 samples, from which load/ledger.ts builds the ledger.
 * Metadata, unlike tags, creates no time series, so per-request ids cost k6 no memory per request.
 */
export const LEDGER_METADATA = {
  traceId: 'trace_id',
  correlationId: 'correlation_id',
  startedMs: 'started_ms',
} as const;

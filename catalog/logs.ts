/**
 * The JSON log line every service writes, and how Loki indexes it (seed 000: the phoenix-telemetry
 * logging library and the Vector → Loki pipeline).
 */
import { SERVICE_NAMES } from './types.ts';
import type { LogSchema } from './types.ts';

/**
 * Lower case: the seed's Vector remap defaults `.level` to "INFO", so a pipeline that indexes levels
 * as written would split one level over two label values; the harness normalises to these.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * - `service` values are the 14 scrape-config DNS names. (The seed's Vector docker source lists
 *   "data-router-service" and "executor-service", which match no service name: a seed slip.)
 * - The seed's Vector sink also makes `trace_id` a Loki label: one stream per trace, the
 *   cardinality explosion seed 000's own "Common Pitfalls" warns about. Trace, span and correlation
 *   ids belong in the line (Loki finds them with `| json | trace_id="…"` or structured metadata),
 *   never in the index.
 */
export const LOG_SCHEMA: LogSchema = {
  fields: ['ts', 'level', 'msg', 'service', 'trace_id', 'span_id', 'correlation_id'],
  labels: [
    { name: 'service', allowedValues: SERVICE_NAMES },
    { name: 'level', allowedValues: LOG_LEVELS },
  ],
  forbiddenLabels: ['trace_id', 'span_id', 'correlation_id'],
};

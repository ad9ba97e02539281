import type { ComponentSpec } from './types.ts';

/** How long the embedded store keeps logs: a run and a few reruns of its report, not a production retention. */
export const VICTORIALOGS_RETENTION = '7d';

/**
 * VictoriaLogs (Apache-2.0), the embedded log store: one static binary with a data directory. It
 * takes the Collector's OTLP logs (`/insert/opentelemetry/v1/logs`; the `VL-Stream-Fields` header
 * picks the stream fields, see otel-collector.ts) and the Loki push API, answers LogsQL under
 * `/select/logsql/*`, and exposes its own counters (`vl_rows_ingested_total`,
 * `vl_rows_dropped_total`…) on `/metrics` for the pipeline checks. The official image's entrypoint
 * is the binary itself, so the same flags serve every runner.
 */
export const victoriaLogsSpec: ComponentSpec = {
  name: 'victorialogs',
  source: { provisioned: 'victorialogs' },
  containerPorts: { http: 9428 },
  render(ctx) {
    return {
      files: {},
      binary: 'victoria-logs',
      args: [
        `-httpListenAddr=${ctx.bindHost}:${ctx.port('http')}`,
        `-storageDataPath=${ctx.dataDir}`,
        `-retentionPeriod=${VICTORIALOGS_RETENTION}`,
        '-loggerLevel=WARN',
        // No `Access-Control-Allow-Origin: *`: a web page open in the user's browser cannot read the run's logs.
        '-http.disableCORS',
      ],
      readiness: { port: 'http', path: '/health' },
      endpoints: {
        url: { port: 'http', scheme: 'http' },
        metrics: { port: 'http', path: '/metrics', scheme: 'http' },
      },
    };
  },
};

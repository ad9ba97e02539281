import { stringify } from 'yaml';
import type { ComponentSpec, LogStore, RenderContext } from './types.ts';

/**
 * The seed's Collector config, corrected for today's components:
 * - the `jaeger` exporter no longer exists: traces go to Jaeger over OTLP/gRPC;
 * - the `loki` exporter no longer exists: logs go over OTLP/HTTP to the log store — VictoriaLogs'
 *   `/insert/opentelemetry/v1/logs` (embedded) or Loki's native `/otlp` (official image, staging);
 * - the filelog receiver tails the fleet's per-service JSON log files (the seed's Vector `file` source);
 * - processors run memory_limiter → resource → batch (the recommended order; the seed put batch before resource);
 * - the resource processor copies `service.name` into `service`, and groupbyattrs lifts each log
 *   record's `level` to the resource: the seed's two Loki labels, which are VictoriaLogs' stream
 *   fields too (the `VL-Stream-Fields` header), so both stores index `{service=…,level=…}`.
 */
export function otelCollectorConfig(ctx: RenderContext): Record<string, unknown> {
  const processors = ['memory_limiter', 'resource', 'batch'];
  // Logs also group by `level`, so each record's level becomes a resource attribute the store indexes.
  const logProcessors = ['memory_limiter', 'groupbyattrs/level', 'resource', 'batch'];
  return {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `${ctx.bindHost}:${ctx.port('otlp-grpc')}` },
          http: { endpoint: `${ctx.bindHost}:${ctx.port('otlp-http')}` },
        },
      },
      file_log: {
        include: [`${ctx.fleetLogDir}/*/*.log`],
        start_at: 'beginning',
        poll_interval: '200ms',
        include_file_path: false,
        // Under memory pressure (memory_limiter refusing) the receiver otherwise drops what it read.
        retry_on_failure: { enabled: true },
        operators: [
          { type: 'json_parser', parse_from: 'body', parse_to: 'attributes', on_error: 'send_quiet' },
          {
            type: 'trace_parser',
            trace_id: { parse_from: 'attributes.trace_id' },
            span_id: { parse_from: 'attributes.span_id' },
            on_error: 'send_quiet',
          },
          { type: 'severity_parser', parse_from: 'attributes.level', on_error: 'send_quiet' },
          {
            type: 'move',
            from: 'attributes.service',
            to: 'resource["service.name"]',
            on_error: 'send_quiet',
          },
          { type: 'add', field: 'resource["log.source"]', value: 'file' },
        ],
      },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_mib: 1000 },
      resource: {
        attributes: [
          { action: 'insert', key: 'deployment.environment', value: ctx.environment },
          { action: 'insert', key: 'service', from_attribute: 'service.name' },
        ],
      },
      batch: { timeout: '1s' },
      'groupbyattrs/level': { keys: ['level'] },
    },
    exporters: {
      'otlp_grpc/jaeger': {
        endpoint: ctx.peer('jaeger', 'otlp-grpc'),
        tls: { insecure: true },
        // Jaeger answers once its store has the batch: Badger under load can take longer than the default
        // 5 s, and a retried batch is then stored twice.
        timeout: '30s',
      },
      ...logStoreExporter(ctx),
      prometheus_remote_write: {
        endpoint: `http://${ctx.peer('prometheus', 'http')}/api/v1/write`,
        tls: { insecure: true },
      },
    },
    extensions: {
      health_check: { endpoint: `${ctx.bindHost}:${ctx.port('health')}` },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp'], processors, exporters: ['otlp_grpc/jaeger'] },
        metrics: { receivers: ['otlp'], processors, exporters: ['prometheus_remote_write'] },
        logs: {
          receivers: ['otlp', 'file_log'],
          processors: logProcessors,
          exporters: [LOG_STORE_EXPORTER[ctx.logStore]],
        },
      },
      telemetry: {
        logs: { level: 'info' },
        metrics: {
          level: 'detailed',
          readers: [
            { pull: { exporter: { prometheus: { host: ctx.bindHost, port: ctx.port('metrics') } } } },
          ],
        },
      },
    },
  };
}

/** The Collector's exporter for each log store (its `exporter` label in the Collector's own metrics). */
export const LOG_STORE_EXPORTER: Record<LogStore, string> = {
  victorialogs: 'otlp_http/victorialogs',
  loki: 'otlp_http/loki',
};

/**
 * The stream fields VictoriaLogs makes of each OTLP record's resource attributes: the seed's Loki
 * labels. Not `service.name` (the same value) and never `trace_id` (one stream per request).
 */
export const VICTORIALOGS_STREAM_FIELDS = ['service', 'level'] as const;

function logStoreExporter(ctx: RenderContext): Record<string, unknown> {
  const store = ctx.peer(ctx.logStore, 'http');
  if (ctx.logStore === 'loki')
    return { [LOG_STORE_EXPORTER.loki]: { endpoint: `http://${store}/otlp`, tls: { insecure: true } } };
  return {
    [LOG_STORE_EXPORTER.victorialogs]: {
      // Only logs go here: the exporter's traces/metrics endpoints are never used.
      logs_endpoint: `http://${store}/insert/opentelemetry/v1/logs`,
      headers: { 'VL-Stream-Fields': VICTORIALOGS_STREAM_FIELDS.join(',') },
      tls: { insecure: true },
    },
  };
}

export const otelCollectorSpec: ComponentSpec = {
  name: 'otel-collector',
  source: { provisioned: 'otelcol' },
  containerPorts: { 'otlp-grpc': 4317, 'otlp-http': 4318, metrics: 8888, health: 13133 },
  render(ctx) {
    return {
      files: { 'config.yaml': stringify(otelCollectorConfig(ctx)) },
      binary: 'otelcol-phoenix',
      args: [`--config=${ctx.configDir}/config.yaml`],
      readiness: { port: 'health', path: '/' },
      endpoints: {
        url: { port: 'otlp-http', scheme: 'http' },
        'otlp-http': { port: 'otlp-http', scheme: 'http' },
        'otlp-grpc': { port: 'otlp-grpc', scheme: 'grpc' },
        metrics: { port: 'metrics', path: '/metrics', scheme: 'http' },
        health: { port: 'health', scheme: 'http' },
      },
    };
  },
};

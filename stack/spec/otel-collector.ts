import { stringify } from 'yaml';
import type { ComponentSpec, RenderContext } from './types.ts';

/**
 * The seed's Collector config, corrected for today's components:
 * - the `jaeger` exporter no longer exists: traces go to Jaeger over OTLP/gRPC;
 * - the `loki` exporter no longer exists: logs go to Loki's native OTLP endpoint (`/otlp`);
 * - the filelog receiver tails the fleet's per-service JSON log files (the seed's Vector `file` source);
 * - processors run memory_limiter → resource → batch (the recommended order; the seed put batch before resource);
 * - the resource processor copies `service.name` into `service`, and groupbyattrs lifts each log
 *   record's `level` to the resource: the seed's two Loki labels.
 */
export function otelCollectorConfig(ctx: RenderContext): Record<string, unknown> {
  const processors = ['memory_limiter', 'resource', 'batch'];
  // Logs also group by `level`, so each record's level becomes a resource attribute Loki indexes.
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
      'otlp_grpc/jaeger': { endpoint: ctx.peer('jaeger', 'otlp-grpc'), tls: { insecure: true } },
      'otlp_http/loki': { endpoint: `http://${ctx.peer('loki', 'http')}/otlp`, tls: { insecure: true } },
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
        logs: { receivers: ['otlp', 'file_log'], processors: logProcessors, exporters: ['otlp_http/loki'] },
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

export const otelCollectorSpec: ComponentSpec = {
  name: 'otel-collector',
  provisioned: 'otelcol',
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

import { stringify } from 'yaml';
import { JAEGER_MEMORY_MAX_TRACES } from '../../core/index.ts';
import type { ComponentSpec, RenderContext } from './types.ts';

/** The storage backend's name in Jaeger's config (what the query extension and the exporter name). */
const STORE = 'traces';

/**
 * The `jaeger_storage` backend: the in-memory store (the newest JAEGER_MEMORY_MAX_TRACES traces), or
 * Badger on disk under the component's data directory (every trace; kept 48 h, far beyond any run).
 */
function storageBackend(ctx: RenderContext): Record<string, unknown> {
  return ctx.traceStore === 'badger'
    ? {
        badger: {
          directories: { keys: `${ctx.dataDir}/badger/keys`, values: `${ctx.dataDir}/badger/values` },
          ephemeral: false,
          ttl: { spans: '48h' },
        },
      }
    : { memory: { max_traces: JAEGER_MEMORY_MAX_TRACES } };
}

/**
 * Jaeger v2 (an OpenTelemetry Collector distribution) with in-memory or Badger storage, receiving
 * OTLP from the Collector. The seed's all-in-one v1 image and its 14250 gRPC collector port are gone;
 * the query API (`/api/traces/<id>`) stays on the HTTP query port.
 */
export const jaegerSpec: ComponentSpec = {
  name: 'jaeger',
  source: { provisioned: 'jaeger' },
  containerPorts: {
    query: 16686,
    'query-grpc': 16685,
    'otlp-grpc': 4317,
    'otlp-http': 4318,
    health: 13133,
    metrics: 8888,
  },
  render(ctx) {
    const host = ctx.bindHost;
    const config = {
      service: {
        extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
        pipelines: {
          traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
        },
        telemetry: {
          resource: { 'service.name': 'jaeger' },
          metrics: {
            level: 'detailed',
            readers: [{ pull: { exporter: { prometheus: { host, port: ctx.port('metrics') } } } }],
          },
          logs: { level: 'warn' },
        },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: `${host}:${ctx.port('health')}` } },
        jaeger_query: {
          storage: { traces: STORE },
          http: { endpoint: `${host}:${ctx.port('query')}` },
          grpc: { endpoint: `${host}:${ctx.port('query-grpc')}` },
        },
        jaeger_storage: { backends: { [STORE]: storageBackend(ctx) } },
      },
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `${host}:${ctx.port('otlp-grpc')}` },
            http: { endpoint: `${host}:${ctx.port('otlp-http')}` },
          },
        },
      },
      processors: { batch: { timeout: '200ms' } },
      exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
    };
    return {
      files: { 'jaeger.yaml': stringify(config) },
      binary: 'jaeger',
      args: [`--config=${ctx.configDir}/jaeger.yaml`],
      // Jaeger traces its own query API to localhost:4317, where nothing listens: once queried, its
      // stop waits for that export until it is killed (5 s). The harness does not read those spans.
      env: { OTEL_TRACES_SAMPLER: 'always_off' },
      readiness: { port: 'health', path: '/status' },
      endpoints: {
        url: { port: 'query', scheme: 'http' },
        'otlp-grpc': { port: 'otlp-grpc', scheme: 'grpc' },
        'otlp-http': { port: 'otlp-http', scheme: 'http' },
        metrics: { port: 'metrics', path: '/metrics', scheme: 'http' },
      },
    };
  },
};

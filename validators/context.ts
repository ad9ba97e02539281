import {
  AlertmanagerClient,
  JaegerClient,
  LokiClient,
  OtlpHttpClient,
  PrometheusClient,
  WebhookSinkClient,
  type JaegerApi,
  type LokiApi,
  type PrometheusApi,
} from './clients/index.ts';

/** Where the backends are; any may be absent (checks needing it are skipped with that reason). */
export interface BackendEndpoints {
  prometheus?: string;
  alertmanager?: string;
  loki?: string;
  jaeger?: string;
  grafana?: string;
  /** OTLP/HTTP base URL of the Collector. */
  otelCollector?: string;
  /** The Collector's own Prometheus metrics URL. */
  otelCollectorMetrics?: string;
  webhookSink?: string;
}

export interface BackendClients {
  prometheus?: PrometheusApi;
  loki?: LokiApi;
  jaeger?: JaegerApi;
  alertmanager?: AlertmanagerClient;
  otlp?: OtlpHttpClient;
  sink?: WebhookSinkClient;
}

/** What every check receives. Checks never start or stop anything. */
export interface ValidationContext {
  runId: string;
  phase: number;
  endpoints: BackendEndpoints;
  clients: BackendClients;
  /** How long telemetry may take to arrive before a check gives up (and reports the last value seen). */
  ingestTimeoutMs: number;
  /** Address a harness-run scrape target binds to and advertises (127.0.0.1, or the Docker network gateway). */
  scrapeTargetHost?: string;
  /** Registers extra scrape targets with Prometheus; absent for an external stack. */
  registerScrapeTargets?: (targets: { targets: string[]; labels?: Record<string, string> }[]) => void;
}

/** Builds API clients from endpoints, with per-backend extra headers (Authorization, X-Scope-OrgID…). */
export function createClients(
  endpoints: BackendEndpoints,
  headers: Partial<Record<keyof BackendEndpoints, Record<string, string>>> = {},
): BackendClients {
  const opts = (key: keyof BackendEndpoints, baseUrl: string) => ({ baseUrl, headers: headers[key] ?? {} });
  return {
    ...(endpoints.prometheus
      ? { prometheus: new PrometheusClient(opts('prometheus', endpoints.prometheus)) }
      : {}),
    ...(endpoints.loki ? { loki: new LokiClient(opts('loki', endpoints.loki)) } : {}),
    ...(endpoints.jaeger ? { jaeger: new JaegerClient(opts('jaeger', endpoints.jaeger)) } : {}),
    ...(endpoints.alertmanager
      ? { alertmanager: new AlertmanagerClient(opts('alertmanager', endpoints.alertmanager)) }
      : {}),
    ...(endpoints.otelCollector
      ? { otlp: new OtlpHttpClient(opts('otelCollector', endpoints.otelCollector)) }
      : {}),
    ...(endpoints.webhookSink
      ? { sink: new WebhookSinkClient(opts('webhookSink', endpoints.webhookSink)) }
      : {}),
  };
}

/** Maps a stack's endpoints file (`prometheus`, `otel-collector.metrics`, …) to BackendEndpoints. */
export function endpointsFromStack(map: Record<string, string>): BackendEndpoints {
  const out: BackendEndpoints = {};
  const set = <K extends keyof BackendEndpoints>(k: K, v: string | undefined) => {
    if (v) out[k] = v;
  };
  set('prometheus', map.prometheus);
  set('alertmanager', map.alertmanager);
  set('loki', map.loki);
  set('jaeger', map.jaeger);
  set('grafana', map.grafana);
  set('otelCollector', map['otel-collector']);
  set('otelCollectorMetrics', map['otel-collector.metrics']);
  set('webhookSink', map['webhook-sink']);
  return out;
}

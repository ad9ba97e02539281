import type { Phase } from '../catalog/index.ts';
import type { LedgerSource } from '../core/index.ts';
import {
  AlertmanagerClient,
  GrafanaClient,
  JaegerClient,
  LokiClient,
  OtlpHttpClient,
  PrometheusClient,
  WebhookSinkClient,
  type GrafanaApi,
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
  grafana?: GrafanaApi;
  otlp?: OtlpHttpClient;
  sink?: WebhookSinkClient;
}

/** Paths of the command-line tools the offline checks run (the CLI fills them from the provisioned cache). */
export interface ToolPaths {
  promtool?: string;
  amtool?: string;
}

/** What every check receives. Checks never start or stop anything. */
export interface ValidationContext {
  runId: string;
  phase: Phase;
  /** The requests the load generator sent; checks that account for requests skip without it. */
  ledger?: LedgerSource;
  /** The run window: from just before the load started to after the final scrape. */
  window?: { start: Date; end: Date };
  /** Bounded parallelism for per-request lookups (Jaeger, Loki). */
  concurrency?: number;
  /** The target label naming the service that exposes a series (default `phoenix_service`). */
  serviceLabel?: string;
  /** How many missing ids/examples a failure message lists. */
  exampleLimit?: number;
  endpoints: BackendEndpoints;
  clients: BackendClients;
  /** How long telemetry may take to arrive before a check gives up (and reports the last value seen). */
  ingestTimeoutMs: number;
  /** Address a harness-run scrape target binds to and advertises (127.0.0.1, or the Docker network gateway). */
  scrapeTargetHost?: string;
  /** Registers extra scrape targets with Prometheus; absent for an external stack. */
  registerScrapeTargets?: (targets: { targets: string[]; labels?: Record<string, string> }[]) => void;
  /** Production-scale Prometheus rule files (globs allowed), for the offline alert-rule checks. */
  ruleFiles?: string[];
  /** `promtool test rules` files; default: `tests/*.yml` beside the rule files. */
  ruleTestFiles?: string[];
  /** The rendered Alertmanager config file (stack/spec's `alertmanagerConfig`), for amtool. */
  alertmanagerConfigFile?: string;
  tools?: ToolPaths;
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
    ...(endpoints.grafana ? { grafana: new GrafanaClient(opts('grafana', endpoints.grafana)) } : {}),
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

import type { Phase, ServiceName } from '../catalog/index.ts';
import type { LedgerSource } from '../core/index.ts';
import {
  AlertmanagerClient,
  GrafanaClient,
  JaegerClient,
  LokiClient,
  OtlpHttpClient,
  PrometheusClient,
  VictoriaLogsClient,
  WebhookSinkClient,
  type GrafanaApi,
  type JaegerApi,
  type LogStoreApi,
  type LogStoreKind,
  type PrometheusApi,
} from './clients/index.ts';

/** Where the backends are; any may be absent (checks needing it are skipped with that reason). */
export interface BackendEndpoints {
  prometheus?: string;
  alertmanager?: string;
  /** The log store: VictoriaLogs (the embedded default) or Loki (a user's). */
  victorialogs?: string;
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
  /** The logs role: VictoriaLogs or Loki. */
  logs?: LogStoreApi;
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

/**
 * Switches fleet faults on and off (the mock fleet's fault API, docs/fleet-api.md): `fault` is
 * `{ name, ...params }`. The live alert drills trigger each alert through it.
 */
export interface FleetControl {
  setFault(service: ServiceName, fault: { name: string } & Record<string, unknown>): Promise<void>;
  /** Clears every fault of one service (only the one named, with `name`), or of every service. */
  clearFaults(service?: ServiceName, name?: string): Promise<void>;
  /** Every fault switched on now (optional: without it the drills cannot tell a fault-free load). */
  listFaults?(): Promise<{ service: ServiceName; name: string }[]>;
}

/** Requests sent to the fleet while the drills run (rate-based alerts need traffic); loopback only. */
export interface DrillTraffic {
  /** Starts sending; idempotent. */
  start(): void;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<void>;
}

/** The time compression the stack runs the rules at (stack/rules-profile.ts), and its timings. */
export interface DrillProfile {
  /** Factor applied to every `for:` and range window of the loaded rules (1 = production). */
  timeScale: number;
  timing: {
    scrapeIntervalS: number;
    evaluationIntervalS: number;
    groupWaitS: number;
    groupIntervalS: number;
  };
}

/** What the live alert drills need besides fleet control (the CLI or a test provides it). */
export interface DrillOptions {
  traffic?: DrillTraffic;
  /** Default: production scale (timeScale 1, the seed's 15 s intervals): drills then take as long as in production. */
  profile?: DrillProfile;
  /** Drill only these alerts (default: every alert the phase requires). */
  alerts?: string[];
  /** How long the steady-state check watches for alerts (default: the profile's 5-minute window). */
  steadyWindowMs?: number;
}

/** Prometheus job names of the stack's own components and of the fleet. */
export interface ScrapeJobs {
  /** The OTel Collector's own metrics (`:8888`). */
  collector: string;
  /** Jaeger's own metrics (its OTLP receiver's accepted/refused spans). */
  jaeger: string;
  /** The log store's own metrics. */
  logStore: string;
  /** The Phoenix services. */
  services: string;
}

/** The embedded stack's job names (stack/spec/prometheus.ts); the log store's job is its kind. */
export const DEFAULT_SCRAPE_JOBS: Omit<ScrapeJobs, 'logStore'> = {
  collector: 'opentelemetry-collector',
  jaeger: 'jaeger',
  services: 'phoenix-services',
};

/**
 * A scrape target serving one gauge per marked probe id (stack/probe-target.ts). The orchestration
 * starts it on the stack's scrape target host; the pipeline probe only marks it and registers it.
 */
export interface ProbeTarget {
  /** `host:port`, for Prometheus to scrape. */
  readonly address: string;
  /** The PromQL selector of the series `mark(probeId)` exposes. */
  series(probeId: string): string;
  mark(probeId: string): void;
  unmark(probeId: string): void;
  /** The listener's errors since it started. */
  readonly errors: readonly string[];
}

/**
 * What every check receives. Checks never start or stop anything: servers, the fleet's faults and
 * drill traffic are started by the orchestration and handed in here (validators/no-side-effects.test.ts).
 */
export interface ValidationContext {
  runId: string;
  phase: Phase;
  /** The requests the load generator sent; checks that account for requests skip without it. */
  ledger?: LedgerSource;
  /** The run window: from just before the load started to after the final scrape. */
  window?: { start: Date; end: Date };
  /** Bounded parallelism for per-request lookups (Jaeger, the log store). */
  concurrency?: number;
  /** The target label naming the service that exposes a series (default `phoenix_service`). */
  serviceLabel?: string;
  /** Job names where they differ from the embedded stack's (a staging target config's `stack.external.jobs`). */
  scrapeJobs?: Partial<ScrapeJobs>;
  /** How many missing ids/examples a failure message lists. */
  exampleLimit?: number;
  endpoints: BackendEndpoints;
  clients: BackendClients;
  /** How long telemetry may take to arrive before a check gives up (and reports the last value seen). */
  ingestTimeoutMs: number;
  /**
   * The most traces the trace store keeps, when it evicts older ones (the embedded Jaeger's in-memory
   * store): a run sending more is told so when traces are missing. Absent: no known limit.
   */
  traceStoreCapacity?: number;
  /** The pipeline probe's scrape target, started and disposed by the orchestration (stack/probe-target.ts). */
  probeTarget?: ProbeTarget;
  /** Registers extra scrape targets with Prometheus; absent for an external stack. */
  registerScrapeTargets?: (targets: { targets: string[]; labels?: Record<string, string> }[]) => void;
  /** Production-scale Prometheus rule files (globs allowed), for the offline alert-rule checks. */
  ruleFiles?: string[];
  /** `promtool test rules` files; default: `tests/*.yml` beside the rule files. */
  ruleTestFiles?: string[];
  /** The rendered Alertmanager config file (stack/spec's `alertmanagerConfig`), for amtool. */
  alertmanagerConfigFile?: string;
  /**
   * Where the offline alert checks read the rules and the Alertmanager config: `files` (ruleFiles and
   * alertmanagerConfigFile, the default) or `stack`, the stack under test's own APIs (Prometheus
   * `/api/v1/rules`, Alertmanager `/api/v2/status`): what `--stack external` checks unless `--rules`.
   */
  alertSources?: { rules: 'files' | 'stack'; alertmanager: 'files' | 'stack' };
  tools?: ToolPaths;
  /** Fault control of the fleet under test; absent against staging (the live alert drills skip). */
  fleet?: FleetControl;
  /** Traffic, time profile and selection for the live alert drills. */
  drills?: DrillOptions;
}

/**
 * The log store client: the one endpoint given, or `logStore`'s when both are (VictoriaLogs when
 * neither decides). Undefined without a log store endpoint.
 */
function logStoreClient(
  endpoints: BackendEndpoints,
  opts: (
    key: keyof BackendEndpoints,
    baseUrl: string,
  ) => { baseUrl: string; headers: Record<string, string> },
  logStore: LogStoreKind | undefined,
): LogStoreApi | undefined {
  const { victorialogs, loki } = endpoints;
  const kind: LogStoreKind | undefined =
    victorialogs && loki
      ? (logStore ?? 'victorialogs')
      : victorialogs
        ? 'victorialogs'
        : loki
          ? 'loki'
          : undefined;
  if (kind === 'victorialogs' && victorialogs)
    return new VictoriaLogsClient(opts('victorialogs', victorialogs));
  if (kind === 'loki' && loki) return new LokiClient(opts('loki', loki));
  return undefined;
}

/** Builds API clients from endpoints, with per-backend extra headers (Authorization, X-Scope-OrgID…). */
export function createClients(
  endpoints: BackendEndpoints,
  headers: Partial<Record<keyof BackendEndpoints, Record<string, string>>> = {},
  options: { logStore?: LogStoreKind } = {},
): BackendClients {
  const opts = (key: keyof BackendEndpoints, baseUrl: string) => ({ baseUrl, headers: headers[key] ?? {} });
  const logs = logStoreClient(endpoints, opts, options.logStore);
  return {
    ...(endpoints.prometheus
      ? { prometheus: new PrometheusClient(opts('prometheus', endpoints.prometheus)) }
      : {}),
    ...(logs ? { logs } : {}),
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
  set('victorialogs', map.victorialogs);
  set('loki', map.loki);
  set('jaeger', map.jaeger);
  set('grafana', map.grafana);
  set('otelCollector', map['otel-collector']);
  set('otelCollectorMetrics', map['otel-collector.metrics']);
  set('webhookSink', map['webhook-sink']);
  return out;
}

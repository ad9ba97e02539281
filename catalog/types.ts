/**
 * The catalog's vocabulary: what Phoenix must emit (metrics, spans, logs), the rules built on it,
 * and which rollout phase requires what. Everything else (rule files, dashboards, the mock fleet,
 * the validators, the phase gates) is derived from values of these types.
 */

export const PHASE_NUMBERS = [1, 2, 3, 4] as const;
export type Phase = (typeof PHASE_NUMBERS)[number];

/** The 14 services of the seed's Prometheus scrape config, by their DNS names. */
export const SERVICE_NAMES = [
  'orchestrator-service',
  'data-router',
  'llm-service',
  'tools-service',
  'safety-service',
  'logging-service',
  'executor',
  'mind-kb',
  'body-kb',
  'heart-kb',
  'social-kb',
  'soul-kb',
  'context-manager',
  'reflection',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const KB_SERVICES = [
  'mind-kb',
  'body-kb',
  'heart-kb',
  'social-kb',
  'soul-kb',
] as const satisfies readonly ServiceName[];

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** Where a catalog entry comes from, so a reader can go back to the source text. */
export type CatalogSource =
  | 'seed-003' // Metrics Collection Framework (003_…)
  | 'seed-000' // Implementation Guidelines (000_…)
  | 'middleware' // the standard HTTP middleware metrics of seed-003
  | 'circuit-breaker' // seed-003's circuit-breaker metrics
  | 'harness'; // added by the harness (named in its docs)

export interface MetricDef {
  /** Full metric name as exposed (for histograms: the base name, without _bucket/_sum/_count). */
  name: string;
  type: MetricType;
  help: string;
  /** Label names the service sets (target labels such as job/instance are not listed). */
  labels: readonly string[];
  /** Allowed values per label; a label absent here is free-form but still bounded by the cardinality budget. */
  allowedValues: Readonly<Record<string, readonly string[]>>;
  /** Unit suffix the name carries (seconds, bytes, dollars, ratio …), if any. */
  unit?: string;
  /** Histogram buckets (upper bounds, ascending). */
  buckets?: readonly number[];
  /** Services that expose this metric. */
  services: readonly ServiceName[];
  /** The rollout phase that first requires it. */
  phase: Phase;
  /** Maximum number of series (per service) before the cardinality check fails. */
  cardinalityBudget: number;
  source: CatalogSource;
  /**
   * `always` (default): a series exists from the first scrape (label sets are zero-initialised).
   * `on-event`: series appear only once the event happens (a breaker transition, a violation…);
   * presence checks accept its absence, type and label checks still apply once it is there.
   */
  presence?: 'always' | 'on-event';
}

export type SpanKind = 'server' | 'client' | 'internal';

export interface SpanDef {
  service: ServiceName;
  name: string;
  kind: SpanKind;
  /** Attributes every such span must carry (e.g. `correlation.id`, `http.request.method`). */
  requiredAttributes: readonly string[];
}

export type FlowName = 'plan_and_execute' | 'kb_query' | 'llm_generate';

/** One request flow through the fleet, entered at the orchestrator. */
export interface FlowDef {
  name: FlowName;
  /** The orchestrator endpoint that starts it. */
  entry: { method: 'POST'; path: string };
  /** Each call one service makes to another, in order (propagation must hold at every hop). */
  hops: readonly { from: ServiceName; to: ServiceName }[];
  /** Services whose spans and log lines each request of this flow must produce. */
  services: readonly ServiceName[];
  spans: readonly SpanDef[];
  /**
   * Calls whose target depends on the request (kb_query's `kb` field, the KBs a plan names):
   * between `min` and `max` of `anyOf` are called. Their targets are not in `hops`/`services`;
   * their spans are in `spans` and are required only for the targets actually called.
   */
  variableHops?: readonly {
    from: ServiceName;
    anyOf: readonly ServiceName[];
    min: number;
    max: number;
    /** What picks the targets, for a reader and for the ledger (e.g. `request body "kb"`). */
    chosenBy: string;
  }[];
  /** Relative weight in the k6 traffic mix. */
  weight: number;
  /**
   * The phase from which the flow is driven. Which parts of its traces are checked at phase N is
   * the intersection with that phase's services (see `flowAtPhase` in phases.ts).
   */
  phase: Phase;
  /** Client-side latency and error SLOs of the flow (k6 thresholds: percentiles, never averages). */
  slo?: { p95Ms: number; p99Ms: number; errorRate: number };
}

export interface LogLabelDef {
  name: string;
  /** Allowed values; undefined = any value of the owning set (e.g. service names). */
  allowedValues?: readonly string[];
}

export interface LogSchema {
  /** Fields every JSON log line carries. */
  fields: readonly string[];
  /** Loki index labels that must be present. */
  labels: readonly LogLabelDef[];
  /** Labels that must never be Loki index labels (high cardinality). */
  forbiddenLabels: readonly string[];
}

export interface RecordingRuleDef {
  record: string;
  expr: string;
  phase: Phase;
  source: CatalogSource;
  /** Rule group it is rendered into (rules of a group are evaluated in order). Default `phoenix_service_rules`. */
  group?: string;
  /** Why the rule exists, in one line (rendered nowhere; for readers and reports). */
  why?: string;
}

export type Severity = 'warning' | 'critical';

/** How an alert drill triggers an alert: a fleet fault on a service (see mock-services' fault API). */
export interface AlertTrigger {
  service: ServiceName;
  fault: string;
  params?: Record<string, unknown>;
}

export interface AlertRuleDef {
  alert: string;
  expr: string;
  /** Prometheus duration, e.g. "5m". */
  for: string;
  severity: Severity;
  labels: Readonly<Record<string, string>>;
  annotations: { summary: string; description: string };
  /** What to do when it fires: rendered as the `runbook` annotation. */
  runbook: string;
  /** The receiver the route tree must deliver it to (critical → pagerduty, continuing to slack). */
  receivers: readonly ('slack' | 'pagerduty')[];
  phase: Phase;
  source: CatalogSource;
  trigger: AlertTrigger;
  /**
   * Labels the expression's result keeps (besides those Prometheus adds); annotation templates may
   * reference only these and `$value`. Checked by the catalog tests.
   */
  outputLabels?: readonly string[];
}

export interface PanelDef {
  title: string;
  /** Query expressions (PromQL, or LogQL for a Loki panel). */
  queries: readonly { expr: string; legend?: string; datasource: 'prometheus' | 'loki' | 'jaeger' }[];
  kind: 'timeseries' | 'stat' | 'gauge' | 'table' | 'heatmap' | 'logs' | 'bargauge';
  unit?: string;
}

export interface DashboardDef {
  uid: string;
  title: string;
  tags: readonly string[];
  panels: readonly PanelDef[];
  /** Panel titles that must exist (the seed's validation script requires some by name). */
  requiredPanels: readonly string[];
  phase: Phase;
}

export interface PhaseDef {
  phase: Phase;
  name: string;
  /** Services whose telemetry this phase requires (cumulative phases are computed, not listed). */
  services: readonly ServiceName[];
  /** Metric names this phase adds. */
  metrics: readonly string[];
  recordingRules: readonly string[];
  alerts: readonly string[];
  dashboards: readonly string[];
  flows: readonly FlowName[];
}

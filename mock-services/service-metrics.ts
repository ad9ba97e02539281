import { Counter, Gauge, Histogram, Registry, Summary, type Metric } from 'prom-client';
import { allowedValuesOn, type MetricDef, type ServiceName } from '../catalog/index.ts';

export type Labels = Record<string, string>;

/** The slice of a prom-client instrument the behaviours use; a disabled fleet gets no-op ones. */
export interface CounterHandle {
  inc(labels: Labels, value?: number): void;
}
export interface GaugeHandle {
  set(labels: Labels, value: number): void;
  inc(labels: Labels, value?: number): void;
  dec(labels: Labels, value?: number): void;
}
export interface ObserverHandle {
  observe(labels: Labels, value: number): void;
}

const NOOP = { inc() {}, dec() {}, set() {}, observe() {} };

export const REQUESTS_TOTAL = 'phoenix_service_requests_total';
export const REQUEST_DURATION = 'phoenix_service_request_duration_seconds';
export const CONNECTIONS_ACTIVE = 'phoenix_service_connections_active';
export const BREAKER_STATE = 'phoenix_circuit_breaker_state';
export const BREAKER_TRANSITIONS = 'phoenix_circuit_breaker_transitions_total';

/** Latency buckets that include the Apdex thresholds of the seed's recording rule (0.3 s and 1.2 s). */
const DEFAULT_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 1.2, 2, 5, 10];

export const RESPONSE_SIZE = 'phoenix_service_response_size_bytes';
const PROCESS_CPU = 'process_cpu_seconds_total';
const PROCESS_RSS = 'process_resident_memory_bytes';

/** The service whose label sets are zero-initialised (values narrowed by the catalog's allowedValuesOn). */
export interface LabelScope {
  service: ServiceName;
}

/**
 * The middleware metrics every service exposes even if the catalog lacked them (it lists them for
 * all 14 today); a catalog entry of the same name takes precedence.
 */
function middlewareFallbacks(service: ServiceName): MetricDef[] {
  const base = { services: [service], phase: 1, cardinalityBudget: 60, source: 'middleware' } as const;
  return [
    {
      ...base,
      name: REQUESTS_TOTAL,
      type: 'counter',
      help: 'Total number of requests received',
      labels: ['service', 'method', 'status'],
      allowedValues: {},
    },
    {
      ...base,
      name: REQUEST_DURATION,
      type: 'histogram',
      help: 'Request duration in seconds',
      labels: ['service', 'method'],
      allowedValues: {},
      unit: 'seconds',
      buckets: DEFAULT_SECONDS_BUCKETS,
    },
    {
      ...base,
      name: CONNECTIONS_ACTIVE,
      type: 'gauge',
      help: 'Number of currently active connections',
      labels: ['service'],
      allowedValues: {},
    },
  ];
}

/** Every combination of the label values (the cartesian product), or undefined when unbounded. */
function labelSets(def: MetricDef, scope: LabelScope): Labels[] | undefined {
  let sets: Labels[] = [{}];
  for (const label of def.labels) {
    const values = allowedValuesOn(def, label, scope.service);
    if (!values) return undefined;
    sets = sets.flatMap((set) => values.map((v) => ({ ...set, [label]: v })));
  }
  return sets;
}

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string> | Summary<string>;

function createMetric(def: MetricDef, registry: Registry | undefined, extraLabel?: string): AnyMetric {
  const labelNames = extraLabel ? [...def.labels, extraLabel] : [...def.labels];
  const common = { name: def.name, help: def.help, labelNames, registers: registry ? [registry] : [] };
  switch (def.type) {
    case 'counter':
      // The process metrics the catalog adds: read at scrape time (in one fleet process, all 14 report it).
      if (def.name === PROCESS_CPU) {
        return new Counter({
          ...common,
          collect() {
            const { user, system } = process.cpuUsage();
            this.reset();
            this.inc((user + system) / 1e6);
          },
        });
      }
      return new Counter(common);
    case 'gauge':
      if (def.name === PROCESS_RSS) {
        return new Gauge({
          ...common,
          collect() {
            this.set(process.memoryUsage.rss());
          },
        });
      }
      return new Gauge(common);
    case 'histogram':
      return new Histogram({
        ...common,
        buckets: [...(def.buckets ?? DEFAULT_SECONDS_BUCKETS)],
      });
    case 'summary':
      return new Summary({
        ...common,
        percentiles: [0.5, 0.9, 0.95, 0.99],
        maxAgeSeconds: 600,
        ageBuckets: 5,
      });
  }
}

/**
 * One service's prom-client registry (never the global one) holding the catalog's metrics for that
 * service plus the standard ones, with the fault hooks `omit-metric` and `high-cardinality-label`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly defs = new Map<string, MetricDef>();
  private readonly metrics = new Map<string, AnyMetric>();
  private readonly hidden = new Set<string>();
  private readonly asked = new Set<string>();
  private extraLabel: string | undefined;
  /** Counters that gain the high-cardinality label (the middleware counter and the service's own). */
  private readonly requestCounterNames: string[];
  /** Cached children of the middleware counter and histogram, keyed by method and status. */
  private readonly requestChildren = new Map<string, Counter.Internal>();
  private readonly durationChildren = new Map<string, Histogram.Internal<string>>();
  private readonly inFlightChild: Gauge.Internal<string>;

  private readonly responseSizeChildren = new Map<string, Histogram.Internal<string>>();
  private readonly responseSize: Histogram<string> | undefined;

  constructor(
    readonly service: ServiceName,
    catalogDefs: readonly MetricDef[],
    readonly enabled: boolean,
  ) {
    for (const def of middlewareFallbacks(service)) this.defs.set(def.name, def);
    for (const def of catalogDefs) if (def.services.includes(service)) this.defs.set(def.name, def);
    for (const def of this.defs.values()) this.metrics.set(def.name, createMetric(def, this.registry));
    this.requestCounterNames = [REQUESTS_TOTAL];
    const active = this.metrics.get(CONNECTIONS_ACTIVE) as Gauge<string>;
    this.inFlightChild = active.labels({ service });
    const size = this.metrics.get(RESPONSE_SIZE);
    this.responseSize = size instanceof Histogram ? size : undefined;
  }

  /**
   * Gives every `presence: always` metric its series at once (seed practice: zero-initialise known
   * label sets), for the label values this service can set, within the metric's cardinality budget.
   */
  zeroInitialise(scope: LabelScope): void {
    if (!this.enabled) return;
    for (const def of this.defs.values()) {
      if (def.presence === 'on-event') continue;
      const sets = labelSets(def, scope);
      if (!sets) continue;
      const perSet =
        def.type === 'histogram' ? (def.buckets?.length ?? DEFAULT_SECONDS_BUCKETS.length) + 3 : 1;
      if (sets.length * perSet > def.cardinalityBudget) continue;
      const metric = this.metrics.get(def.name);
      for (const labels of sets) {
        if (metric instanceof Counter) metric.inc(labels, 0);
        else if (metric instanceof Gauge) {
          if (def.name !== PROCESS_RSS) metric.inc(labels, 0);
        } else if (metric instanceof Histogram) metric.zero(labels);
      }
    }
  }

  /** Declares the service's own request counter (it gains the high-cardinality label too). */
  addRequestCounter(name: string): void {
    if (this.defs.get(name)?.type === 'counter' && !this.requestCounterNames.includes(name)) {
      this.requestCounterNames.push(name);
    }
  }

  /** Requests being handled right now (the seed's `phoenix_service_connections_active`). */
  inFlight(delta: number): void {
    if (this.enabled) this.inFlightChild.inc(delta);
  }

  /** Names of all metrics this service exposes (hidden ones included). */
  names(): string[] {
    return [...this.defs.keys()];
  }

  def(name: string): MetricDef | undefined {
    return this.defs.get(name);
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Label names of the request counters (a high-cardinality label must not clash with them). */
  requestLabelNames(): string[] {
    return this.requestCounterNames.flatMap((n) => this.defs.get(n)?.labels ?? []);
  }

  /** Names asked for that this service does not expose (a behaviour/catalog mismatch; tests assert none). */
  unknownNames(): string[] {
    return [...this.asked].filter((n) => !this.defs.has(n));
  }

  counter(name: string): CounterHandle {
    this.asked.add(name);
    const m = this.enabled ? this.metrics.get(name) : undefined;
    return m instanceof Counter ? bindCounter(this, name) : NOOP;
  }

  gauge(name: string): GaugeHandle {
    this.asked.add(name);
    const m = this.enabled ? this.metrics.get(name) : undefined;
    return m instanceof Gauge ? m : NOOP;
  }

  /** Histogram or summary: both observe. */
  observer(name: string): ObserverHandle {
    this.asked.add(name);
    const m = this.enabled ? this.metrics.get(name) : undefined;
    return m instanceof Histogram || m instanceof Summary ? m : NOOP;
  }

  /** The live instrument (looked up per call so a high-cardinality rebuild takes effect at once). */
  liveCounter(name: string): Counter<string> | undefined {
    const m = this.metrics.get(name);
    return m instanceof Counter ? m : undefined;
  }

  /** Counts one received request in the middleware metrics (`times` = 2 under double-count). */
  countRequest(
    method: string,
    status: string,
    seconds: number,
    times: number,
    requestId: string,
    responseBytes: number,
  ): void {
    if (!this.enabled) return;
    const key = `${method}\u0000${status}`;
    if (this.extraLabel) {
      const labels = { service: this.service, method, status, [this.extraLabel]: requestId };
      (this.metrics.get(REQUESTS_TOTAL) as Counter<string>).inc(labels, times);
    } else {
      let child = this.requestChildren.get(key);
      if (!child) {
        child = (this.metrics.get(REQUESTS_TOTAL) as Counter<string>).labels({
          service: this.service,
          method,
          status,
        });
        this.requestChildren.set(key, child);
      }
      child.inc(times);
    }
    let duration = this.durationChildren.get(method);
    if (!duration) {
      duration = (this.metrics.get(REQUEST_DURATION) as Histogram<string>).labels({
        service: this.service,
        method,
      });
      this.durationChildren.set(method, duration);
    }
    duration.observe(seconds);
    if (this.responseSize) {
      let sizeChild = this.responseSizeChildren.get(method);
      if (!sizeChild) {
        sizeChild = this.responseSize.labels({ service: this.service, method });
        this.responseSizeChildren.set(method, sizeChild);
      }
      sizeChild.observe(responseBytes);
    }
  }

  /** Counts a request in a service-specific request counter, honouring the high-cardinality fault. */
  countServiceRequest(name: string, labels: Labels, times: number, requestId: string): void {
    if (!this.enabled) return;
    const counter = this.liveCounter(name);
    if (!counter) return;
    counter.inc(this.extraLabel ? { ...labels, [this.extraLabel]: requestId } : labels, times);
  }

  get highCardinalityLabel(): string | undefined {
    return this.extraLabel;
  }

  /** `omit-metric`: the metric keeps counting but disappears from /metrics until restored. */
  hide(name: string): void {
    if (this.hidden.has(name)) return;
    this.hidden.add(name);
    this.registry.removeSingleMetric(name);
  }

  show(name: string): void {
    if (!this.hidden.delete(name)) return;
    const metric = this.metrics.get(name);
    if (metric) this.registry.registerMetric(metric as Metric<string>);
  }

  /**
   * `high-cardinality-label`: rebuilds the request counters with (or without) one extra label,
   * carrying their values over so counts stay monotonic.
   */
  async setExtraLabel(label: string | undefined): Promise<void> {
    if (label === this.extraLabel) return;
    for (const name of this.requestCounterNames) {
      const old = this.metrics.get(name) as Counter<string>;
      const def = this.defs.get(name);
      if (!def) continue;
      const { values } = await old.get();
      const wasHidden = this.hidden.has(name);
      if (!wasHidden) this.registry.removeSingleMetric(name);
      const fresh = createMetric(def, wasHidden ? undefined : this.registry, label) as Counter<string>;
      for (const v of values) {
        const labels: Labels = {};
        for (const [k, val] of Object.entries(v.labels)) {
          if (k !== this.extraLabel && val !== undefined) labels[k] = String(val);
        }
        fresh.inc(labels, v.value);
      }
      this.metrics.set(name, fresh);
    }
    this.extraLabel = label;
    this.requestChildren.clear();
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A counter handle that always resolves the current instrument (it may be rebuilt by a fault). */
function bindCounter(metrics: ServiceMetrics, name: string): CounterHandle {
  return {
    inc(labels: Labels, value = 1) {
      metrics.liveCounter(name)?.inc(labels, value);
    },
  };
}

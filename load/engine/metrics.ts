/**
 * The engine's metrics, named and shaped as k6's end-of-test summary (so the same threshold
 * expressions, `thresholdFailuresFrom` and the text summary apply): trends with percentiles from
 * HdrHistogram (hdr-histogram-js, pure-JS build), counters, rates and checks. Memory is constant:
 * one histogram per trend, whatever the request count.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import type { FlowName, SloThreshold } from '../../scenarios/index.ts';
import { parseThresholdExpression, thresholdHolds } from '../threshold-expression.ts';

/** Durations are recorded in microseconds: 3 significant digits from 1 µs to an hour. */
const US_PER_MS = 1_000;
const HIGHEST_US = 3_600_000_000;

function histogram(): Histogram {
  return build({
    useWebAssembly: false,
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

class Trend {
  private readonly h = histogram();
  private sum = 0;
  private min = Infinity;
  private max = 0;

  add(ms: number): void {
    this.h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * US_PER_MS))));
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** k6 reports 0 for every statistic of an empty trend. */
  percentile(p: number): number {
    return this.count === 0 ? 0 : this.h.getValueAtPercentile(p) / US_PER_MS;
  }

  values(): Record<string, number> {
    if (this.count === 0) return { avg: 0, min: 0, med: 0, max: 0, 'p(90)': 0, 'p(95)': 0, 'p(99)': 0 };
    return {
      avg: this.sum / this.count,
      min: this.min,
      med: this.percentile(50),
      max: this.max,
      'p(90)': this.percentile(90),
      'p(95)': this.percentile(95),
      'p(99)': this.percentile(99),
    };
  }
}

class RateMetric {
  trues = 0;
  falses = 0;
  add(value: boolean): void {
    if (value) this.trues += 1;
    else this.falses += 1;
  }
  get rate(): number {
    const total = this.trues + this.falses;
    return total === 0 ? 0 : this.trues / total;
  }
}

export interface SummaryMetricOut {
  type: 'trend' | 'counter' | 'rate' | 'gauge';
  contains?: 'time';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface RequestSample {
  /** Undefined for a request outside the flows (the preflight). */
  flow: FlowName | undefined;
  status: number;
  durationMs: number;
}

/** k6's default `expected_response`: a status from 200 to 399 is not a failure. */
export function isExpectedStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

/** A counter's cell: the hot path keeps a reference instead of looking the name up per request. */
interface CounterCell {
  n: number;
}

/** The metrics one request of one flow (or of no flow) updates, resolved once. */
interface RequestCells {
  reqs: CounterCell[];
  durations: Trend[];
  failed: RateMetric[];
}

/** One check's counts, shared by the summary's `checks` list. */
export interface CheckCell {
  passes: number;
  fails: number;
}

export class RunMetrics {
  private readonly trends = new Map<string, Trend>();
  private readonly counters = new Map<string, CounterCell>();
  private readonly rates = new Map<string, RateMetric>();
  private readonly cells = new Map<string, RequestCells>();
  readonly checks = new Map<string, CheckCell>();
  private readonly checkRate = new RateMetric();
  private expectedDuration: Trend | undefined;
  vusMax = 0;

  private trend(name: string): Trend {
    let t = this.trends.get(name);
    if (t === undefined) this.trends.set(name, (t = new Trend()));
    return t;
  }

  private rateOf(name: string): RateMetric {
    let r = this.rates.get(name);
    if (r === undefined) this.rates.set(name, (r = new RateMetric()));
    return r;
  }

  /** The counter's cell, created at 0 (it then shows in the summary, as k6's counters do once touched). */
  counterCell(name: string): CounterCell {
    let c = this.counters.get(name);
    if (c === undefined) this.counters.set(name, (c = { n: 0 }));
    return c;
  }

  count(name: string, by = 1): void {
    this.counterCell(name).n += by;
  }

  private requestCells(flow: FlowName | undefined): RequestCells {
    const key = flow ?? '';
    let cells = this.cells.get(key);
    if (cells === undefined) {
      const tags = flow === undefined ? [''] : ['', `{flow:${flow}}`];
      cells = {
        reqs: tags.map((tag) => this.counterCell(`http_reqs${tag}`)),
        durations: tags.map((tag) => this.trend(`http_req_duration${tag}`)),
        failed: tags.map((tag) => this.rateOf(`http_req_failed${tag}`)),
      };
      this.cells.set(key, cells);
    }
    return cells;
  }

  /** One HTTP request: http_reqs, http_req_duration and http_req_failed, per flow as submetrics. */
  request(sample: RequestSample): void {
    this.recordRequest(sample.flow, sample.status, sample.durationMs);
  }

  /** request() without the sample object (the engine's hot path). */
  recordRequest(flow: FlowName | undefined, status: number, durationMs: number): void {
    const failed = !isExpectedStatus(status);
    const cells = this.requestCells(flow);
    for (let i = 0; i < cells.reqs.length; i++) {
      (cells.reqs[i] as CounterCell).n += 1;
      (cells.durations[i] as Trend).add(durationMs);
      (cells.failed[i] as RateMetric).add(failed);
    }
    if (!failed) {
      this.expectedDuration ??= this.trend('http_req_duration{expected_response:true}');
      this.expectedDuration.add(durationMs);
    }
  }

  /** The cell of one named check (resolve once, then pass it to checkCell()). */
  checkCellOf(name: string): CheckCell {
    let c = this.checks.get(name);
    if (c === undefined) this.checks.set(name, (c = { passes: 0, fails: 0 }));
    return c;
  }

  check(name: string, ok: boolean): void {
    this.checkCell(this.checkCellOf(name), ok);
  }

  checkCell(cell: CheckCell, ok: boolean): void {
    if (ok) cell.passes += 1;
    else cell.fails += 1;
    this.checkRate.add(ok);
  }

  counter(name: string): number {
    return this.counters.get(name)?.n ?? 0;
  }

  /** The value an aggregation names, for a threshold; undefined when the metric has no such value. */
  private aggregate(metric: string, aggregation: string, percentile: number | undefined): number {
    const trend = this.trends.get(metric);
    if (metric.startsWith('http_req_duration')) {
      const t = trend ?? new Trend();
      if (percentile !== undefined) return t.percentile(percentile);
      return t.values()[aggregation] ?? 0;
    }
    if (metric === 'checks') return this.checkRate.rate;
    const rate = this.rates.get(metric);
    if (metric.startsWith('http_req_failed')) return rate?.rate ?? 0;
    if (metric === 'vus_max') return this.vusMax;
    return this.counters.get(metric)?.n ?? 0;
  }

  /** Evaluates one k6 threshold expression (`p(95)<300`, `rate<0.01`, `count<=3`). */
  holds(metric: string, expression: string): boolean {
    const t = parseThresholdExpression(expression);
    if (!t) throw new Error(`unsupported threshold expression ${JSON.stringify(expression)} on ${metric}`);
    return thresholdHolds(this.aggregate(metric, t.aggregation, t.percentile), t);
  }

  /** k6's summary `metrics` object, with each threshold's verdict. */
  summaryMetrics(durationMs: number, thresholds: readonly SloThreshold[]): Record<string, SummaryMetricOut> {
    const seconds = Math.max(durationMs, 1) / 1_000;
    const out: Record<string, SummaryMetricOut> = {};
    for (const [name, t] of this.trends) out[name] = { type: 'trend', contains: 'time', values: t.values() };
    for (const [name, { n }] of this.counters)
      out[name] = { type: 'counter', values: { count: n, rate: n / seconds } };
    for (const [name, r] of this.rates)
      out[name] = { type: 'rate', values: { rate: r.rate, passes: r.trues, fails: r.falses } };
    out['checks'] = {
      type: 'rate',
      values: { rate: this.checkRate.rate, passes: this.checkRate.trues, fails: this.checkRate.falses },
    };
    out['vus_max'] = { type: 'gauge', values: { value: this.vusMax, min: this.vusMax, max: this.vusMax } };
    for (const t of thresholds) {
      const metric = (out[t.metric] ??= this.emptyMetric(t.metric));
      (metric.thresholds ??= {})[t.expression] = { ok: this.holds(t.metric, t.expression) };
    }
    return out;
  }

  private emptyMetric(name: string): SummaryMetricOut {
    if (name.startsWith('http_req_duration'))
      return { type: 'trend', contains: 'time', values: new Trend().values() };
    if (name.startsWith('http_req_failed')) return { type: 'rate', values: { rate: 0, passes: 0, fails: 0 } };
    return { type: 'counter', values: { count: 0, rate: 0 } };
  }
}

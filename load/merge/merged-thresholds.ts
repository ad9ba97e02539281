/**
 * The scenario's own thresholds (scenarios/lib/thresholds.ts, the ones k6 evaluates per runner)
 * evaluated over a merged ledger — what k6-operator leaves out (grafana/k6-operator#413, #812):
 * - http_req_duration: percentiles EXACT, from every sample of every runner (nearest rank, see
 *   duration-samples.ts);
 * - http_req_failed: from each request's status, with k6's default expected statuses (200–399;
 *   status 0, no answer, fails);
 * - http_reqs: counted from the ledger;
 * - checks, iterations, dropped_iterations: summed from the runners manifest (the ledger holds
 *   requests, not checks).
 * Each threshold's merged value comes with every runner's own value beside it.
 */
import { HarnessError, LEDGER_FLOWS } from '../../core/index.ts';
import {
  scenarioDefinition,
  ScenarioConfigError,
  type ScenarioName,
  type SloThreshold,
} from '../../scenarios/index.ts';
import { isExpectedStatus } from '../engine/metrics.ts';
import { readLedger } from '../ledger.ts';
import { parseThresholdExpression, thresholdHolds } from '../threshold-expression.ts';
import { DurationSamples, percentile, trendValues } from './duration-samples.ts';
import { manifestPathFor, readRunnersManifest, type RunnersManifest } from './runners-manifest.ts';
import type { LedgerFlow } from './runner-source.ts';

export interface MergedThresholdOptions {
  ledgerPath: string;
  scenario: ScenarioName;
  /** The runners' environment (RATE, DURATION, SLO_P95_MS…); default: the one the manifest recorded. */
  env?: Readonly<Record<string, string>>;
  /** Default: `<ledger>.runners.json` beside the ledger. */
  manifest?: RunnersManifest;
}

export interface RunnerValue {
  runner: string;
  /** Undefined when the aggregation has no value for one runner alone. */
  value: number | undefined;
}

export interface MergedThreshold extends SloThreshold {
  /** The aggregation the expression reads: `p(95)`, `rate`, `count`… */
  aggregation: string;
  value: number;
  ok: boolean;
  /** Samples behind the value (requests for http_* metrics, checks for checks, runners for counters). */
  samples: number;
  perRunner: RunnerValue[];
}

export interface SummaryMetric {
  type: 'trend' | 'counter' | 'rate';
  contains?: 'time';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface MergedThresholdEvaluation {
  scenario: ScenarioName;
  ledgerPath: string;
  env: Record<string, string>;
  requests: number;
  runners: string[];
  /** The merged window, ms (counter rates are per second of it). */
  windowMs: number;
  thresholds: MergedThreshold[];
  /** True when every threshold holds. */
  ok: boolean;
  /** How exact the figures are, in words (printed with them). */
  bound: string;
  /** The merged metrics in k6's summary shape (`http_req_duration{flow:kb_query}` → values). */
  metrics: Record<string, SummaryMetric>;
}

const METRIC = /^([a-z_]+)(?:\{([a-z_]+):([^}]+)\})?$/;

export function exactBound(samples: number): string {
  return `exact: nearest-rank percentiles from all ${samples.toLocaleString('en-US')} samples of every runner (p(95)<X holds exactly when at least 95% of requests took under X ms), no histogram error`;
}

/** The scenario's definition from its environment; a bad variable is a HarnessError naming it. */
export function definitionOf(scenario: ScenarioName, env: Readonly<Record<string, string>>) {
  try {
    return scenarioDefinition(scenario, env);
  } catch (error) {
    if (error instanceof ScenarioConfigError)
      throw new HarnessError(error.message, {
        where: `scenario ${scenario}`,
        hint: 'pass the environment the runners ran with (--env K=V)',
      });
    throw error;
  }
}

interface MetricFigures {
  metric: SummaryMetric;
  samples: number;
  /** A trend's samples, ascending (any percentile is read from them). */
  sorted?: Float64Array;
}

/** The merged data: per flow, every duration with its runner and verdict. */
class MergedData {
  readonly byFlow = new Map<LedgerFlow, DurationSamples>(LEDGER_FLOWS.map((f) => [f, new DurationSamples()]));
  constructor(
    readonly manifest: RunnersManifest,
    readonly runners: string[],
    readonly windowMs: number,
  ) {}

  private columns(tag: { key: string; value: string } | undefined, metric: string): DurationSamples[] {
    if (tag === undefined) return [...this.byFlow.values()];
    const column = tag.key === 'flow' ? this.byFlow.get(tag.value as LedgerFlow) : undefined;
    if (column === undefined) {
      throw new HarnessError(
        `threshold metric ${metric}: only {flow:${LEDGER_FLOWS.join('|')}} filters can be evaluated over a ledger`,
      );
    }
    return [column];
  }

  private sorted(columns: DurationSamples[], runner: number | undefined): Float64Array {
    if (columns.length === 1) return (columns[0] as DurationSamples).sorted(runner);
    const parts = columns.map((c) => c.sorted(runner));
    const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all.sort();
  }

  private counts(
    columns: DurationSamples[],
    runner: number | undefined,
  ): { requests: number; failed: number } {
    const total = { requests: 0, failed: 0 };
    for (const c of columns) {
      const n = c.counts(runner);
      total.requests += n.requests;
      total.failed += n.failed;
    }
    return total;
  }

  private manifestFigures(runner: number | undefined) {
    const list =
      runner === undefined
        ? this.manifest.runners
        : [this.manifest.runners[runner]].filter((r) => r !== undefined);
    return {
      iterations: list.reduce((n, r) => n + r.iterations, 0),
      dropped: list.reduce((n, r) => n + r.droppedIterations, 0),
      passes: list.reduce((n, r) => n + r.checks.passes, 0),
      fails: list.reduce((n, r) => n + r.checks.fails, 0),
    };
  }

  /** One metric's k6 summary values and its sample count, merged (runner undefined) or one runner's. */
  metric(metric: string, runner?: number): MetricFigures {
    const m = METRIC.exec(metric.trim());
    if (m === null)
      throw new HarnessError(`threshold metric ${JSON.stringify(metric)} is not a k6 metric name`);
    const name = m[1] ?? '';
    const tag = m[2] === undefined ? undefined : { key: m[2], value: m[3] ?? '' };
    const perSecond = (n: number): number => n / (Math.max(this.windowMs, 1) / 1_000);
    if (name === 'http_req_duration') {
      const sorted = this.sorted(this.columns(tag, metric), runner);
      return {
        metric: { type: 'trend', contains: 'time', values: trendValues(sorted) },
        samples: sorted.length,
        sorted,
      };
    }
    if (name === 'http_req_failed') {
      const { requests, failed } = this.counts(this.columns(tag, metric), runner);
      const values = {
        rate: requests === 0 ? 0 : failed / requests,
        passes: failed,
        fails: requests - failed,
      };
      return { metric: { type: 'rate', values }, samples: requests };
    }
    if (name === 'http_reqs') {
      const { requests } = this.counts(this.columns(tag, metric), runner);
      return {
        metric: { type: 'counter', values: { count: requests, rate: perSecond(requests) } },
        samples: requests,
      };
    }
    if (tag !== undefined) {
      throw new HarnessError(
        `threshold metric ${metric}: the runners manifest holds ${name} per runner, not per ${tag.key}`,
      );
    }
    const figures = this.manifestFigures(runner);
    const runnersCounted = runner === undefined ? this.manifest.runners.length : 1;
    if (name === 'checks') {
      const total = figures.passes + figures.fails;
      const values = {
        rate: total === 0 ? 0 : figures.passes / total,
        passes: figures.passes,
        fails: figures.fails,
      };
      return { metric: { type: 'rate', values }, samples: total };
    }
    if (name === 'dropped_iterations' || name === 'iterations') {
      const n = name === 'iterations' ? figures.iterations : figures.dropped;
      return {
        metric: { type: 'counter', values: { count: n, rate: perSecond(n) } },
        samples: runnersCounted,
      };
    }
    throw new HarnessError(
      `threshold metric ${metric} cannot be evaluated over a merged ledger (it knows http_req_duration, http_req_failed, http_reqs, checks, iterations, dropped_iterations)`,
    );
  }
}

/** The value an aggregation names: any percentile of a trend, else a summary value. */
function aggregate(figures: MetricFigures, aggregation: string): number | undefined {
  const p = /^p\((.+)\)$/.exec(aggregation);
  if (p !== null) return figures.sorted === undefined ? undefined : percentile(figures.sorted, Number(p[1]));
  return figures.metric.values[aggregation];
}

async function loadMergedData(ledgerPath: string, manifest: RunnersManifest): Promise<MergedData> {
  const runners = manifest.runners.map((r) => r.name);
  const index = new Map(runners.map((name, i) => [name, i]));
  const windowMs = manifest.window?.durationMs ?? 0;
  const data = new MergedData(manifest, runners, windowMs);
  let requests = 0;
  for await (const record of readLedger(ledgerPath)) {
    const runner = record.runner === undefined ? undefined : index.get(record.runner);
    if (runner === undefined) {
      throw new HarnessError(
        `ledger ${ledgerPath}: a request of ${record.runner === undefined ? 'no runner' : `runner ${record.runner}`} (trace ${record.traceId}) is not in the runners manifest (${runners.join(', ')})`,
        {
          where: ledgerPath,
          hint: 'evaluate a ledger written by `phx-harness ledger merge`, with the manifest written beside it',
        },
      );
    }
    requests += 1;
    data.byFlow.get(record.flow)?.push(record.durationMs, runner, !isExpectedStatus(record.status));
  }
  if (requests !== manifest.requests) {
    throw new HarnessError(
      `ledger ${ledgerPath} holds ${requests.toLocaleString('en-US')} requests but its runners manifest says ${manifest.requests.toLocaleString('en-US')}: they are not from the same merge`,
      { where: ledgerPath, hint: 'merge again: the ledger and its .runners.json are written together' },
    );
  }
  return data;
}

/**
 * Evaluates the scenario's thresholds over the merged ledger: each threshold's merged value and
 * verdict, every runner's own value beside it, and the merged metrics in k6's summary shape.
 */
export async function evaluateMergedThresholds(
  options: MergedThresholdOptions,
): Promise<MergedThresholdEvaluation> {
  const manifest = options.manifest ?? (await readRunnersManifest(manifestPathFor(options.ledgerPath)));
  const env = { ...(options.env ?? manifest.env ?? {}) };
  const definition = definitionOf(options.scenario, env);
  const data = await loadMergedData(options.ledgerPath, manifest);
  const metrics: Record<string, SummaryMetric> = {};
  const metricOf = (name: string): SummaryMetric => (metrics[name] ??= data.metric(name).metric);
  // The summary carries every flow's metrics, as k6's would, thresholds or not.
  for (const name of ['http_req_duration', 'http_req_failed', 'http_reqs']) {
    metricOf(name);
    for (const flow of LEDGER_FLOWS) metricOf(`${name}{flow:${flow}}`);
  }
  for (const name of ['checks', 'iterations', 'dropped_iterations']) metricOf(name);

  const thresholds: MergedThreshold[] = definition.thresholds.map((t) => {
    const parsed = parseThresholdExpression(t.expression);
    if (parsed === undefined)
      throw new HarnessError(
        `threshold ${t.metric} ${JSON.stringify(t.expression)} is not an expression this evaluator reads`,
      );
    const { aggregation } = parsed;
    const merged = data.metric(t.metric);
    const value = aggregate(merged, aggregation);
    if (value === undefined)
      throw new HarnessError(`threshold ${t.metric} ${t.expression}: ${t.metric} has no ${aggregation}`);
    const ok = thresholdHolds(value, parsed);
    (metricOf(t.metric).thresholds ??= {})[t.expression] = { ok };
    const perRunner = data.runners.map((runner, i) => ({
      runner,
      value: aggregate(data.metric(t.metric, i), aggregation),
    }));
    return { ...t, aggregation, value, ok, samples: merged.samples, perRunner };
  });
  return {
    scenario: options.scenario,
    ledgerPath: options.ledgerPath,
    env,
    requests: manifest.requests,
    runners: data.runners,
    windowMs: data.windowMs,
    thresholds,
    ok: thresholds.every((t) => t.ok),
    bound: exactBound(manifest.requests),
    metrics,
  };
}

/**
 * The same samples through the engine's own metrics (load/engine/metrics.ts: HdrHistogram trends,
 * what one engine process reports and judges its thresholds by), beside the merged exact figures:
 * merged-exact and single-process agree within HdrHistogram's stated bound. Both use the nearest
 * rank, so each HdrHistogram percentile is checked against the exact sample at that rank.
 */
import { RunMetrics } from '../engine/metrics.ts';
import { LEDGER_FLOWS, type LedgerEntry } from '../../core/index.ts';
import { readLedger } from '../ledger.ts';
import { DurationSamples, percentile, percentileInterpolated } from './duration-samples.ts';
import { definitionOf } from './merged-thresholds.ts';
import { manifestPathFor, readRunnersManifest, type RunnersManifest } from './runners-manifest.ts';
import type { ScenarioName } from '../../scenarios/index.ts';

/** A bucket of a 3-significant-digit HdrHistogram is at most 1/1024 (< 0.1%) of its value wide. */
export const HDR_RELATIVE_BOUND = 1 / 1_024;
/** The engine records whole microseconds. */
export const HDR_QUANTUM_MS = 0.001;
export const HDR_BOUND_TEXT =
  "HdrHistogram (the engine's trends, 3 significant digits): relative error ≤ 0.1% (a bucket is at most 1/1024 of its value wide), plus the 1 µs the engine records durations in";

const STATS = [
  ['med', 50],
  ['p(90)', 90],
  ['p(95)', 95],
  ['p(99)', 99],
] as const;

export interface HdrComparisonRow {
  metric: string;
  stat: (typeof STATS)[number][0];
  samples: number;
  /** The exact nearest-rank percentile, as the merged thresholds report it. */
  exact: number;
  /** k6's interpolated percentile of the same samples, for reference. */
  k6Interpolated: number;
  /** What the engine's HdrHistogram trend reports. */
  hdr: number;
  /** |hdr − exact| and the bound it must stay within (exact × 1/1024 + 1 µs). */
  difference: number;
  allowed: number;
  withinBound: boolean;
}

export interface HdrComparison {
  samples: number;
  rows: HdrComparisonRow[];
  withinBound: boolean;
  bound: string;
}

type Sample = Pick<LedgerEntry, 'flow' | 'status' | 'durationMs'>;

/** Feeds the samples to both: exact columns and the engine's RunMetrics (HdrHistogram). */
export async function hdrComparisonOf(
  samples: Iterable<Sample> | AsyncIterable<Sample>,
): Promise<HdrComparison> {
  const hdr = new RunMetrics();
  const exact = new Map(LEDGER_FLOWS.map((f) => [f, new DurationSamples()]));
  let total = 0;
  for await (const s of samples) {
    hdr.recordRequest(s.flow, s.status, s.durationMs);
    exact.get(s.flow)?.push(s.durationMs, 0, false);
    total += 1;
  }
  const summary = hdr.summaryMetrics(1_000, []);
  const rows: HdrComparisonRow[] = [];
  for (const [flow, column] of exact) {
    if (column.length === 0) continue;
    const metric = `http_req_duration{flow:${flow}}`;
    const sorted = column.sorted();
    for (const [stat, p] of STATS) {
      const value = percentile(sorted, p);
      const hdrValue = summary[metric]?.values[stat] ?? Number.NaN;
      const difference = Math.abs(hdrValue - value);
      const allowed = value * HDR_RELATIVE_BOUND + HDR_QUANTUM_MS;
      rows.push({
        metric,
        stat,
        samples: sorted.length,
        exact: value,
        k6Interpolated: percentileInterpolated(sorted, p),
        hdr: hdrValue,
        difference,
        allowed,
        withinBound: difference <= allowed,
      });
    }
  }
  return { samples: total, rows, withinBound: rows.every((r) => r.withinBound), bound: HDR_BOUND_TEXT };
}

/** The percentile comparison over a ledger's requests. */
export function compareWithHdrHistogram(ledgerPath: string): Promise<HdrComparison> {
  return hdrComparisonOf(readLedger(ledgerPath));
}

export interface SingleProcessFigure {
  metric: string;
  expression: string;
  /** The value the threshold reads, as one engine process would compute it. */
  value: number;
  ok: boolean;
}

/**
 * The scenario's thresholds as ONE engine process would judge the merged requests: every sample
 * fed to the engine's RunMetrics (HdrHistogram trends), checks and iterations from the manifest.
 * Beside evaluateMergedThresholds, it shows the merge changes nothing but HdrHistogram's error.
 */
export async function singleProcessThresholdFigures(options: {
  ledgerPath: string;
  scenario: ScenarioName;
  env?: Readonly<Record<string, string>>;
  manifest?: RunnersManifest;
}): Promise<SingleProcessFigure[]> {
  const manifest = options.manifest ?? (await readRunnersManifest(manifestPathFor(options.ledgerPath)));
  const definition = definitionOf(options.scenario, options.env ?? manifest.env ?? {});
  const metrics = new RunMetrics();
  for await (const r of readLedger(options.ledgerPath)) metrics.recordRequest(r.flow, r.status, r.durationMs);
  const checks = metrics.checkCellOf('merged checks');
  for (const runner of manifest.runners) {
    metrics.count('iterations', runner.iterations);
    metrics.count('dropped_iterations', runner.droppedIterations);
    for (let i = 0; i < runner.checks.passes; i++) metrics.checkCell(checks, true);
    for (let i = 0; i < runner.checks.fails; i++) metrics.checkCell(checks, false);
  }
  const summary = metrics.summaryMetrics(manifest.window?.durationMs ?? 0, definition.thresholds);
  return definition.thresholds.map((t) => {
    const aggregation = /^\s*(avg|min|max|med|count|rate|value|p\([\d.]+\))/.exec(t.expression)?.[1] ?? '';
    const metric = summary[t.metric];
    return {
      metric: t.metric,
      expression: t.expression,
      value: metric?.values[aggregation] ?? Number.NaN,
      ok: metric?.thresholds?.[t.expression]?.ok ?? false,
    };
  });
}

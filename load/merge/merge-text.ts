/**
 * The merge and the merged thresholds as text for a terminal: pure functions over the manifest
 * and the evaluation (the CLI prints them; tests read them).
 */
import { LEDGER_FLOWS } from '../../core/index.ts';
import type { HdrComparison } from './hdr-comparison.ts';
import type { MergedThresholdEvaluation } from './merged-thresholds.ts';
import type { RunnersManifest } from './runners-manifest.ts';

const fmt = (n: number): string => n.toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1_000).toFixed(1)} s`;

/** Left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** A threshold's value as k6 prints it: durations in ms, rates as percentages, counts whole. */
export function formatValue(aggregation: string, value: number | undefined): string {
  if (value === undefined) return '—';
  if (aggregation === 'rate') return `${(value * 100).toFixed(2)}%`;
  if (aggregation === 'count') return fmt(value);
  return `${value.toFixed(2)}ms`;
}

export function describeMerge(manifest: RunnersManifest, manifestPath: string): string[] {
  const lines = [
    `merged ${manifest.runners.length} runner${manifest.runners.length === 1 ? '' : 's'} (parallelism ${manifest.parallelism}${manifest.parallelismAssumed ? ', inferred from the runners: pass --parallelism to detect a missing last one' : ''}) into ${manifest.ledgerPath}: ${fmt(manifest.requests)} requests`,
    `manifest: ${manifestPath}`,
    '',
  ];
  const header = [
    'runner',
    'segment',
    'from',
    'requests',
    ...LEDGER_FLOWS,
    'iterations',
    'planned',
    'dropped',
    'checks ok/failed',
    'status',
  ];
  const rows = manifest.runners.map((r) => [
    r.name,
    r.segment,
    r.segmentFrom,
    fmt(r.requests),
    ...LEDGER_FLOWS.map((f) => fmt(r.byFlow[f])),
    fmt(r.iterations),
    r.plannedIterations === undefined ? '—' : fmt(r.plannedIterations),
    fmt(r.droppedIterations),
    `${fmt(r.checks.passes)}/${fmt(r.checks.fails)}`,
    r.status,
  ]);
  lines.push(...table([header, ...rows]), '');
  const w = manifest.window;
  lines.push(
    w === null
      ? 'window: none (no requests)'
      : `window: ${new Date(w.startMs).toISOString()} → ${new Date(w.endMs).toISOString()} (${seconds(w.durationMs)}, the union of the runners' windows)`,
  );
  const skew = manifest.clockSkew;
  lines.push(
    skew === null
      ? 'clock skew: not measurable (fewer than two runners with requests)'
      : `clock skew: ${seconds(skew.ms)} between ${skew.earliest} and ${skew.latest} (tolerance ${seconds(skew.toleranceMs)}${skew.scheduleAware ? ', first requests measured from their scheduled starts' : ''})`,
    `durations: ${manifest.durations}`,
  );
  if (manifest.problems.length === 0) lines.push('problems: none');
  else {
    lines.push(`problems (${manifest.problems.length}):`);
    for (const p of manifest.problems)
      lines.push(`  - [${p.blocking ? p.kind : `${p.kind}, note`}] ${p.message}`);
  }
  if (manifest.acceptedPartial)
    lines.push('PARTIAL: merged with the problems above accepted (--accept-partial)');
  return lines;
}

export function describeThresholds(evaluation: MergedThresholdEvaluation): string[] {
  const header = ['threshold', 'merged', 'verdict', ...evaluation.runners];
  const rows = evaluation.thresholds.map((t) => [
    `${t.metric} ${t.expression}`,
    formatValue(t.aggregation, t.value),
    t.ok ? 'ok' : 'BREACHED',
    ...t.perRunner.map((r) => formatValue(t.aggregation, r.value)),
  ]);
  const breached = evaluation.thresholds.filter((t) => !t.ok);
  return [
    `thresholds of scenario ${evaluation.scenario} over ${evaluation.ledgerPath}: ${fmt(evaluation.requests)} requests from ${evaluation.runners.length} runners`,
    `percentiles: ${evaluation.bound}`,
    '',
    ...table([header, ...rows]),
    '',
    breached.length === 0
      ? `all ${evaluation.thresholds.length} thresholds hold over the merged requests`
      : `${breached.length} of ${evaluation.thresholds.length} thresholds breached:\n${breached.map((t) => `  - ${t.metric} ${t.expression}: ${formatValue(t.aggregation, t.value)} (${t.reason})`).join('\n')}`,
  ];
}

export function describeHdrComparison(comparison: HdrComparison): string[] {
  const rows = comparison.rows.map((r) => [
    `${r.metric} ${r.stat}`,
    `${r.exact.toFixed(3)}ms`,
    `${r.k6Interpolated.toFixed(3)}ms`,
    `${r.hdr.toFixed(3)}ms`,
    `${r.difference.toFixed(4)}ms`,
    `${r.allowed.toFixed(4)}ms`,
    r.withinBound ? 'within' : 'OUTSIDE',
  ]);
  return [
    `single-process figures (${comparison.bound}) beside the exact ones, over the same ${fmt(comparison.samples)} samples:`,
    ...table([['trend', 'exact', 'k6 interpolated', 'hdrhistogram', '|hdr − exact|', 'bound', ''], ...rows]),
  ];
}

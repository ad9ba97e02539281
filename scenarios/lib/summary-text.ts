/**
 * A small, readable end-of-test summary (k6-jslib-summary is a remote import, and CI has no network).
 * Pure over k6's handleSummary data, so Node tests render it from a recorded summary.json.
 */
import { FLOWS } from './catalog.generated.ts';
import type { SloThreshold } from './thresholds.ts';

/** The parts of k6's handleSummary data we read. */
export interface SummaryMetric {
  type?: string;
  values?: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryCheck {
  name: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  checks?: SummaryCheck[];
  groups?: SummaryGroup[];
}

export interface SummaryData {
  metrics?: Record<string, SummaryMetric>;
  root_group?: SummaryGroup;
  state?: { testRunDurationMs?: number };
}

export interface SummaryContext {
  scenario: string;
  runId: string;
  baseUrl: string;
  summaryPath: string;
  thresholds: readonly SloThreshold[];
}

function ms(value: number | undefined): string {
  if (value === undefined) return '-';
  return value >= 1_000 ? `${(value / 1_000).toFixed(2)}s` : `${value.toFixed(1)}ms`;
}

function pct(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(2)}%`;
}

function allChecks(group: SummaryGroup | undefined): SummaryCheck[] {
  if (group === undefined) return [];
  return [...(group.checks ?? []), ...(group.groups ?? []).flatMap(allChecks)];
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
}

export function renderTextSummary(data: SummaryData, context: SummaryContext): string {
  const metrics = data.metrics ?? {};
  const value = (metric: string, stat: string): number | undefined => metrics[metric]?.values?.[stat];
  const seconds = (data.state?.testRunDurationMs ?? 0) / 1_000;
  const lines = [
    '',
    `Phoenix ${context.scenario}: run ${context.runId} against ${context.baseUrl} (${seconds.toFixed(1)}s)`,
    '',
  ];

  const widths = [18, 9, 8, 10, 10, 14];
  lines.push(`  ${row(['flow', 'requests', 'failed', 'p95', 'p99', 'SLO p95/p99'], widths)}`);
  for (const flow of FLOWS) {
    const tag = `{flow:${flow.name}}`;
    lines.push(
      `  ${row(
        [
          flow.name,
          String(value(`http_reqs${tag}`, 'count') ?? 0),
          pct(value(`http_req_failed${tag}`, 'rate')),
          ms(value(`http_req_duration${tag}`, 'p(95)')),
          ms(value(`http_req_duration${tag}`, 'p(99)')),
          `${flow.p95Ms}/${flow.p99Ms}ms`,
        ],
        widths,
      )}`,
    );
  }
  lines.push(
    `  ${row(
      [
        'all requests',
        String(value('http_reqs', 'count') ?? 0),
        pct(value('http_req_failed', 'rate')),
        ms(value('http_req_duration', 'p(95)')),
        ms(value('http_req_duration', 'p(99)')),
        '',
      ],
      widths,
    )}`,
    '    (all requests include the preflight GET /healthz)',
    '',
  );

  const checks = allChecks(data.root_group);
  const passes = checks.reduce((n, c) => n + c.passes, 0);
  const total = checks.reduce((n, c) => n + c.passes + c.fails, 0);
  lines.push(`  checks: ${passes}/${total} passed`);
  for (const c of checks) {
    lines.push(`    ${c.fails === 0 ? '✓' : '✗'} ${c.name}${c.fails === 0 ? '' : ` (${c.fails} failed)`}`);
  }
  lines.push('');

  const verdicts = context.thresholds.map((t) => ({
    ...t,
    ok: metrics[t.metric]?.thresholds?.[t.expression]?.ok,
  }));
  const broken = verdicts.filter((t) => t.ok === false);
  lines.push(`  thresholds: ${verdicts.length - broken.length}/${verdicts.length} held`);
  for (const t of broken) lines.push(`    ✗ ${t.metric} ${t.expression}: ${t.reason}`);
  lines.push(
    '',
    `  iterations ${value('iterations', 'count') ?? 0}, dropped ${value('dropped_iterations', 'count') ?? 0}, ` +
      `max VUs ${value('vus_max', 'max') ?? value('vus_max', 'value') ?? '-'}`,
    `  summary: ${context.summaryPath}`,
    '',
  );
  return lines.join('\n');
}

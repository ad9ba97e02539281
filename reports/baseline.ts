import type { AccountingRow, CheckResult } from '../core/index.ts';

/** The parts of a run report a baseline comparison reads. */
export interface BaselineInput {
  latency?: { p95Ms: number; p99Ms: number; errorRate: number; requests: number } | undefined;
  accounting: readonly AccountingRow[];
  inventory?: Readonly<Record<string, { labels: readonly string[]; series: number }>> | undefined;
  drills: readonly { alert: string; firingMs?: number | undefined; deliveredMs?: number | undefined }[];
}

/** Relative criteria (harness.config.ts `baseline`). */
export interface BaselineCriteria {
  p95IncreasePct: number;
  p99IncreasePct: number;
  /** Absolute increase of the error rate (0.01 = one percentage point). */
  errorRateIncrease: number;
  cardinalityGrowthPct: number;
  alertTimingIncreasePct?: number;
}

const check = (
  id: string,
  title: string,
  status: CheckResult['status'],
  expected: string,
  observed: string,
  message: string,
  baselinePath: string,
): CheckResult => ({
  id: `baseline.${id}`,
  family: 'baseline',
  title,
  status,
  phase: 1,
  expected,
  observed,
  message,
  evidence: { baseline: baselinePath },
});

const ms = (n: number) => `${n.toFixed(1)}ms`;
const pct = (n: number) => `${(n * 100).toFixed(2)}%`;

/**
 * Compares a run with an earlier one: latency percentiles, error rate, completeness of the
 * accounting funnel, metrics and labels that disappeared, cardinality growth and alert timings,
 * each a check (family `baseline`) judged by the configured relative criteria.
 */
export function compareWithBaseline(
  current: BaselineInput,
  baseline: BaselineInput,
  criteria: BaselineCriteria,
  baselinePath: string,
): CheckResult[] {
  const results: CheckResult[] = [];
  const skip = (id: string, title: string, why: string) =>
    results.push(check(id, title, 'skip', '-', '-', why, baselinePath));

  if (current.latency && baseline.latency) {
    for (const [key, limitPct] of [
      ['p95Ms', criteria.p95IncreasePct],
      ['p99Ms', criteria.p99IncreasePct],
    ] as const) {
      const was = baseline.latency[key];
      const now = current.latency[key];
      const limit = was * (1 + limitPct / 100);
      const label = key.replace('Ms', '');
      const change = was > 0 ? ((now - was) / was) * 100 : 0;
      results.push(
        check(
          `latency.${label}`,
          `${label} latency within +${limitPct}% of the baseline`,
          now <= limit ? 'pass' : 'fail',
          `≤ ${ms(limit)} (baseline ${ms(was)} +${limitPct}%)`,
          ms(now),
          `${label} latency ${ms(now)} vs baseline ${ms(was)} (${change >= 0 ? '+' : ''}${change.toFixed(1)}%, limit +${limitPct}%)`,
          baselinePath,
        ),
      );
    }
    const was = baseline.latency.errorRate;
    const now = current.latency.errorRate;
    results.push(
      check(
        'error-rate',
        `Error rate at most ${pct(criteria.errorRateIncrease)} above the baseline`,
        now <= was + criteria.errorRateIncrease ? 'pass' : 'fail',
        `≤ ${pct(was + criteria.errorRateIncrease)}`,
        pct(now),
        `error rate ${pct(now)} vs baseline ${pct(was)} (limit +${pct(criteria.errorRateIncrease)})`,
        baselinePath,
      ),
    );
  } else {
    skip(
      'latency.p95',
      'Latency within the baseline',
      'the run or the baseline has no latency data (no scenario ran)',
    );
  }

  const rate = (rows: readonly AccountingRow[], key: 'traced' | 'logged' | 'counted') => {
    const sent = rows.reduce((n, r) => n + r.sent, 0);
    return sent === 0 ? 1 : rows.reduce((n, r) => n + r[key], 0) / sent;
  };
  if (current.accounting.length && baseline.accounting.length) {
    const drops = (['traced', 'logged', 'counted'] as const)
      .map((k) => ({ k, was: rate(baseline.accounting, k), now: rate(current.accounting, k) }))
      .filter((d) => d.now < d.was);
    results.push(
      check(
        'completeness',
        'Completeness (traced, logged, counted) not below the baseline',
        drops.length ? 'fail' : 'pass',
        'no drop',
        drops.length ? drops.map((d) => `${d.k} ${pct(d.now)}`).join(', ') : 'no drop',
        drops.length
          ? `completeness dropped: ${drops.map((d) => `${d.k} ${pct(d.now)} (baseline ${pct(d.was)})`).join('; ')}`
          : 'completeness is at least the baseline’s',
        baselinePath,
      ),
    );
  }

  if (current.inventory && baseline.inventory) {
    const now = current.inventory;
    const gone = Object.keys(baseline.inventory).filter((m) => !now[m]);
    results.push(
      check(
        'metrics.disappeared',
        'No metric of the baseline disappeared',
        gone.length ? 'fail' : 'pass',
        '0 disappeared',
        `${gone.length} disappeared`,
        gone.length
          ? `metrics present in the baseline are gone: ${gone.join(', ')}`
          : 'every metric of the baseline is still exposed',
        baselinePath,
      ),
    );
    const lostLabels = Object.entries(baseline.inventory).flatMap(([m, was]) => {
      const cur = now[m];
      return cur ? was.labels.filter((l) => !cur.labels.includes(l)).map((l) => `${m}{${l}}`) : [];
    });
    results.push(
      check(
        'labels.disappeared',
        'No label of the baseline disappeared',
        lostLabels.length ? 'fail' : 'pass',
        '0 disappeared',
        `${lostLabels.length} disappeared`,
        lostLabels.length
          ? `labels present in the baseline are gone: ${lostLabels.join(', ')}`
          : 'every label of the baseline is still there',
        baselinePath,
      ),
    );
    const grown = Object.entries(now).flatMap(([m, cur]) => {
      const was = baseline.inventory?.[m];
      if (!was || was.series === 0) return [];
      const growth = ((cur.series - was.series) / was.series) * 100;
      return growth > criteria.cardinalityGrowthPct
        ? [`${m}: ${was.series} → ${cur.series} series (+${growth.toFixed(0)}%)`]
        : [];
    });
    results.push(
      check(
        'cardinality',
        `Series per metric grew at most ${criteria.cardinalityGrowthPct}%`,
        grown.length ? 'fail' : 'pass',
        `≤ +${criteria.cardinalityGrowthPct}%`,
        grown.length ? `${grown.length} metrics grew` : 'within',
        grown.length
          ? `cardinality grew beyond +${criteria.cardinalityGrowthPct}%: ${grown.join('; ')}`
          : 'no metric grew beyond the limit',
        baselinePath,
      ),
    );
  } else {
    skip(
      'metrics.disappeared',
      'No metric of the baseline disappeared',
      'the run or the baseline has no metric inventory',
    );
  }

  const timingLimit = criteria.alertTimingIncreasePct ?? 50;
  const slower = current.drills.flatMap((d) => {
    const was = baseline.drills.find((b) => b.alert === d.alert);
    if (!was) return [];
    return (['firingMs', 'deliveredMs'] as const).flatMap((k) => {
      const a = was[k];
      const b = d[k];
      return a !== undefined && b !== undefined && b > a * (1 + timingLimit / 100)
        ? [`${d.alert} ${k.replace('Ms', '')} ${b}ms (baseline ${a}ms)`]
        : [];
    });
  });
  if (current.drills.length && baseline.drills.length) {
    results.push(
      check(
        'alert-timings',
        `Alert drills at most ${timingLimit}% slower than the baseline`,
        slower.length ? 'fail' : 'pass',
        `≤ +${timingLimit}%`,
        slower.length ? `${slower.length} slower` : 'within',
        slower.length
          ? `alerts slower than the baseline: ${slower.join('; ')}`
          : 'every drill is as fast as the baseline’s',
        baselinePath,
      ),
    );
  }
  return results;
}

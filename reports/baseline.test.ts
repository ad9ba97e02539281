import { describe, expect, it } from 'vitest';
import { compareWithBaseline, type BaselineInput } from './baseline.ts';

const criteria = {
  p95IncreasePct: 10,
  p99IncreasePct: 15,
  errorRateIncrease: 0.01,
  cardinalityGrowthPct: 20,
};
const run = (overrides: Partial<BaselineInput> = {}): BaselineInput => ({
  latency: { p95Ms: 100, p99Ms: 200, errorRate: 0, requests: 1000 },
  accounting: [{ flow: 'kb_query', sent: 100, traced: 100, logged: 100, counted: 100 }],
  inventory: {
    phoenix_a_total: { labels: ['status'], series: 10 },
    phoenix_b_seconds: { labels: ['method'], series: 5 },
  },
  drills: [{ alert: 'HighErrorRate', firingMs: 1000, deliveredMs: 1500 }],
  ...overrides,
});
const byId = (r: ReturnType<typeof compareWithBaseline>) => Object.fromEntries(r.map((c) => [c.id, c]));

describe('compareWithBaseline', () => {
  it('passes when nothing regressed', () => {
    for (const c of compareWithBaseline(run(), run(), criteria, 'base.json'))
      expect(c.status, `${c.id}: ${c.message}`).toBe('pass');
  });

  it('fails the p95 criterion when latency grew beyond +10%', () => {
    const r = byId(
      compareWithBaseline(
        run({ latency: { p95Ms: 300, p99Ms: 210, errorRate: 0, requests: 1000 } }),
        run(),
        criteria,
        'base.json',
      ),
    );
    expect(r['baseline.latency.p95']?.status).toBe('fail');
    expect(r['baseline.latency.p95']?.message).toBe(
      'p95 latency 300.0ms vs baseline 100.0ms (+200.0%, limit +10%)',
    );
    expect(r['baseline.latency.p99']?.status).toBe('pass');
  });

  it('names a metric and a label that disappeared, and cardinality growth', () => {
    const r = byId(
      compareWithBaseline(
        run({ inventory: { phoenix_a_total: { labels: [], series: 50 } } }),
        run(),
        criteria,
        'base.json',
      ),
    );
    expect(r['baseline.metrics.disappeared']?.message).toContain('phoenix_b_seconds');
    expect(r['baseline.labels.disappeared']?.message).toContain('phoenix_a_total{status}');
    expect(r['baseline.cardinality']?.message).toContain('phoenix_a_total: 10 → 50 series (+400%)');
  });

  it('fails when completeness dropped or an alert got slower', () => {
    const r = byId(
      compareWithBaseline(
        run({
          accounting: [{ flow: 'kb_query', sent: 100, traced: 90, logged: 100, counted: 100 }],
          drills: [{ alert: 'HighErrorRate', firingMs: 5000, deliveredMs: 1500 }],
        }),
        run(),
        criteria,
        'base.json',
      ),
    );
    expect(r['baseline.completeness']?.message).toBe(
      'completeness dropped: traced 90.00% (baseline 100.00%)',
    );
    expect(r['baseline.alert-timings']?.message).toContain('HighErrorRate firing 5000ms (baseline 1000ms)');
  });
});

import { describe, expect, it } from 'vitest';
import {
  drillTimeline,
  formatMs,
  funnelChart,
  latencyHistogramChart,
  latencyOverTimeChart,
  logTicks,
  niceTicks,
  throughputChart,
} from './svg-charts.ts';

describe('axis helpers', () => {
  it('niceTicks steps by 1, 2, 2.5 or 5 × 10^k from 0 past the maximum', () => {
    expect(niceTicks(23, 5)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(0.8, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('logTicks covers the range on a 1-2-5 series', () => {
    expect(logTicks(23, 3100)).toEqual([20, 50, 100, 200, 500, 1000, 2000, 5000]);
    expect(logTicks(0.3, 1)).toEqual([0.2, 0.5, 1]);
  });

  it('formatMs picks a readable unit', () => {
    expect([0.42, 4.25, 420.4, 4_200, 42_000, 125_000].map(formatMs)).toEqual([
      '0.42 ms',
      '4.3 ms',
      '420 ms',
      '4.20 s',
      '42.0 s',
      '2m 05s',
    ]);
  });
});

/** Whitespace-insensitive markup for matching (the templates are prettier-formatted HTML). */
function squash(markup: string): string {
  return markup.replace(/\s+/g, ' ').replace(/\s+(\/?>)/g, '$1');
}

describe('charts', () => {
  const point = { t: 1_000, p50: 10, p95: 20, p99: 30, rps: 5, errors: 1 };

  it('draw single points and empty data without NaN or Infinity', () => {
    const svgs = [
      latencyOverTimeChart([point]),
      latencyOverTimeChart([]),
      throughputChart([point]),
      latencyHistogramChart([{ leMs: 10, count: 3 }], { p50Ms: 10, p95Ms: 10, p99Ms: 10 }),
      latencyHistogramChart([], { p50Ms: 0, p95Ms: 0, p99Ms: 0 }),
      funnelChart({ flow: 'f', sent: 0, traced: 0, logged: 0, counted: 0 }),
      drillTimeline({ alert: 'A', receiver: 'r', startedAt: '2026-01-01T00:00:00Z', status: 'fail' }, 1000),
    ];
    for (const svg of svgs) {
      expect(svg.value).toMatch(/^<svg\s/);
      expect(svg.value).not.toMatch(/NaN|Infinity/);
    }
  });

  it('breaks a latency line over seconds without requests', () => {
    const svg = squash(latencyOverTimeChart([point, { ...point, t: 2_000 }, { ...point, t: 5_000 }]).value);
    const p50 = svg.match(/<path d="([^"]+)" fill="none" stroke="#0969da"/)?.[1] ?? '';
    expect(p50.match(/M/g)).toHaveLength(2);
  });

  it('escapes labels from outside', () => {
    const funnel = funnelChart({
      flow: '<script>x</script>',
      sent: 1,
      traced: 1,
      logged: 1,
      counted: 1,
    }).value;
    expect(funnel).not.toContain('<script>');
    expect(funnel).toContain('&lt;script&gt;x&lt;/script&gt;');
    const drill = drillTimeline(
      {
        alert: '"><img src=x onerror=alert(1)>',
        receiver: 'r',
        startedAt: '2026-01-01T00:00:00Z',
        pendingMs: 5,
        status: 'pass',
      },
      1000,
    ).value;
    expect(drill).not.toContain('<img');
  });

  it('marks a funnel stage red when short, amber when over, green when exact', () => {
    const svg = squash(funnelChart({ flow: 'f', sent: 10, traced: 9, logged: 10, counted: 20 }).value);
    expect(svg).toContain('−1 · 90%');
    expect(svg).toContain('+10 · 200%');
    expect(svg).toMatch(/fill="#cf222e"><title>traced: 9 of 10 sent/);
    expect(svg).toMatch(/fill="#1a7f37"><title>logged: 10 of 10 sent/);
    expect(svg).toMatch(/fill="#bf8700"><title>counted: 20 of 10 sent/);
  });
});

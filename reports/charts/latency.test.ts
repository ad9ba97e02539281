import { describe, expect, it } from 'vitest';
import { expectFiniteSvg, squash } from '../testing/svg-markup.ts';
import { latencyOverTimeChart } from './latency.ts';

const point = { t: 1_000, p50: 10, p95: 20, p99: 30, rps: 5, errors: 1 };

describe('latencyOverTimeChart', () => {
  it('draws single points and empty data without NaN or Infinity', () => {
    expectFiniteSvg(latencyOverTimeChart([point]));
    expectFiniteSvg(latencyOverTimeChart([]));
  });

  it('breaks a latency line over seconds without requests', () => {
    const svg = squash(latencyOverTimeChart([point, { ...point, t: 2_000 }, { ...point, t: 5_000 }]).value);
    const p50 = svg.match(/<path d="([^"]+)" fill="none" stroke="#0969da"/)?.[1] ?? '';
    expect(p50.match(/M/g)).toHaveLength(2);
  });

  it('switches to a log axis when the values span more than a decade', () => {
    expect(latencyOverTimeChart([point]).value).toContain('latency (ms)<');
    const spike = [point, { ...point, t: 2_000, p50: 2, p99: 900 }];
    expect(latencyOverTimeChart(spike).value).toContain('latency (ms, log scale)');
  });
});

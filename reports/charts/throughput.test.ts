import { describe, expect, it } from 'vitest';
import { expectFiniteSvg, squash } from '../testing/svg-markup.ts';
import { throughputChart } from './throughput.ts';

const point = { t: 1_000, p50: 10, p95: 20, p99: 30, rps: 5, errors: 1 };

describe('throughputChart', () => {
  it('draws single points and empty data without NaN or Infinity', () => {
    expectFiniteSvg(throughputChart([point]));
    expectFiniteSvg(throughputChart([]));
  });

  it('closes the area under each unbroken run of seconds and draws a bar per second with failures', () => {
    const svg = squash(
      throughputChart([point, { ...point, t: 2_000, errors: 0 }, { ...point, t: 5_000 }]).value,
    );
    const area = svg.match(/<path d="([^"]+)" fill="#8250df"/)?.[1] ?? '';
    expect(area.match(/M/g)).toHaveLength(2);
    expect(area.match(/Z/g)).toHaveLength(2);
    expect(svg.match(/<title>1 failed of 5<\/title>/g)).toHaveLength(2);
  });
});

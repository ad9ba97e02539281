import { describe, expect, it } from 'vitest';
import { expectFiniteSvg } from '../testing/svg-markup.ts';
import { bucketPosition, latencyHistogramChart } from './histogram.ts';

describe('latencyHistogramChart', () => {
  it('draws single buckets and empty data without NaN or Infinity', () => {
    expectFiniteSvg(latencyHistogramChart([{ leMs: 10, count: 3 }], { p50Ms: 10, p95Ms: 10, p99Ms: 10 }));
    expectFiniteSvg(latencyHistogramChart([], { p50Ms: 0, p95Ms: 0, p99Ms: 0 }));
  });

  it('places a latency inside its bucket on a log scale', () => {
    const buckets = [
      { leMs: 10, count: 1 },
      { leMs: 100, count: 1 },
      { leMs: 1000, count: 1 },
    ];
    expect(bucketPosition(buckets, 10)).toBe(1);
    expect(bucketPosition(buckets, 31.622776601683793)).toBeCloseTo(1.5, 9);
    expect(bucketPosition(buckets, 0)).toBe(0);
    expect(bucketPosition(buckets, 5000)).toBe(3);
  });
});

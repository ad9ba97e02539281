import { describe, expect, it } from 'vitest';
import { metricInventory } from './inventory.ts';
import { FakePrometheus } from './testing/fake-prometheus.ts';

describe('metricInventory', () => {
  it('lists each phoenix_* family with its label names and series (buckets count once)', async () => {
    const prom = new FakePrometheus()
      .add('phoenix_x_seconds_bucket', { phoenix_service: 'a', method: 'm', le: '1' }, 1)
      .add('phoenix_x_seconds_bucket', { phoenix_service: 'a', method: 'm', le: '+Inf' }, 1)
      .add('phoenix_x_seconds_count', { phoenix_service: 'a', method: 'm' }, 1)
      .add('phoenix_y_total', { phoenix_service: 'a', status: '200' }, 1)
      .add('phoenix_y_total', { phoenix_service: 'b', status: '500' }, 1);
    const window = { start: new Date(0), end: new Date() };
    expect(await metricInventory(prom, window, 'phoenix_service')).toEqual({
      phoenix_x_seconds: { labels: ['method'], series: 1 },
      phoenix_y_total: { labels: ['status'], series: 2 },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { forEachConcurrent } from './concurrency.ts';

describe('forEachConcurrent', () => {
  it('visits every item with at most `limit` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    async function* source() {
      for (let i = 0; i < 50; i++) yield i;
    }
    await forEachConcurrent(source(), 4, async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await Promise.resolve();
      seen.push(i);
      inFlight -= 1;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(peak).toBeLessThanOrEqual(4);
  });

  it('rethrows the first failure', async () => {
    await expect(
      forEachConcurrent([1, 2, 3], 2, async (i) => {
        if (i === 2) throw new Error('boom');
      }),
    ).rejects.toThrowError('boom');
  });
});

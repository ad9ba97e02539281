import { describe, expect, it } from 'vitest';
import { DeadlineError } from './errors.ts';
import { pollUntil, waitFor } from './poll.ts';

describe('pollUntil', () => {
  it('returns as soon as the condition holds', async () => {
    let n = 0;
    const outcome = await pollUntil({
      description: 'n ≥ 3',
      probe: async () => ++n,
      until: (v) => v >= 3,
      timeoutMs: 5_000,
      intervalMs: 1,
    });
    expect(outcome).toMatchObject({ ok: true, last: 3, attempts: 3 });
  });

  it('reports the last value seen when the deadline passes', async () => {
    const outcome = await pollUntil({
      description: 'never',
      probe: async () => 'still 503',
      until: () => false,
      timeoutMs: 30,
      intervalMs: 5,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.last).toBe('still 503');
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(30);
  });

  it('treats a thrown probe as "not yet" and keeps its error', async () => {
    const outcome = await pollUntil({
      description: 'x',
      probe: async () => {
        throw new Error('ECONNREFUSED');
      },
      until: () => true,
      timeoutMs: 20,
      intervalMs: 5,
    });
    expect(outcome.ok).toBe(false);
    expect((outcome.lastError as Error).message).toBe('ECONNREFUSED');
  });

  it('waitFor throws a DeadlineError naming what was awaited and the last value', async () => {
    const promise = waitFor({
      description: 'Loki ready at http://127.0.0.1:1/ready',
      probe: async () => ({ status: 503 }),
      until: (r) => r.status === 200,
      render: (r) => String(r.status),
      timeoutMs: 20,
      intervalMs: 5,
    });
    await expect(promise).rejects.toBeInstanceOf(DeadlineError);
    await expect(promise).rejects.toThrowError(
      /^Loki ready at http:\/\/127\.0\.0\.1:1\/ready after \d+ms \(last: 503\)$/,
    );
  });

  it('stops early when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const outcome = await pollUntil({
      description: 'x',
      probe: async () => 0,
      until: () => false,
      timeoutMs: 10_000,
      intervalMs: 5,
      signal: controller.signal,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.elapsedMs).toBeLessThan(10_000);
  });
});

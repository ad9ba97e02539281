import { describe, expect, it } from 'vitest';
import { linearYAxis, logYAxis } from './axes.ts';
import type { Frame } from './frame.ts';

const f: Frame = { width: 500, height: 200, left: 40, right: 10, top: 10, bottom: 20 };

/** A round tick: 1, 2 or 5 × 10^k times a whole number, to float precision. */
function isRoundStep(step: number): boolean {
  const decade = 10 ** Math.floor(Math.log10(step));
  return [1, 2, 5, 10].some((m) => Math.abs(step - m * decade) < decade * 1e-9);
}

describe('axis helpers', () => {
  it('linear ticks step by 1, 2 or 5 × 10^k from 0 to a top tick at or above the maximum', () => {
    expect(linearYAxis(f, 23, 5).ticks).toEqual([0, 5, 10, 15, 20, 25]);
    expect(linearYAxis(f, 0.8, 4).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    // d3 never steps by 2.5 (the hand-written niceTicks did): 10 in about 4 ticks steps by 2.
    expect(linearYAxis(f, 10, 4).ticks).toEqual([0, 2, 4, 6, 8, 10]);
    for (const max of [0.003, 7, 23, 99, 101, 1234, 98_765]) {
      const { ticks, scale } = linearYAxis(f, max, 4);
      const top = ticks[ticks.length - 1] ?? 0;
      expect(ticks[0]).toBe(0);
      expect(top).toBeGreaterThanOrEqual(max);
      expect(isRoundStep((ticks[1] ?? 0) - (ticks[0] ?? 0))).toBe(true);
      expect([scale(0), scale(top)]).toEqual([f.height - f.bottom, f.top]);
    }
  });

  it('an empty axis still goes from 0 to 1', () => {
    const { ticks } = linearYAxis(f, 0, 5);
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 1]).toBe(1);
  });

  it('log ticks cover the range on a 1-2-5 series', () => {
    // d3's nice() widens a log domain to whole decades (the hand-written logTicks stopped at the
    // nearest 1-2-5 value: [20 … 5000] and [0.2, 0.5, 1]).
    expect(logYAxis(f, 23, 3100).ticks).toEqual([10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]);
    expect(logYAxis(f, 0.3, 1).ticks).toEqual([0.1, 0.2, 0.5, 1]);
  });

  it('log ticks keep only the powers of ten when 1-2-5 would crowd the axis, and clamp zero', () => {
    const { ticks, scale } = logYAxis(f, 0.05, 60_000);
    expect(ticks).toEqual([0.01, 0.1, 1, 10, 100, 1000, 10_000, 100_000]);
    expect(scale(0)).toBe(f.height - f.bottom);
  });
});

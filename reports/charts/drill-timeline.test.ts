import { describe, expect, it } from 'vitest';
import { expectFiniteSvg } from '../testing/svg-markup.ts';
import { drillScaleMs, drillTimeline } from './drill-timeline.ts';

const started = { alert: 'A', receiver: 'r', startedAt: '2026-01-01T00:00:00Z' };

describe('drillTimeline', () => {
  it('draws a drill that reached nothing without NaN or Infinity', () => {
    expectFiniteSvg(drillTimeline({ ...started, status: 'fail' }, 1000));
  });

  it('escapes labels from outside', () => {
    const drill = drillTimeline(
      { ...started, alert: '"><img src=x onerror=alert(1)>', pendingMs: 5, status: 'pass' },
      1000,
    ).value;
    expect(drill).not.toContain('<img');
  });

  it('shares the longest drill as the scale, at least one second', () => {
    expect(drillScaleMs([])).toBe(1000);
    expect(
      drillScaleMs([
        { ...started, status: 'pass', pendingMs: 200, resolvedMs: 4_000 },
        { ...started, status: 'fail', firingMs: 9_000 },
      ]),
    ).toBe(9_000);
  });
});

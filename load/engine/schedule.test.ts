import { describe, expect, it } from 'vitest';
import { executorFor, parseScenarioConfig, type Executor } from '../../scenarios/index.ts';
import { iterationSchedule, scheduleDurationMs, type ScheduledIteration } from './schedule.ts';
import { ExecutionTuple, parseExecutionSegmentSequence } from './segment.ts';

const all = (executor: Executor, tuple?: ExecutionTuple): ScheduledIteration[] => [
  ...iterationSchedule(executor, tuple),
];

const constant = (rate: number, duration: string, timeUnit = '1s'): Executor => ({
  executor: 'constant-arrival-rate',
  rate,
  timeUnit,
  duration,
  preAllocatedVUs: 1,
  maxVUs: 4,
  gracefulStop: '1s',
});

const ramping = (startRate: number, stages: { target: number; duration: string }[]): Executor => ({
  executor: 'ramping-arrival-rate',
  startRate,
  timeUnit: '1s',
  stages,
  preAllocatedVUs: 1,
  maxVUs: 4,
  gracefulStop: '1s',
});

describe('constant-arrival-rate', () => {
  it('starts iteration i at i x timeUnit/rate, for the whole duration and no longer', () => {
    const schedule = all(constant(10, '1s'));
    expect(schedule.map((s) => s.atMs)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(schedule.map((s) => s.iterationInTest)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('takes a per-minute rate (fractional RATE) as k6 does', () => {
    // 150 per minute = 2.5/s: every 400 ms.
    expect(all(constant(150, '2s', '1m')).map((s) => s.atMs)).toEqual([0, 400, 800, 1200, 1600]);
  });
});

describe('ramping-arrival-rate', () => {
  it('holds a flat stage at its rate', () => {
    const schedule = all(ramping(5, [{ target: 5, duration: '1s' }]));
    expect(schedule.map((s) => s.atMs)).toEqual([200, 400, 600, 800, 1000]);
  });

  it('ramps linearly: iteration i starts when the area under the rate reaches i', () => {
    // 0 → 10/s over 1 s: rate(t) = 10t, area(t) = 5t², so iteration i starts at sqrt(i/5) s.
    const schedule = all(ramping(0, [{ target: 10, duration: '1s' }]));
    expect(schedule).toHaveLength(5);
    schedule.forEach((s, i) => expect(s.atMs).toBeCloseTo(1000 * Math.sqrt((i + 1) / 5), 6));
  });

  it('ramps down symmetrically and chains stages', () => {
    const schedule = all(
      ramping(0, [
        { target: 10, duration: '1s' },
        { target: 10, duration: '1s' },
        { target: 0, duration: '1s' },
      ]),
    );
    expect(schedule).toHaveLength(5 + 10 + 5);
    const times = schedule.map((s) => s.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[5]).toBeCloseTo(1100, 6);
    // The last ramp mirrors the first: its i-th start is 3 s minus the first ramp's (5 - i)-th.
    expect(times[15]).toBeCloseTo(3000 - 1000 * Math.sqrt(4 / 5), 6);
    expect(scheduleDurationMs(ramping(0, [{ target: 1, duration: '1m30s' }]))).toBe(90_000);
  });
});

describe('execution segments split a schedule exactly', () => {
  const quarters = parseExecutionSegmentSequence('0,1/4,2/4,3/4,1');
  for (const scenario of ['load', 'stress', 'spike', 'soak', 'smoke'] as const) {
    it(`${scenario}: segments 0:1/4 … 3/4:1 send the whole schedule, none twice, at the same times`, () => {
      const executor = executorFor(
        parseScenarioConfig(scenario, { RATE: '37', DURATION: '20s', VUS: '5', MAX_VUS: '7' }),
      );
      const whole = all(executor);
      const parts = quarters.map((segment) => {
        const tuple = new ExecutionTuple(segment, quarters).withValue(executor.maxVUs);
        return tuple === undefined ? [] : all(executor, tuple);
      });
      const merged = parts.flat().sort((a, b) => a.iterationInTest - b.iterationInTest);
      expect(parts.reduce((n, p) => n + p.length, 0)).toBe(whole.length);
      expect(new Set(merged.map((s) => s.iterationInTest)).size).toBe(whole.length);
      expect(merged).toEqual(whole);
      expect(whole.length).toBeGreaterThan(100);
    });
  }
});

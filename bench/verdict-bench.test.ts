import { describe, expect, it } from 'vitest';
import {
  stagesFromProgress,
  summarisePhase,
  validatorsFromProgress,
  verdictRuns,
  type VerdictRun,
} from './verdict-bench.ts';

const STDERR = [
  '[   0.0s] ▶ starting the monitoring stack (local)',
  '            ✓ 5 components ready in 448ms (0.5s)',
  '[   0.5s] ▶ starting the mock Phoenix fleet',
  '[   6.3s] ▶ running the smoke scenario (in-process engine)',
  '[  17.5s] ▶ validating against the backends',
  '            traces: 2.8s',
  '            alerts.offline: 8.2s',
  '            ✓ 63/64 checks pass (8.6s)',
  '[  26.4s] ▶ tearing down',
  '[  30.3s] ▶ writing reports',
  '            ✓ /work/main/out/x/report.json (0.1s)',
].join('\n');

const run = (wallMs: number, exitCode: number): VerdictRun => ({
  wallMs,
  exitCode,
  outcome: exitCode === 0 ? 'gate holds' : 'gate failed',
  stages: { startup: 2_000 },
  validators: {},
});

describe('stagesFromProgress', () => {
  it('splits the run at each stage line, the parenthesised detail dropped', () => {
    expect(stagesFromProgress(STDERR, 31_000)).toEqual({
      'starting the monitoring stack': 500,
      'starting the mock Phoenix fleet': 5_800,
      'running the smoke scenario': 11_200,
      'validating against the backends': 8_900,
      'tearing down': 3_900,
      'writing reports': 700,
    });
  });

  it('counts process start → first stage line as `startup`, and ends the last stage at exit', () => {
    const stages = stagesFromProgress(STDERR, 33_000, 2_000);
    expect(stages.startup).toBe(2_000);
    expect(stages['writing reports']).toBe(700);
    expect(Object.values(stages).reduce((a, b) => a + b, 0)).toBe(33_000);
  });
});

describe('validatorsFromProgress', () => {
  it("reads each validator's own duration, not the checks-pass line", () => {
    expect(validatorsFromProgress(STDERR)).toEqual({ traces: 2_800, 'alerts.offline': 8_200 });
  });
});

describe('verdictRuns', () => {
  it('defaults to 3 and takes BENCH_VERDICT_RUNS', () => {
    expect(verdictRuns({})).toBe(3);
    expect(verdictRuns({ BENCH_VERDICT_RUNS: '1' })).toBe(1);
  });

  it('refuses a count that is not a positive whole number', () => {
    expect(() => verdictRuns({ BENCH_VERDICT_RUNS: '0' })).toThrow(
      'BENCH_VERDICT_RUNS="0" is not a positive whole number',
    );
  });
});

describe('summarisePhase', () => {
  it('meets the goal when the median is within it and every gate held', () => {
    const s = summarisePhase(1, [run(18_000, 0), run(19_000, 0), run(25_000, 0)]);
    expect(s).toMatchObject({ wallMsMedian: 19_000, goalMs: 20_000, met: true, failedRuns: 0 });
  });

  it('does not count a fast run whose gate failed as met, and shows its exit code', () => {
    const s = summarisePhase(1, [run(18_000, 0), run(15_000, 1), run(19_000, 0)]);
    expect(s).toMatchObject({ met: false, timeMet: true, exitCodes: [0, 1, 0], failedRuns: 1 });
  });

  it('misses the phase-4 goal when the median is over 90 s', () => {
    expect(summarisePhase(4, [run(95_000, 0)])).toMatchObject({ goalMs: 90_000, met: false, timeMet: false });
  });
});

/**
 * The traffic shape of each scenario as a k6 executor, derived from RATE, DURATION and VUS.
 * Pure (its own structural types, no k6 imports), so Node tests check the shapes.
 */
import { parseDurationMs, type ScenarioConfig, type ScenarioName } from './config.ts';

export interface RateStage {
  /** Arrival rate (iterations per second) reached at the end of the stage. */
  target: number;
  duration: string;
}

/** The subset of k6's scenario options we use; structurally a k6 `Scenario`. */
export type Executor =
  | {
      executor: 'constant-arrival-rate';
      rate: number;
      timeUnit: string;
      duration: string;
      preAllocatedVUs: number;
      maxVUs: number;
      gracefulStop: string;
    }
  | {
      executor: 'ramping-arrival-rate';
      startRate: number;
      timeUnit: string;
      stages: RateStage[];
      preAllocatedVUs: number;
      maxVUs: number;
      gracefulStop: string;
    };

/** How much above RATE each scenario peaks (stress climbs in steps, spike jumps). */
export const PEAK_FACTOR: Readonly<Record<ScenarioName, number>> = {
  smoke: 1,
  load: 1,
  stress: 3,
  spike: 5,
  soak: 1,
};

/** Assumed mean latency when sizing VUs: Little's law, VUs in flight = rate x latency. */
const SIZING_LATENCY_S = 0.2;
/** Worst case the VU pool may grow to: every request as slow as the largest SLO bound. */
const WORST_LATENCY_S = 2;
const MAX_DEFAULT_VUS = 1_000;

/** In-flight iterations finish within this after the last stage (above the request timeout's default). */
const GRACEFUL_STOP = '15s';

/** Pre-allocated and maximum VUs for an arrival-rate executor. */
export function vuPool(config: ScenarioConfig): { preAllocatedVUs: number; maxVUs: number } {
  const peak = config.rate * PEAK_FACTOR[config.scenario];
  const preAllocatedVUs =
    config.vus ?? Math.min(MAX_DEFAULT_VUS, Math.max(2, Math.ceil(peak * SIZING_LATENCY_S)));
  const maxVUs =
    config.maxVus ?? Math.max(preAllocatedVUs, Math.min(MAX_DEFAULT_VUS, Math.ceil(peak * WORST_LATENCY_S)));
  return { preAllocatedVUs, maxVUs };
}

/** Splits the run into parts proportional to `shares` (whole milliseconds, summing to the duration). */
export function splitDuration(durationMs: number, shares: readonly number[]): string[] {
  const total = shares.reduce((a, b) => a + b, 0);
  let used = 0;
  return shares.map((share, i) => {
    const ms = i === shares.length - 1 ? durationMs - used : Math.floor((durationMs * share) / total);
    used += ms;
    return `${Math.max(ms, 1)}ms`;
  });
}

/**
 * k6 takes whole iterations per time unit: per second when every rate is whole, else per minute
 * (RATE=2.5 becomes 150 per 1m), so fractional rates still work.
 */
export function rateUnit(rates: readonly number[]): { timeUnit: string; scale: (rate: number) => number } {
  if (rates.every((r) => Number.isInteger(r))) return { timeUnit: '1s', scale: (r) => r };
  return { timeUnit: '1m', scale: (r) => Math.round(r * 60) };
}

function ramping(config: ScenarioConfig, targets: readonly number[], shares: readonly number[]): Executor {
  const durations = splitDuration(config.durationMs, shares);
  const { timeUnit, scale } = rateUnit(targets);
  return {
    executor: 'ramping-arrival-rate',
    startRate: 0,
    timeUnit,
    stages: targets.map((target, i) => ({ target: scale(target), duration: durations[i] ?? '1ms' })),
    ...vuPool(config),
    gracefulStop: GRACEFUL_STOP,
  };
}

export function executorFor(config: ScenarioConfig): Executor {
  const rate = config.rate;
  switch (config.scenario) {
    case 'smoke': {
      // One VU at a gentle fixed rate: enough to see every flow answer correctly.
      const { timeUnit, scale } = rateUnit([rate]);
      return {
        executor: 'constant-arrival-rate',
        rate: scale(rate),
        timeUnit,
        duration: config.duration,
        preAllocatedVUs: 1,
        maxVUs: 1,
        gracefulStop: GRACEFUL_STOP,
      };
    }
    case 'load':
      // Ramp to RATE, hold it for most of the run, ramp down.
      return ramping(config, [rate, rate, 0], [1, 8, 1]);
    case 'stress':
      // Steps of RATE, 2x and 3x, each ramped then held, so the breaking point shows per step.
      return ramping(config, [rate, rate, 2 * rate, 2 * rate, 3 * rate, 3 * rate, 0], [1, 2, 1, 2, 1, 2, 1]);
    case 'spike': {
      // Baseline, a sudden jump to 5x, back to baseline long enough to see recovery.
      const peak = rate * PEAK_FACTOR.spike;
      return ramping(config, [rate, rate, peak, peak, rate, rate], [1, 3, 0.5, 1, 0.5, 4]);
    }
    case 'soak':
      // The planned rate, flat, for as long as DURATION allows: drift and leaks show over time.
      return ramping(config, [rate, rate], [1, 19]);
  }
}

const TIME_UNIT_S: Readonly<Record<string, number>> = { '1s': 1, '1m': 60 };

/** Iterations the executor schedules over the whole run (ramps are linear: their mean rate). */
export function expectedIterations(executor: Executor): number {
  const perSecond = 1 / (TIME_UNIT_S[executor.timeUnit] ?? 1);
  if (executor.executor === 'constant-arrival-rate') {
    return executor.rate * perSecond * ((parseDurationMs(executor.duration) ?? 0) / 1_000);
  }
  let previous = executor.startRate;
  let total = 0;
  for (const stage of executor.stages) {
    total += ((previous + stage.target) / 2) * perSecond * ((parseDurationMs(stage.duration) ?? 0) / 1_000);
    previous = stage.target;
  }
  return total;
}

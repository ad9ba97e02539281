/**
 * When each iteration of an arrival-rate executor starts, as k6 schedules it (open model: the
 * schedule never waits for responses). Times are from the start of the scenario, in ms.
 *
 * - constant-arrival-rate (https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/constant-arrival-rate/):
 *   `rate` iterations per `timeUnit`; global iteration i starts at i x period, period = timeUnit / rate
 *   (truncated to whole nanoseconds, as k6's time.Duration), for as long as `duration` lasts.
 * - ramping-arrival-rate (https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/ramping-arrival-rate/):
 *   the rate moves linearly from one stage's target to the next; iteration i (1-based) starts at the
 *   moment the area under the rate curve reaches i, so a stage of rate r for d seconds holds r x d.
 *
 * With an execution segment, an instance runs only the global iterations its striping owns
 * (segment.ts), at the times of the unsegmented schedule: together the instances send exactly it.
 */
import { parseDurationMs, type Executor } from '../../scenarios/index.ts';
import type { ExecutionTuple } from './segment.ts';

export interface ScheduledIteration {
  /** k6's `exec.scenario.iterationInTest`: the global index, unique across segments, 0-based. */
  iterationInTest: number;
  /** Start, in ms after the scenario's start. */
  atMs: number;
}

const NS_PER_MS = 1_000_000;

function durationMs(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new Error(`invalid k6 duration ${JSON.stringify(text)}`);
  return ms;
}

/** The striped global indices an instance owns, ascending (all of them without a tuple). */
function* ownedIndices(tuple: ExecutionTuple | undefined): Generator<number> {
  for (let n = 0; ; n++) yield tuple === undefined ? n : tuple.globalIndex(n);
}

function* constantSchedule(
  executor: Extract<Executor, { executor: 'constant-arrival-rate' }>,
  tuple: ExecutionTuple | undefined,
): Generator<ScheduledIteration> {
  const periodNs = Math.trunc((durationMs(executor.timeUnit) * NS_PER_MS) / executor.rate);
  const endNs = durationMs(executor.duration) * NS_PER_MS;
  if (periodNs <= 0) return;
  for (const i of ownedIndices(tuple)) {
    const atNs = i * periodNs;
    if (atNs >= endNs) return;
    yield { iterationInTest: i, atMs: atNs / NS_PER_MS };
  }
}

function* rampingSchedule(
  executor: Extract<Executor, { executor: 'ramping-arrival-rate' }>,
  tuple: ExecutionTuple | undefined,
): Generator<ScheduledIteration> {
  const unitMs = durationMs(executor.timeUnit);
  const indices = ownedIndices(tuple);
  let index = indices.next().value as number;
  // Areas in iterations, kept exact as numerators over 2 x unitMs (stage durations are whole ms).
  const scale = 2 * unitMs;
  let doneNum = 0;
  let endNum = 0;
  let stageStartMs = 0;
  let from = executor.startRate;
  for (const stage of executor.stages) {
    const to = stage.target;
    const dur = durationMs(stage.duration);
    endNum += dur * (from + to);
    // Iteration index+1 starts when the cumulative area reaches index+1 (k6 counts from 1).
    while ((index + 1) * scale <= endNum) {
      const area = index + 1 - doneNum / scale;
      const fromPerMs = from / unitMs;
      const toPerMs = to / unitMs;
      let x: number;
      if (from === to) x = area / fromPerMs;
      else {
        // from·x + (to−from)·x²/(2·dur) = area, solved in the form that stays stable as to → from.
        const slope = (toPerMs - fromPerMs) / dur;
        x = (2 * area) / (fromPerMs + Math.sqrt(Math.max(0, fromPerMs * fromPerMs + 2 * slope * area)));
      }
      yield { iterationInTest: index, atMs: stageStartMs + Math.min(Math.max(x, 0), dur) };
      index = indices.next().value as number;
    }
    doneNum = endNum;
    from = to;
    stageStartMs += dur;
  }
}

/**
 * The iterations an instance starts, in order. `tuple` is the instance's execution tuple already
 * re-cut by maxVUs (ExecutionTuple.withValue), or undefined for the whole test.
 */
export function iterationSchedule(
  executor: Executor,
  tuple: ExecutionTuple | undefined,
): Generator<ScheduledIteration> {
  return executor.executor === 'constant-arrival-rate'
    ? constantSchedule(executor, tuple)
    : rampingSchedule(executor, tuple);
}

/** The run's length: the executor's duration, or the sum of its stages. */
export function scheduleDurationMs(executor: Executor): number {
  if (executor.executor === 'constant-arrival-rate') return durationMs(executor.duration);
  return executor.stages.reduce((ms, s) => ms + durationMs(s.duration), 0);
}

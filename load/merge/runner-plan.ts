/**
 * Which runner took which execution segment, whether the segments cover the whole test, and how
 * many iterations each segment's share of the schedule holds.
 *
 * k6-operator (pkg/segmentation, pkg/resources/jobs/runner.go) starts runner n of N (n = 1…N) as
 * `k6 run --execution-segment=(n-1)/N:n/N --execution-segment-sequence=0,1/N,…,1 --tag
 * instance_id=n`; with `parallelism: 1` it passes no segment. So the instance_id on a raw output's
 * samples names its segment; an engine run says its own in summary.json; an explicit segment wins.
 * Planned iterations come from the engine's own schedule and segment maths (schedule.ts,
 * segment.ts), the same that split the load in the first place.
 */
import { basename } from 'node:path';
import { HarnessError } from '../../core/index.ts';
import type { ScenarioDefinition } from '../../scenarios/index.ts';
import { executionTuple } from '../engine/engine.ts';
import { iterationSchedule } from '../engine/schedule.ts';
import {
  formatRational,
  formatSegment,
  parseExecutionSegment,
  type ExecutionSegment,
  type Rational,
} from '../engine/segment.ts';
import { baseName, type ResolvedRunner } from './runner-source.ts';

export type SegmentOrigin =
  'explicit' | 'summary.json' | 'instance_id tag' | 'file name' | 'file order' | 'whole test';

export interface RunnerIdentity {
  name: string;
  segment: ExecutionSegment;
  /** As shown: k6-operator's form for the equal split (`2/4:3/4`), else as given. */
  segmentText: string;
  segmentFrom: SegmentOrigin;
  /** Runner n of N (1-based, k6-operator's instance_id), when the segment is the n-th of an equal split. */
  instance: number | undefined;
}

export interface MergeProblem {
  kind:
    | 'gap'
    | 'overlap'
    | 'truncated'
    | 'stopped-early'
    | 'plan-mismatch'
    | 'malformed'
    | 'untraced'
    | 'mixed-instances'
    | 'clock-skew';
  /** The runners it is about (none for a gap). */
  runners: string[];
  message: string;
  /** Blocking problems refuse the merge unless partial data is accepted; the others are notes. */
  blocking: boolean;
}

const cmp = (a: Rational, b: Rational): number => a.num * b.den - b.num * a.den;

/** `n/N` as k6-operator writes it: `0`, `1`, else unreduced (`2/4`). */
function operatorPoint(n: number, total: number): string {
  return n === 0 ? '0' : n === total ? '1' : `${n}/${total}`;
}

/** Runner n of N's segment in k6-operator's words: `2/4:3/4`. */
export function operatorSegment(n: number, total: number): string {
  return `${operatorPoint(n - 1, total)}:${operatorPoint(n, total)}`;
}

/** n when `segment` is the n-th of N equal parts (1-based), else undefined. */
function equalSplitInstance(segment: ExecutionSegment): { n: number; of: number } | undefined {
  const num = segment.to.num * segment.from.den - segment.from.num * segment.to.den;
  const den = segment.to.den * segment.from.den;
  if (num <= 0 || den % num !== 0) return undefined;
  const of = den / num; // the segment is 1/of long
  const start = (segment.from.num * of) / segment.from.den;
  return Number.isInteger(start) ? { n: start + 1, of } : undefined;
}

function parseSegment(text: string, runner: string): ExecutionSegment {
  try {
    return parseExecutionSegment(text);
  } catch (error) {
    throw new HarnessError(`runner ${runner}: ${(error as Error).message}`, {
      where: runner,
      hint: "write segments as k6 does: from:to, e.g. 1/4:2/4 (k6's --execution-segment)",
    });
  }
}

/** Distinct numbers in every file name (`runner-3.json.gz` → 3), 1-based; undefined when they do not name N runners. */
function numbersFromNames(runners: readonly ResolvedRunner[], total: number): number[] | undefined {
  const numbers = runners.map((r) => {
    const m = /(\d+)(?!.*\d)/.exec(basename(r.source.path));
    return m === null ? undefined : Number(m[1]);
  });
  if (numbers.some((n) => n === undefined) || new Set(numbers).size !== numbers.length) return undefined;
  const zeroBased = numbers.includes(0);
  const ones = (numbers as number[]).map((n) => (zeroBased ? n + 1 : n));
  return ones.every((n) => n >= 1 && n <= total) ? ones : undefined;
}

/**
 * Names each runner and assigns its segment: the explicit one, else summary.json's (engine),
 * else k6-operator's instance_id, else the number in the file name, else the order given.
 * `parallelism` defaults to what the runners imply (the highest instance, the number of runners).
 */
export function identifyRunners(
  runners: readonly ResolvedRunner[],
  parallelismOption: number | undefined,
): { identities: RunnerIdentity[]; parallelism: number; parallelismAssumed: boolean } {
  if (parallelismOption !== undefined && (!Number.isInteger(parallelismOption) || parallelismOption < 1)) {
    throw new HarnessError(
      `parallelism must be a whole number of runners, 1 or more (got ${parallelismOption})`,
    );
  }
  const explicit = runners.map((r) => {
    const text = r.source.segment ?? r.summary?.segment;
    if (text === undefined) return undefined;
    const from: SegmentOrigin = r.source.segment !== undefined ? 'explicit' : 'summary.json';
    return { text, from, segment: parseSegment(text, r.source.name ?? r.source.path) };
  });
  const implied = Math.max(
    runners.length,
    ...runners.map((r) => r.instanceId ?? 0),
    ...explicit.map((e) => (e === undefined ? 0 : (equalSplitInstance(e.segment)?.of ?? 0))),
  );
  const parallelism = parallelismOption ?? implied;
  for (const r of runners) {
    if (r.instanceId !== undefined && r.instanceId > parallelism) {
      throw new HarnessError(
        `${r.source.path} is runner instance_id=${r.instanceId}, beyond parallelism ${parallelism}`,
        { where: r.source.path, hint: "pass the TestRun's parallelism with --parallelism" },
      );
    }
  }
  const untagged = runners.filter((r, i) => explicit[i] === undefined && r.instanceId === undefined);
  const byName = numbersFromNames(untagged, parallelism);
  const identities = runners.map((r, i): RunnerIdentity => {
    const given = explicit[i];
    let instance: number | undefined;
    let from: SegmentOrigin;
    let segment: ExecutionSegment;
    let segmentText: string;
    if (given !== undefined) {
      segment = given.segment;
      const split = equalSplitInstance(segment);
      instance = split !== undefined && split.of === parallelism ? split.n : undefined;
      segmentText = given.text.trim() === '' ? '0:1' : given.text.trim();
      from = given.from;
    } else {
      if (r.instanceId !== undefined) [instance, from] = [r.instanceId, 'instance_id tag'];
      else if (byName !== undefined) [instance, from] = [byName[untagged.indexOf(r)] ?? i + 1, 'file name'];
      else [instance, from] = [i + 1, 'file order'];
      if (parallelism === 1) from = 'whole test';
      segmentText = parallelism === 1 ? '0:1' : operatorSegment(instance, parallelism);
      segment = parseExecutionSegment(segmentText);
    }
    const name = r.source.name ?? (instance !== undefined ? `runner-${instance}` : baseName(r.source.path));
    return { name, segment, segmentText, segmentFrom: from, instance };
  });
  // Two runners with one name (the same instance twice): keep both apart by their files.
  const seen = new Map<string, number>();
  for (const id of identities) seen.set(id.name, (seen.get(id.name) ?? 0) + 1);
  identities.forEach((id, i) => {
    if ((seen.get(id.name) ?? 0) > 1)
      id.name = `${id.name}@${basename(runners[i]?.source.path ?? String(i))}`;
  });
  return { identities, parallelism, parallelismAssumed: parallelismOption === undefined };
}

/** Gaps and overlaps: the runners' segments must tile 0:1 exactly, or load is missing or doubled. */
export function coverageProblems(identities: readonly RunnerIdentity[], parallelism: number): MergeProblem[] {
  const problems: MergeProblem[] = [];
  const sorted = [...identities].sort(
    (a, b) => cmp(a.segment.from, b.segment.from) || cmp(a.segment.to, b.segment.to),
  );
  const equalSplit = identities.every((id) => id.instance !== undefined);
  const gap = (from: Rational, to: Rational): void => {
    if (equalSplit) {
      for (let n = 1; n <= parallelism; n++) {
        const a = { num: n - 1, den: parallelism };
        const b = { num: n, den: parallelism };
        if (cmp(a, from) >= 0 && cmp(b, to) <= 0) {
          problems.push({
            kind: 'gap',
            runners: [],
            blocking: true,
            message: `runner ${n} of ${parallelism} (segment ${operatorSegment(n, parallelism)}, instance_id=${n}) is missing: its share of the load is not in the merge`,
          });
        }
      }
      return;
    }
    const text = formatSegment({ from, to });
    problems.push({
      kind: 'gap',
      runners: [],
      blocking: true,
      message: `no runner covers segment ${text}: that share of the load is not in the merge`,
    });
  };
  let cursor: Rational = { num: 0, den: 1 };
  let last: RunnerIdentity | undefined;
  for (const id of sorted) {
    if (cmp(id.segment.from, cursor) > 0) gap(cursor, id.segment.from);
    else if (last !== undefined && cmp(id.segment.from, cursor) < 0) {
      problems.push({
        kind: 'overlap',
        runners: [last.name, id.name],
        blocking: true,
        message: `${last.name} (${last.segmentText}) and ${id.name} (${id.segmentText}) overlap: those iterations ran twice over`,
      });
    }
    if (cmp(id.segment.to, cursor) > 0) cursor = id.segment.to;
    last = id;
  }
  if (cmp(cursor, { num: 1, den: 1 }) < 0) gap(cursor, { num: 1, den: 1 });
  return problems;
}

/** The execution-segment sequence the runners were started with, when it can be known. */
export function runnersSequence(
  identities: readonly RunnerIdentity[],
  parallelism: number,
  covered: boolean,
): string | undefined {
  if (identities.every((id) => id.instance !== undefined)) {
    return Array.from({ length: parallelism + 1 }, (_, i) => operatorPoint(i, parallelism)).join(',');
  }
  if (!covered) return undefined;
  const sorted = [...identities].sort((a, b) => cmp(a.segment.from, b.segment.from));
  return ['0', ...sorted.map((id) => formatRational(id.segment.to))].join(',');
}

export interface SegmentPlan {
  /** Iterations the schedule starts in this segment. */
  iterations: number;
  /** When its first and last scheduled iterations start, ms after the scenario's start. */
  firstAtMs: number | undefined;
  lastAtMs: number | undefined;
}

/**
 * The segment's share of the scenario's schedule, by the engine's own maths (k6's striping by
 * the tuple re-cut by maxVUs, then the arrival-rate schedule).
 */
export function segmentPlan(
  definition: ScenarioDefinition,
  segment: ExecutionSegment,
  sequence: string | undefined,
): SegmentPlan {
  let tuple;
  try {
    tuple = executionTuple(formatSegment(segment), sequence);
  } catch {
    tuple = executionTuple(formatSegment(segment), undefined);
  }
  const iterationTuple = tuple.withValue(definition.executor.maxVUs);
  const plan: SegmentPlan = { iterations: 0, firstAtMs: undefined, lastAtMs: undefined };
  if (iterationTuple === undefined) return plan;
  for (const { atMs } of iterationSchedule(definition.executor, iterationTuple)) {
    plan.iterations += 1;
    plan.firstAtMs ??= atMs;
    plan.lastAtMs = atMs;
  }
  return plan;
}

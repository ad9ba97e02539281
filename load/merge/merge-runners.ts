/**
 * N runners' outputs → one ledger and its manifest: every request once, tagged with its runner,
 * the window the union of theirs. The merge streams: it holds only a map of trace id → runner (to
 * refuse a request counted twice), never the records. A runner that died half way, a missing
 * segment or a trace id in two runners is reported, never silently merged: the first two refuse
 * the merge unless partial data is accepted (and then are recorded), a duplicate always does.
 * Nothing is final until the end: both files are written beside their targets and renamed.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HarnessError, type LedgerEntry } from '../../core/index.ts';
import {
  scenarioDefinition,
  ScenarioConfigError,
  type ScenarioDefinition,
  type ScenarioName,
} from '../../scenarios/index.ts';
import { scheduleDurationMs } from '../engine/schedule.ts';
import { SECRET_ENV } from '../k6-output.ts';
import {
  coverageProblems,
  identifyRunners,
  runnersSequence,
  segmentPlan,
  type MergeProblem,
  type RunnerIdentity,
  type SegmentPlan,
} from './runner-plan.ts';
import {
  resolveRunnerSource,
  scanRunner,
  type ResolvedRunner,
  type RunnerScan,
  type RunnerSource,
} from './runner-source.ts';
import {
  manifestPathFor,
  runnersManifestSchema,
  type RunnerEntry,
  type RunnersManifest,
  type RunnerStatus,
} from './runners-manifest.ts';

export interface MergeOptions {
  /** The merged ledger (`ledger.jsonl`); the manifest goes beside it as `<name>.runners.json`. */
  outPath: string;
  /** The TestRun's parallelism: how many runners there should be (default: what the runners imply). */
  parallelism?: number;
  /** Write the ledger even with a truncated, stopped or missing runner (the problems are recorded). */
  acceptPartial?: boolean;
  /** With its environment, lets the merge compare each runner's iterations with its share of the schedule. */
  scenario?: ScenarioName;
  env?: Readonly<Record<string, string>>;
  /** Runners whose first requests start further apart than this are reported (default 2000 ms). */
  clockSkewToleranceMs?: number;
}

export interface MergeResult {
  ledgerPath: string;
  manifestPath: string;
  manifest: RunnersManifest;
  /** Requests in the merged ledger. */
  requests: number;
  problems: MergeProblem[];
}

/** The merge was refused: the manifest it would have written says why, runner by runner. */
export class MergeRefusedError extends HarnessError {
  readonly manifest: RunnersManifest;

  constructor(message: string, manifest: RunnersManifest, options: { where?: string; hint?: string }) {
    super(message, options);
    this.name = 'MergeRefusedError';
    this.manifest = manifest;
  }
}

export const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 2_000;
/** A runner may finish this share of its planned iterations short (in flight at the cut) and still be complete. */
const ITERATION_SHORTFALL_TOLERANCE = 0.01;
const MIN_ITERATION_SHORTFALL = 2;
/** Without a plan: a runner whose requests end this share of the longest runner's span earlier stopped early. */
const SPAN_SHORTFALL_TOLERANCE = 0.1;

export const DURATIONS_NOTE =
  "percentiles and thresholds use each request's own duration, measured by its runner's monotonic timer; clocks only place requests in the window, so skew between runners widens the window but never changes a duration";

const fmt = (n: number): string => n.toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1_000).toFixed(1)} s`;

function definitionFor(options: MergeOptions): ScenarioDefinition | undefined {
  if (options.scenario === undefined) return undefined;
  try {
    return scenarioDefinition(options.scenario, options.env ?? {});
  } catch (error) {
    if (error instanceof ScenarioConfigError) {
      throw new HarnessError(error.message, {
        where: `scenario ${options.scenario}`,
        hint: 'pass the environment the runners ran with',
      });
    }
    throw error;
  }
}

interface Duplicates {
  count: number;
  first: { traceId: string; runners: [number, number] } | undefined;
}

interface Judged {
  status: RunnerStatus;
  note: string;
  problems: MergeProblem[];
}

/** How one runner ended: truncated, stopped early (against its plan, or the others' span), or complete. */
function judgeRunner(
  id: RunnerIdentity,
  scan: RunnerScan,
  plan: SegmentPlan | undefined,
  runLengthMs: number,
  longestSpanMs: number,
  runnersWithRequests: number,
  summaryMissing: boolean,
): Judged {
  const label = `${id.name} (${id.segmentText})`;
  const problems: MergeProblem[] = [];
  const span =
    scan.firstStartMs === undefined || scan.lastEndMs === undefined ? 0 : scan.lastEndMs - scan.firstStartMs;
  // "+x s": the last request's end, from the scenario's start as the runner's schedule places it.
  const lastAt = span + (plan?.firstAtMs ?? 0);
  const lastText =
    scan.requests === 0
      ? 'no request at all'
      : `last request at +${seconds(lastAt)} of a ${seconds(runLengthMs)} run`;
  const done = scan.iterations + scan.droppedIterations;
  if (scan.malformedLines > 0) {
    problems.push({
      kind: 'malformed',
      runners: [id.name],
      blocking: true,
      message: `${label}: ${fmt(scan.malformedLines)} lines are not valid records (first: line ${scan.firstMalformedLine ?? '?'})`,
    });
  }
  if (scan.untraced > 0) {
    problems.push({
      kind: 'untraced',
      runners: [id.name],
      blocking: true,
      message: `${label}: ${fmt(scan.untraced)} flow requests carry no trace id metadata, so they cannot be in the ledger (a script that skipped scenarios/lib/request.ts)`,
    });
  }
  const unmatched = (scan.flowRequests ?? 0) - scan.requests - scan.untraced;
  if (scan.ending.truncated === undefined && unmatched > 0) {
    problems.push({
      kind: 'untraced',
      runners: [id.name],
      blocking: true,
      message: `${label}: k6 counted ${fmt(scan.flowRequests ?? 0)} flow requests (http_reqs) but ${fmt(unmatched)} of them have no http_req_duration sample to build a ledger record from`,
    });
  }
  if (scan.foreignInstanceIds.length > 0) {
    problems.push({
      kind: 'mixed-instances',
      runners: [id.name],
      blocking: true,
      message: `${label}: its file also holds samples of instance_id ${scan.foreignInstanceIds.join(', ')}: one file per runner`,
    });
  }
  if (scan.ending.truncated !== undefined) {
    const message = `${label} is truncated: ${scan.ending.truncated}; ${fmt(scan.requests)} requests read before the cut, ${lastText}`;
    problems.push({ kind: 'truncated', runners: [id.name], blocking: true, message });
    return { status: 'truncated', note: message, problems };
  }
  if (plan !== undefined) {
    const slack = Math.max(
      MIN_ITERATION_SHORTFALL,
      Math.ceil(plan.iterations * ITERATION_SHORTFALL_TOLERANCE),
    );
    const figures = `${fmt(done)} of ${fmt(plan.iterations)} planned iterations${scan.droppedIterations > 0 ? ` (${fmt(scan.droppedIterations)} of them dropped)` : ''}`;
    if (done < plan.iterations - slack) {
      const message = `${label} stopped early: ${figures}, ${lastText}`;
      problems.push({ kind: 'stopped-early', runners: [id.name], blocking: true, message });
      return { status: 'stopped-early', note: message, problems };
    }
    if (done > plan.iterations + slack) {
      problems.push({
        kind: 'plan-mismatch',
        runners: [id.name],
        blocking: true,
        message: `${label} ran ${figures}: more than its share, so the plan was computed from another environment than the run's (pass the runners' own RATE, DURATION, VUS…)`,
      });
    }
    if (summaryMissing) {
      const message = `${label} stopped early: its engine left no summary.json (it did not finish), ${figures}, ${lastText}`;
      problems.push({ kind: 'stopped-early', runners: [id.name], blocking: true, message });
      return { status: 'stopped-early', note: message, problems };
    }
    return { status: 'complete', note: `complete: ${figures}, ${lastText}`, problems };
  }
  const shortfall = longestSpanMs - span;
  if (
    runnersWithRequests > 1 &&
    (scan.requests === 0 || shortfall > SPAN_SHORTFALL_TOLERANCE * longestSpanMs)
  ) {
    const message = `${label} stopped early: ${fmt(scan.requests)} requests, ${lastText} (the longest runner ran ${seconds(longestSpanMs)})`;
    problems.push({ kind: 'stopped-early', runners: [id.name], blocking: true, message });
    return { status: 'stopped-early', note: message, problems };
  }
  if (summaryMissing) {
    const message = `${label} stopped early: its engine left no summary.json (it did not finish); ${fmt(scan.requests)} requests, ${lastText}`;
    problems.push({ kind: 'stopped-early', runners: [id.name], blocking: true, message });
    return { status: 'stopped-early', note: message, problems };
  }
  return {
    status: 'complete',
    note: `complete: ${fmt(scan.requests)} requests, ${lastText} (no plan to compare with: pass the scenario and its environment)`,
    problems,
  };
}

/** The largest difference between runners' start offsets (first request − its scheduled start). */
function clockSkew(
  identities: readonly RunnerIdentity[],
  scans: readonly RunnerScan[],
  plans: readonly (SegmentPlan | undefined)[],
  toleranceMs: number,
): { skew: RunnersManifest['clockSkew']; problem: MergeProblem | undefined } {
  const offsets = scans.flatMap((scan, i) =>
    scan.firstStartMs === undefined ? [] : [{ i, at: scan.firstStartMs - (plans[i]?.firstAtMs ?? 0) }],
  );
  if (offsets.length < 2) return { skew: null, problem: undefined };
  offsets.sort((a, b) => a.at - b.at);
  const first = offsets[0] as { i: number; at: number };
  const last = offsets[offsets.length - 1] as { i: number; at: number };
  const earliest = identities[first.i]?.name ?? '?';
  const latest = identities[last.i]?.name ?? '?';
  const ms = last.at - first.at;
  const scheduleAware = plans.every((p) => p !== undefined);
  const skew = { ms, earliest, latest, toleranceMs, scheduleAware };
  if (ms <= toleranceMs) return { skew, problem: undefined };
  return {
    skew,
    problem: {
      kind: 'clock-skew',
      runners: [earliest, latest],
      blocking: false,
      message: `clock skew: ${latest}'s first request starts ${seconds(ms)} after ${earliest}'s${scheduleAware ? ' (each measured from its first scheduled iteration)' : ''}, beyond the ${seconds(toleranceMs)} tolerance; the window is their union, and ${DURATIONS_NOTE.split(';')[0]}`,
    },
  };
}

/**
 * Merges N runners' outputs (k6 raw outputs or engine runs) into one ledger plus its manifest.
 * Throws a HarnessError (nothing written) on a duplicate trace id, bad input, or — unless
 * `acceptPartial` — a truncated, stopped or missing runner (MergeRefusedError, with the manifest).
 */
export async function mergeRunnerOutputs(
  sources: readonly RunnerSource[],
  options: MergeOptions,
): Promise<MergeResult> {
  if (sources.length === 0) {
    throw new HarnessError('nothing to merge: no runner outputs given', {
      hint: "pass each runner's raw k6 output (runner-*.json.gz) or engine run directory",
    });
  }
  const toleranceMs = options.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS;
  const definition = definitionFor(options);
  const ledgerPath = resolve(options.outPath);
  const manifestPath = manifestPathFor(ledgerPath);
  const resolved: ResolvedRunner[] = [];
  for (const [i, source] of sources.entries()) resolved.push(await resolveRunnerSource(source, i));
  const { identities, parallelism, parallelismAssumed } = identifyRunners(resolved, options.parallelism);
  const coverage = coverageProblems(identities, parallelism);
  const covered = !coverage.some((p) => p.kind === 'gap' || p.kind === 'overlap');
  const sequence = runnersSequence(identities, parallelism, covered);
  const plans = identities.map((id) =>
    definition === undefined ? undefined : segmentPlan(definition, id.segment, sequence),
  );

  await mkdir(dirname(ledgerPath), { recursive: true });
  const tmpLedger = `${ledgerPath}.${process.pid}.merging`;
  const tmpManifest = `${manifestPath}.${process.pid}.merging`;
  let finished = false;
  try {
    const out = createWriteStream(tmpLedger);
    const outFailed = once(out, 'error').then(([error]) => {
      throw error;
    });
    outFailed.catch(() => undefined);
    // The only state that grows with the run: trace id → runner index (1M ids ≈ 100 MB).
    const seen = new Map<string, number>();
    const duplicates: Duplicates = { count: 0, first: undefined };
    const scans: RunnerScan[] = [];
    let requests = 0;
    for (const [i, runner] of resolved.entries()) {
      const name = identities[i]?.name ?? String(i);
      const suffix = `,"runner":${JSON.stringify(name)}}\n`;
      const scan = await scanRunner(runner, (record: LedgerEntry) => {
        const owner = seen.get(record.traceId);
        if (owner !== undefined) {
          duplicates.count += 1;
          duplicates.first ??= { traceId: record.traceId, runners: [owner, i] };
          return undefined;
        }
        seen.set(record.traceId, i);
        requests += 1;
        const json = JSON.stringify(record);
        const line = `${json.slice(0, -1)}${suffix}`;
        return out.write(line)
          ? undefined
          : Promise.race([once(out, 'drain').then(() => undefined), outFailed]);
      });
      scans.push(scan);
    }
    out.end();
    await Promise.race([once(out, 'finish'), outFailed]);

    if (duplicates.first !== undefined) {
      const [a, b] = duplicates.first.runners;
      const who = (k: number): string => `${identities[k]?.name ?? k} (${sources[k]?.path ?? '?'})`;
      throw new HarnessError(
        `trace id ${duplicates.first.traceId} is in ${a === b ? `${who(a)} twice` : `both ${who(a)} and ${who(b)}`}; ${fmt(duplicates.count)} duplicate trace id${duplicates.count === 1 ? '' : 's'} in all, so nothing was merged`,
        {
          where: ledgerPath,
          hint: "each request must come from one runner only: a runner's output passed twice, or two copies of one pod's output",
        },
      );
    }

    const spans = scans.map((s) =>
      s.firstStartMs === undefined || s.lastEndMs === undefined ? 0 : s.lastEndMs - s.firstStartMs,
    );
    const longestSpanMs = Math.max(0, ...spans);
    const runLengthMs = definition === undefined ? longestSpanMs : scheduleDurationMs(definition.executor);
    const withRequests = scans.filter((s) => s.requests > 0).length;
    const problems: MergeProblem[] = [...coverage];
    const entries: RunnerEntry[] = identities.map((id, i) => {
      const scan = scans[i] as RunnerScan;
      const runner = resolved[i] as ResolvedRunner;
      const plan = plans[i];
      const judged = judgeRunner(
        id,
        scan,
        plan,
        runLengthMs,
        longestSpanMs,
        withRequests,
        runner.kind === 'engine' && runner.summary === undefined,
      );
      problems.push(...judged.problems);
      return {
        name: id.name,
        path: runner.source.path,
        kind: runner.kind,
        segment: id.segmentText,
        segmentFrom: id.segmentFrom,
        ...(id.instance === undefined ? {} : { instance: id.instance }),
        requests: scan.requests,
        byFlow: scan.byFlow,
        firstStartMs: scan.firstStartMs ?? null,
        lastEndMs: scan.lastEndMs ?? null,
        iterations: scan.iterations,
        ...(plan === undefined ? {} : { plannedIterations: plan.iterations }),
        droppedIterations: scan.droppedIterations,
        checks: scan.checks,
        countsFrom: scan.countsFrom,
        status: judged.status,
        note: judged.note,
      };
    });
    const { skew, problem: skewProblem } = clockSkew(identities, scans, plans, toleranceMs);
    if (skewProblem !== undefined) problems.push(skewProblem);
    const starts = scans.flatMap((s) => (s.firstStartMs === undefined ? [] : [s.firstStartMs]));
    const ends = scans.flatMap((s) => (s.lastEndMs === undefined ? [] : [s.lastEndMs]));
    const window =
      starts.length === 0
        ? null
        : {
            startMs: Math.min(...starts),
            endMs: Math.max(...ends),
            durationMs: Math.max(...ends) - Math.min(...starts),
          };
    const blocking = problems.filter((p) => p.blocking);
    const manifest = runnersManifestSchema.parse({
      version: 1,
      ledgerPath,
      createdAt: new Date().toISOString(),
      ...(options.scenario === undefined
        ? {}
        : {
            scenario: options.scenario,
            env: Object.fromEntries(Object.entries(options.env ?? {}).filter(([k]) => !SECRET_ENV.test(k))),
          }),
      parallelism,
      parallelismAssumed,
      requests,
      runners: entries,
      window,
      clockSkew: skew,
      durations: DURATIONS_NOTE,
      problems,
      acceptedPartial: blocking.length > 0 && options.acceptPartial === true,
    } satisfies RunnersManifest);
    if (blocking.length > 0 && options.acceptPartial !== true) {
      throw new MergeRefusedError(
        `refusing to merge ${sources.length} runner${sources.length === 1 ? '' : 's'} into ${ledgerPath}: ${blocking.length} problem${blocking.length === 1 ? '' : 's'}:\n${blocking.map((p) => `  - ${p.message}`).join('\n')}`,
        manifest,
        {
          where: ledgerPath,
          hint: 'collect the missing or complete outputs and merge again, or pass --accept-partial (acceptPartial) to merge what there is with the problems recorded in the manifest',
        },
      );
    }
    await writeFile(tmpManifest, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmpLedger, ledgerPath);
    await rename(tmpManifest, manifestPath);
    finished = true;
    return { ledgerPath, manifestPath, manifest, requests, problems };
  } finally {
    if (!finished) await Promise.all([rm(tmpLedger, { force: true }), rm(tmpManifest, { force: true })]);
  }
}

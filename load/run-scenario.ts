/**
 * Runs one scenario (scenarios/<name>.ts) with a load engine and turns what it leaves behind into
 * data: the summary, the ledger (one line per flow request) and the thresholds that broke.
 * Engines: the user's k6 (a child process; its JSON output becomes the ledger) or the in-process
 * engine (load/engine/, in its own process too), which runs the same scenario definitions.
 * Threshold breaches (exit 99) are a result; anything else that stops a run is a HarnessError.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { childEnv, describeError, HarnessError } from '../core/index.ts';
import type { ScenarioName } from '../scenarios/index.ts';
import { runEngineProcess, type EngineProcessOptions } from './engine/spawn.ts';
import { executionTuple } from './engine/engine.ts';
import { equalSplitSequence, parseExecutionSegment } from './engine/segment.ts';
import type { K6ContainerTarget } from './k6-container.ts';
import { childExit, STOP_GRACE_MS } from './child-exit.ts';
import { runScenarioWorkers } from './run-workers.ts';
import {
  finishK6Run,
  k6Arguments,
  k6ExitError,
  scenarioEnv,
  secretEnv,
  unescapeK6Message,
  type SegmentArguments,
} from './k6-output.ts';
import {
  droppedIterationsOf,
  flowRequestCount,
  K6_THRESHOLDS_FAILED,
  k6SummarySchema,
  thresholdFailuresFrom,
  type K6Summary,
  type LoadEngineChoice,
  type LoadEngineName,
  type ScenarioRun,
} from './scenario-run.ts';

export { k6Arguments, k6ExitError, unescapeK6Message };
export type { SegmentArguments };
export {
  droppedIterationsOf,
  flowRequestCount,
  K6_THRESHOLDS_FAILED,
  k6SummarySchema,
  thresholdFailuresFrom,
};
export type { K6Summary, LoadEngineChoice, LoadEngineName, ScenarioRun };
export type { WorkerRun } from './scenario-run.ts';
export type { ThresholdFailure } from './scenario-run.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT_TAIL_LINES = 40;
/**
 * The variables scenarios/lib/config.ts reads. k6 also copies the system environment into
 * `__ENV`, so these are removed from the child's environment: a stray RATE in the shell must not
 * change a harness run.
 */
export const SCENARIO_ENV_NAMES = [
  'BASE_URL',
  'RUN_ID',
  'RATE',
  'DURATION',
  'VUS',
  'MAX_VUS',
  'AUTH_TOKEN',
  'SUMMARY_PATH',
  'REQUEST_TIMEOUT',
  'SLO_P95_MS',
  'SLO_P99_MS',
] as const;

export interface RunScenarioOptions {
  scenario: ScenarioName;
  /** The orchestrator's URL (k6's BASE_URL). */
  baseUrl: string;
  runId: string;
  /** Artifacts go to `<outDir>/<runId>/`: summary.json, ledger.jsonl, k6-raw.json.gz (if kept). */
  outDir: string;
  /** Where the artifacts go instead (`<outDir>/<runId>/worker-2` for one of several workers). */
  runDir?: string;
  /**
   * Run as this many load processes (default 1), segments `0:1/N` … `(N-1)/N:1`, their ledgers
   * merged and the thresholds evaluated over the merged requests (load/run-workers.ts).
   */
  workers?: number;
  /** Extra `-e` variables: RATE, DURATION, VUS, MAX_VUS, AUTH_TOKEN, SLO_P95_MS… */
  env?: Record<string, string>;
  /**
   * `auto` (default): k6 when a binary is found (k6Path, $K6_BINARY, `k6` on PATH), else k6 in its
   * official image when k6Container is given (docker runner, official images), else `node`.
   */
  engine?: LoadEngineChoice;
  /** The k6 binary; default $K6_BINARY, else `k6` on PATH. */
  k6Path?: string;
  /**
   * Where k6 may run as a container when no binary is found: the pinned `grafana/k6` image, the run's
   * Docker network and the orchestrator's URL on it. Its BASE_URL replaces baseUrl.
   */
  k6Container?: K6ContainerTarget;
  /**
   * An execution segment (`1/4:2/4`): this run sends only its part of the schedule. k6 gets it as
   * --execution-segment with --execution-segment-sequence (the equal split it implies, as
   * k6-operator uses, unless segmentSequence says otherwise).
   */
  segment?: string;
  segmentSequence?: string;
  /** Record the ledger (default true); false runs without it (for measurements). */
  ledger?: boolean;
  /** Keep k6's raw JSON output next to the ledger (default false; gzip, as k6 writes it for a .gz name). */
  keepRawOutput?: boolean;
  /** Receives each line the engine prints (the progress and the text summary); default: none. */
  onOutput?: (line: string) => void;
  /** Aborting sends the engine's process SIGINT: it stops, and the run ends in a HarnessError. */
  signal?: AbortSignal;
}

/** `K6_BINARY`, else the first executable `k6` on PATH; undefined when there is none. */
export function findK6Binary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['K6_BINARY']?.trim();
  if (explicit) return explicit;
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'k6');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** The engine a run uses and where k6 runs, when it does. */
export interface EngineSelection {
  engine: LoadEngineName;
  /** The k6 binary (k6 on this machine). */
  k6Path: string | undefined;
  /** k6 in its official image on the run's Docker network (no binary found). */
  k6Container?: K6ContainerTarget;
}

/**
 * The engine a run uses (pure, given the lookups): a k6 binary when one is found, else k6's official
 * image when the docker runner with official images offers it, else the in-process engine (`auto`)
 * or k6 by name, which fails saying where it looked (`k6`).
 */
export function chooseEngine(
  choice: LoadEngineChoice,
  k6Path: string | undefined,
  k6Container?: K6ContainerTarget,
): EngineSelection {
  if (choice === 'node') return { engine: 'node', k6Path: undefined };
  if (k6Path !== undefined) return { engine: 'k6', k6Path };
  if (k6Container !== undefined) return { engine: 'k6', k6Path: undefined, k6Container };
  return choice === 'k6' ? { engine: 'k6', k6Path: 'k6' } : { engine: 'node', k6Path: undefined };
}

/** The segment and the sequence k6 and the engine get (the equal split a lone segment implies). */
export function segmentArguments(
  segment: string | undefined,
  sequence: string | undefined,
): SegmentArguments | undefined {
  if (segment === undefined) return undefined;
  try {
    executionTuple(segment, sequence);
  } catch (error) {
    throw new HarnessError(`invalid execution segment ${JSON.stringify(segment)}: ${describeError(error)}`, {
      where: 'load engine options',
      hint: "use k6's form, e.g. 1/4:2/4 (with a sequence such as 0,1/4,2/4,3/4,1 for unequal parts)",
    });
  }
  return { segment, sequence: sequence ?? equalSplitSequence(parseExecutionSegment(segment)) };
}

async function k6VersionOf(k6Path: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(k6Path, ['version'], { timeout: 10_000 });
    return stdout.split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The in-process engine's process options for a one-process run of `options`. */
function engineProcessOptions(
  options: Omit<RunScenarioOptions, 'baseUrl'>,
  baseUrl: string | Promise<string>,
): EngineProcessOptions {
  const segment = segmentArguments(options.segment, options.segmentSequence);
  return {
    scenario: options.scenario,
    baseUrl,
    runId: options.runId,
    outDir: options.outDir,
    ...(options.runDir === undefined ? {} : { runDir: options.runDir }),
    env: options.env ?? {},
    ledger: options.ledger ?? true,
    ...(segment === undefined ? {} : { segment: segment.segment }),
    ...(segment?.sequence === undefined ? {} : { segmentSequence: segment.sequence }),
    ...(options.onOutput === undefined ? {} : { onOutput: options.onOutput }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/** A scenario run whose engine process started before its target answered. */
export interface PrestartedScenario {
  /** Sends the base URL: the engine's schedule starts now; resolves like runScenario. */
  begin(baseUrl: string): Promise<ScenarioRun>;
  /** Ends the engine unused (the fleet did not start); waits for its process to exit. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the in-process engine's process now, before its target exists, when runScenario(options)
 * would run it in one process (undefined for k6 or several workers): Node and tsx load it (over a
 * second) while the fleet starts, and it sends nothing until begin().
 */
export function prestartScenario(
  options: Omit<RunScenarioOptions, 'baseUrl'>,
): PrestartedScenario | undefined {
  if ((options.workers ?? 1) > 1) return undefined;
  const { engine } = chooseEngine(
    options.engine ?? 'auto',
    options.k6Path ?? findK6Binary(),
    options.k6Container,
  );
  if (engine !== 'node') return undefined;
  let give: (url: string) => void = () => undefined;
  let refuse: () => void = () => undefined;
  const baseUrl = new Promise<string>((resolveUrl, rejectUrl) => {
    give = resolveUrl;
    refuse = () => rejectUrl(new Error('the run ended before its load started'));
  });
  baseUrl.catch(() => undefined);
  const run = runEngineProcess(engineProcessOptions(options, baseUrl));
  // Unused (disposed of before begin), its rejection is expected; begin's caller handles the rest.
  run.catch(() => undefined);
  return {
    begin: (url) => {
      give(url);
      return run;
    },
    [Symbol.asyncDispose]: async () => {
      refuse();
      await run.catch(() => undefined);
    },
  };
}

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioRun> {
  const workers = options.workers ?? 1;
  if (workers > 1) return runScenarioWorkers({ ...options, workers }, runScenario);
  const { engine, k6Path, k6Container } = chooseEngine(
    options.engine ?? 'auto',
    options.k6Path ?? findK6Binary(),
    options.k6Container,
  );
  const segment = segmentArguments(options.segment, options.segmentSequence);
  if (engine === 'node') return runEngineProcess(engineProcessOptions(options, options.baseUrl));
  if (k6Container !== undefined) {
    if (options.runDir !== undefined) {
      throw new HarnessError(
        'k6 in its container runs the whole scenario: several load workers need a k6 binary or the in-process engine',
        {
          where: `k6 in ${k6Container.image}`,
          hint: 'set K6_BINARY, or --load-engine node, or run one worker',
        },
      );
    }
    // Loaded here: k6-container.ts brings testcontainers, which a run without k6's image never needs.
    const { runK6Container } = await import('./k6-container.ts');
    return runK6Container({
      ...options,
      target: k6Container,
      scenariosDir: join(REPO_ROOT, 'scenarios'),
      segment,
      stopGraceMs: STOP_GRACE_MS,
      outputTailLines: OUTPUT_TAIL_LINES,
    });
  }
  return runK6({ ...options, k6Path: k6Path ?? 'k6' }, segment);
}

async function runK6(
  options: RunScenarioOptions & { k6Path: string },
  segment: SegmentArguments | undefined,
): Promise<ScenarioRun> {
  const runDir = options.runDir ?? resolve(options.outDir, options.runId);
  await mkdir(runDir, { recursive: true });
  const script = join(REPO_ROOT, 'scenarios', `${options.scenario}.ts`);
  const summaryPath = join(runDir, 'summary.json');
  const ledgerOn = options.ledger ?? true;
  const rawOutputPath = ledgerOn ? join(runDir, 'k6-raw.json.gz') : undefined;
  const k6Path = options.k6Path;
  const env = scenarioEnv(options.env, { baseUrl: options.baseUrl, runId: options.runId, summaryPath });
  const where = `k6 run scenarios/${options.scenario}.ts against ${options.baseUrl}`;
  // k6's own K6_* settings and the scenario's secrets (AUTH_TOKEN…), nothing else of ours (so no
  // stray RATE from the shell either: SCENARIO_ENV_NAMES are -e arguments).
  const k6Env = childEnv(['k6'], secretEnv(env));

  const tail: string[] = [];
  const k6Version = await k6VersionOf(k6Path);
  const child = spawn(k6Path, k6Arguments({ script, rawOutputPath, env, ...(segment ? { segment } : {}) }), {
    cwd: REPO_ROOT,
    env: k6Env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    options.onOutput?.(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const exit = await childExit(child, {
    signal: options.signal,
    startError: (error) =>
      error.code === 'ENOENT'
        ? new HarnessError(`k6 not found at ${k6Path}`, {
            where,
            hint: 'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) and set K6_BINARY, or use the in-process engine (--load-engine node)',
          })
        : new HarnessError(`could not start k6 (${k6Path}): ${error.message}`, { where, cause: error }),
  });

  return finishK6Run({
    exit,
    tail,
    where,
    runDir,
    summaryPath,
    rawOutputPath,
    keepRawOutput: options.keepRawOutput ?? false,
    k6Version,
    segment,
  });
}

/**
 * Starts the in-process engine in its own Node process (worker-main.ts, through tsx) and returns
 * its ScenarioRun: the load generator never shares the event loop of the fleet or the harness.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { childEnv, HarnessError } from '../../core/index.ts';
import type { FlowName, ScenarioName } from '../../scenarios/index.ts';
import { childExit } from '../child-exit.ts';
import type { ScenarioRun } from '../scenario-run.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
const LOAD_ENV_VARIABLE = 'PHX_LOAD_ENV';
const OUTPUT_TAIL_LINES = 40;
/** The worker prints this on stderr when setup is done and the schedule starts (benchmarks measure from there). */
export const SCHEDULE_START_LINE = 'engine: setup done, schedule started';

export interface EngineProcessOptions {
  scenario: ScenarioName;
  /**
   * The target. A promise: the process starts now and loads (Node and tsx take over a second) while
   * the target starts; it gets the URL on stdin once the promise resolves, and ends if it rejects.
   */
  baseUrl: string | Promise<string>;
  runId: string;
  /** Artifacts go to `<outDir>/<runId>/`: summary.json, ledger.jsonl. */
  outDir: string;
  /** Where the artifacts go instead (one worker of several: `<run dir>/worker-2`); RUN_ID stays runId. */
  runDir?: string;
  /** Scenario variables (RATE, DURATION, VUS, MAX_VUS, AUTH_TOKEN…): passed in the environment. */
  env?: Record<string, string>;
  ledger?: boolean;
  segment?: string;
  segmentSequence?: string;
  /** Every iteration sends this flow instead of the scenario's mix (benchmarks of one flow). */
  flow?: FlowName;
  /** Receives the engine's output lines (the text summary). */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
  /** Receives the child's pid once started (benchmarks sample its CPU and RSS). */
  onStart?: (pid: number) => void;
}

/** The worker's command line (pure, so tests can check it): no secret ever appears in it. */
export function engineProcessArguments(options: EngineProcessOptions): string[] {
  const args = ['--import', 'tsx', WORKER, '--scenario', options.scenario];
  if (typeof options.baseUrl === 'string') args.push('--base-url', options.baseUrl);
  else args.push('--base-url-on-stdin');
  args.push('--run-id', options.runId, '--out-dir', options.outDir);
  if (options.runDir !== undefined) args.push('--run-dir', options.runDir);
  if (options.segment !== undefined) args.push('--segment', options.segment);
  if (options.segmentSequence !== undefined) args.push('--segment-sequence', options.segmentSequence);
  if (options.flow !== undefined) args.push('--flow', options.flow);
  if (options.ledger === false) args.push('--no-ledger');
  return args;
}

export async function runEngineProcess(options: EngineProcessOptions): Promise<ScenarioRun> {
  let target = typeof options.baseUrl === 'string' ? options.baseUrl : 'a target still starting';
  const where = () => `in-process engine (own process): scenario ${options.scenario} against ${target}`;
  const child = spawn(process.execPath, engineProcessArguments(options), {
    cwd: REPO_ROOT,
    env: childEnv(['node'], { [LOAD_ENV_VARIABLE]: JSON.stringify(options.env ?? {}) }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined); // the child may be gone already: its exit is reported below
  if (typeof options.baseUrl === 'string') child.stdin.end();
  else {
    options.baseUrl.then(
      (url) => {
        target = url;
        child.stdin.end(`${url}\n`);
      },
      () => child.stdin.end(),
    );
  }
  if (child.pid !== undefined) options.onStart?.(child.pid);
  const tail: string[] = [];
  let last: string | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) last = line;
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    options.onOutput?.(line);
  });
  const exit = await childExit(child, {
    signal: options.signal,
    startError: (error) =>
      new HarnessError(`could not start the engine process: ${error.message}`, {
        where: where(),
        cause: error,
      }),
  });

  let parsed: { result?: ScenarioRun; error?: { message: string; where?: string; hint?: string } } = {};
  try {
    if (last !== undefined) parsed = JSON.parse(last) as typeof parsed;
  } catch {
    // Reported below with the output's tail.
  }
  if (parsed.result !== undefined) return parsed.result;
  if (parsed.error !== undefined) {
    throw new HarnessError(parsed.error.message, {
      where: parsed.error.where ?? where(),
      ...(parsed.error.hint === undefined ? {} : { hint: parsed.error.hint }),
    });
  }
  const how = exit.code === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with ${exit.code}`;
  throw new HarnessError(`the engine process ${how} without a result`, {
    where: where(),
    hint: `read its output:\n${tail.slice(-10).join('\n')}`,
  });
}

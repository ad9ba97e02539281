/**
 * The in-process engine as its own process, so the load generator never shares an event loop with
 * what it measures (the fleet, the harness). Prints the text summary on stderr and, last, one JSON
 * line on stdout: `{"result": ScenarioRun}` or `{"error": {message, where, hint}}` (exit 2).
 *
 *   node --import tsx load/engine/worker-main.ts --scenario load --base-url http://127.0.0.1:8080 \
 *     --run-id r1 --out-dir out --rate 50 --duration 1m [--segment 1/4:2/4] [--env VUS=20] [--no-ledger]
 *     [--run-dir out/r1/worker-2] [--flow plan_and_execute]
 *
 * With `--base-url-on-stdin` instead of `--base-url`, it loads, then waits for the base URL as the
 * first line on stdin before it sends anything (a harness starts it while the fleet starts); stdin
 * closing first ends it with an error, so it never outlives its parent.
 *
 * Settings with secrets (AUTH_TOKEN) come as JSON in $PHX_LOAD_ENV, never on the command line.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { HarnessError } from '../../core/index.ts';
import { FLOWS, SCENARIO_NAMES, type FlowName, type ScenarioName } from '../../scenarios/index.ts';
import { runEngine } from './engine.ts';
import { SCHEDULE_START_LINE } from './spawn.ts';

/** The environment variable carrying extra scenario settings as a JSON object of strings. */
export const LOAD_ENV_VARIABLE = 'PHX_LOAD_ENV';

export interface WorkerArguments {
  scenario: ScenarioName;
  /** undefined: read from stdin (`--base-url-on-stdin`). */
  baseUrl: string | undefined;
  runId: string;
  outDir: string;
  /** Where summary.json and ledger.jsonl go (default `<outDir>/<runId>`). */
  runDir: string;
  env: Record<string, string>;
  ledger: boolean;
  segment: string | undefined;
  segmentSequence: string | undefined;
  /** Only this flow, instead of the scenario's mix. */
  flow: FlowName | undefined;
}

/** Parses the worker's command line (and $PHX_LOAD_ENV); throws a HarnessError naming what is wrong. */
export function parseWorkerArguments(
  argv: readonly string[],
  environment: NodeJS.ProcessEnv,
): WorkerArguments {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scenario: { type: 'string' },
      'base-url': { type: 'string' },
      'base-url-on-stdin': { type: 'boolean', default: false },
      'run-id': { type: 'string' },
      'out-dir': { type: 'string', default: 'out' },
      'run-dir': { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      segment: { type: 'string' },
      'segment-sequence': { type: 'string' },
      flow: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      'no-ledger': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const where = 'load/engine/worker-main.ts';
  const scenario = values.scenario;
  if (scenario === undefined || !(SCENARIO_NAMES as readonly string[]).includes(scenario)) {
    throw new HarnessError(
      `--scenario must be one of ${SCENARIO_NAMES.join(', ')} (got ${JSON.stringify(scenario)})`,
      {
        where,
      },
    );
  }
  const baseUrl = values['base-url'];
  const runId = values['run-id'];
  if ((baseUrl === undefined) === !values['base-url-on-stdin'] || runId === undefined) {
    throw new HarnessError('--run-id and one of --base-url or --base-url-on-stdin are required', { where });
  }
  const flow = values.flow;
  if (flow !== undefined && !FLOWS.some((f) => f.name === flow)) {
    throw new HarnessError(
      `--flow must be one of ${FLOWS.map((f) => f.name).join(', ')} (got ${JSON.stringify(flow)})`,
      { where },
    );
  }
  let extra: Record<string, string> = {};
  const raw = environment[LOAD_ENV_VARIABLE];
  if (raw !== undefined && raw !== '') {
    try {
      extra = JSON.parse(raw) as Record<string, string>;
    } catch {
      throw new HarnessError(`$${LOAD_ENV_VARIABLE} is not a JSON object of strings`, { where });
    }
  }
  const env: Record<string, string> = { ...extra };
  for (const pair of values.env) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new HarnessError(`--env ${JSON.stringify(pair)}: expected NAME=value`, { where });
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (values.rate !== undefined) env['RATE'] = values.rate;
  if (values.duration !== undefined) env['DURATION'] = values.duration;
  if (baseUrl !== undefined) env['BASE_URL'] = baseUrl;
  env['RUN_ID'] = runId;
  return {
    scenario: scenario as ScenarioName,
    baseUrl,
    runId,
    outDir: values['out-dir'],
    runDir: resolve(values['run-dir'] ?? resolve(values['out-dir'], runId)),
    env,
    ledger: !values['no-ledger'],
    segment: values.segment,
    segmentSequence: values['segment-sequence'],
    flow: flow as FlowName | undefined,
  };
}

/** The first line on stdin: the base URL a harness sends once its fleet answers. */
async function baseUrlFromStdin(): Promise<string> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== '') return line.trim();
  }
  throw new HarnessError(
    'stdin closed before a base URL arrived: the harness that started this engine gave up',
    {
      where: 'load/engine/worker-main.ts --base-url-on-stdin',
    },
  );
}

async function main(): Promise<number> {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  try {
    const args = parseWorkerArguments(process.argv.slice(2), process.env);
    const baseUrl = args.baseUrl ?? (await baseUrlFromStdin());
    const result = await runEngine({
      scenario: args.scenario,
      env: { ...args.env, BASE_URL: baseUrl },
      runDir: args.runDir,
      ledger: args.ledger,
      ...(args.segment === undefined ? {} : { segment: args.segment }),
      ...(args.segmentSequence === undefined ? {} : { segmentSequence: args.segmentSequence }),
      ...(args.flow === undefined ? {} : { flow: args.flow }),
      onOutput: (line) => process.stderr.write(`${line}\n`),
      onScheduleStart: () => process.stderr.write(`${SCHEDULE_START_LINE}\n`),
      signal: abort.signal,
    });
    process.stdout.write(`${JSON.stringify({ result })}\n`);
    return 0;
  } catch (error) {
    const e = error instanceof HarnessError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ error: { message, where: e?.where, hint: e?.hint } })}\n`);
    return 2;
  }
}

process.exitCode = await main();

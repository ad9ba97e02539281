/**
 * Runs one k6 scenario (scenarios/<name>.ts) as a child process and turns what it leaves behind
 * into data: the summary, the ledger (one line per flow request) and the thresholds that broke.
 * Threshold breaches (k6 exit 99) are a result; anything else that stops k6 is a HarnessError.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describeError, HarnessError, type SCENARIOS } from '../core/index.ts';
import { convertK6Output, describeConversion, type LedgerConversion } from './ledger.ts';

/** One of scenarios/<name>.ts (core's list, shared with harness.config.ts). */
export type ScenarioName = (typeof SCENARIOS)[number];

/** k6's exit code when thresholds were crossed: the run happened, the SLOs did not hold. */
export const K6_THRESHOLDS_FAILED = 99;

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT_TAIL_LINES = 40;
/** Env vars passed through the child's environment instead of `-e`, so they stay out of `ps`. */
const SECRET_ENV = /TOKEN|SECRET|PASSWORD|KEY/i;
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
/** After SIGINT, k6 gets this long to stop and write its summary before it is killed. */
const STOP_GRACE_MS = 30_000;

export interface RunScenarioOptions {
  scenario: ScenarioName;
  /** The orchestrator's URL (k6's BASE_URL). */
  baseUrl: string;
  runId: string;
  /** Artifacts go to `<outDir>/<runId>/`: summary.json, ledger.jsonl, k6-raw.json.gz (if kept). */
  outDir: string;
  /** Extra `-e` variables: RATE, DURATION, VUS, MAX_VUS, AUTH_TOKEN, SLO_P95_MS… */
  env?: Record<string, string>;
  /** The k6 binary; default $K6_PATH, else `k6` on PATH (the CLI passes the provisioned one). */
  k6Path?: string;
  /** Record the ledger (default true); false runs k6 without `--out json` (for measurements). */
  ledger?: boolean;
  /** Keep k6's raw JSON output next to the ledger (default false; gzip, as k6 writes it for a .gz name). */
  keepRawOutput?: boolean;
  /** Receives each line k6 prints (the progress and the text summary); default: none. */
  onOutput?: (line: string) => void;
  /** Aborting sends k6 SIGINT: it stops, and the run ends in a HarnessError. */
  signal?: AbortSignal;
}

export interface ThresholdFailure {
  /** The k6 metric, with its tag filter: `http_req_duration{flow:kb_query}`. */
  metric: string;
  /** The expression that failed: `p(95)<300`. */
  threshold: string;
  /** Why the threshold exists (from scenarios/lib/thresholds.ts), when the summary says. */
  reason?: string;
}

const summaryMetricSchema = z
  .object({
    type: z.string().optional(),
    values: z.record(z.string(), z.number()).default({}),
    thresholds: z.record(z.string(), z.object({ ok: z.boolean() }).loose()).optional(),
  })
  .loose();

export const k6SummarySchema = z
  .object({
    metrics: z.record(z.string(), summaryMetricSchema),
    phoenix: z
      .object({
        scenario: z.string(),
        runId: z.string(),
        baseUrl: z.string(),
        thresholds: z.array(z.object({ metric: z.string(), expression: z.string(), reason: z.string() })),
      })
      .optional(),
  })
  .loose();

export type K6Summary = z.infer<typeof k6SummarySchema>;

export interface ScenarioRun {
  /** k6's exit code: 0, or 99 when thresholds failed (other codes throw). */
  exitCode: number;
  summary: K6Summary;
  summaryPath: string;
  /** Undefined when the ledger was off. */
  ledgerPath: string | undefined;
  /** Flow requests k6 sent (the preflight excluded): ledger lines, or k6's per-flow count without a ledger. */
  requests: number;
  thresholdFailures: ThresholdFailure[];
  runDir: string;
  conversion: LedgerConversion | undefined;
}

/** Every threshold whose `ok` is false in summary.json, with its reason when known. */
export function thresholdFailuresFrom(summary: K6Summary): ThresholdFailure[] {
  const reasons = new Map(
    (summary.phoenix?.thresholds ?? []).map((t) => [`${t.metric} ${t.expression}`, t.reason]),
  );
  const failures: ThresholdFailure[] = [];
  for (const [metric, data] of Object.entries(summary.metrics)) {
    for (const [threshold, verdict] of Object.entries(data.thresholds ?? {})) {
      if (verdict.ok !== false) continue;
      const reason = reasons.get(`${metric} ${threshold}`);
      failures.push(reason === undefined ? { metric, threshold } : { metric, threshold, reason });
    }
  }
  return failures.sort((a, b) => `${a.metric} ${a.threshold}`.localeCompare(`${b.metric} ${b.threshold}`));
}

/** Flow requests as k6 counted them: the sum of the `http_reqs{flow:…}` submetrics. */
export function flowRequestCount(summary: K6Summary): number {
  let count = 0;
  for (const [metric, data] of Object.entries(summary.metrics)) {
    if (/^http_reqs\{flow:[a-z_]+\}$/.test(metric)) count += data.values['count'] ?? 0;
  }
  return count;
}

/** What a k6 exit code means and what to do about it (k6's errext/exitcodes). */
const K6_EXIT_CAUSES: Readonly<Record<number, { cause: string; next: string }>> = {
  100: { cause: 'setup() timed out', next: 'check that BASE_URL answers quickly' },
  103: { cause: 'the k6 engine failed', next: 'read the k6 output above' },
  104: { cause: 'the k6 options or the environment are invalid', next: 'fix the variable named above' },
  105: { cause: 'k6 was stopped from outside (signal)', next: 'rerun without interrupting it' },
  107: { cause: 'the scenario script threw an exception', next: 'fix the script error named above' },
  108: {
    cause: 'the scenario aborted itself',
    next: 'start what the message names (usually the fleet), or point BASE_URL at it',
  },
  109: { cause: 'k6 crashed (Go panic)', next: 'rerun; report the panic with the k6 output' },
};

/** A k6 log `msg` without its escapes and JavaScript stack frames. */
export function unescapeK6Message(quoted: string): string {
  return quoted
    .replace(/\\(["\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c))
    .split('\n')
    .filter((line) => !/^\s*at /.test(line) && line.trim() !== '')
    .join('\n');
}

/** Turns a k6 exit (other than 0 and 99) into a HarnessError naming the cause and the next step. */
export function k6ExitError(
  exitCode: number | null,
  signal: string | null,
  outputTail: readonly string[],
  where: string,
): HarnessError {
  const known = exitCode === null ? undefined : K6_EXIT_CAUSES[exitCode];
  const how = exitCode === null ? `was killed by ${signal ?? 'a signal'}` : `exited with ${exitCode}`;
  // k6 logs errors as `level=error msg="…"`; the last one is usually the reason.
  const errorLine = [...outputTail].reverse().find((l) => /level=error|^\s*(Error|error):/.test(l));
  const quoted = errorLine?.match(/msg="((?:[^"\\]|\\.)*)"/)?.[1];
  const message = quoted === undefined ? errorLine?.trim() : unescapeK6Message(quoted);
  return new HarnessError(
    `k6 ${how}: ${known?.cause ?? 'unexpected exit'}${message === undefined ? '' : ` (${message})`}`,
    {
      where,
      hint: known?.next ?? `read k6's output:\n${outputTail.slice(-10).join('\n')}`,
    },
  );
}

/** The k6 command line for a run (pure, so tests can check it). */
export function k6Arguments(options: {
  script: string;
  rawOutputPath: string | undefined;
  env: Readonly<Record<string, string>>;
}): string[] {
  // --address '': no REST API, so concurrent runs do not fight over port 6565.
  const args = ['run', '--no-usage-report', '--quiet', '--address', ''];
  if (options.rawOutputPath !== undefined) args.push('--out', `json=${options.rawOutputPath}`);
  for (const [name, value] of Object.entries(options.env)) {
    if (!SECRET_ENV.test(name)) args.push('-e', `${name}=${value}`);
  }
  args.push(options.script);
  return args;
}

async function readSummary(summaryPath: string, where: string): Promise<K6Summary> {
  let text: string;
  try {
    text = await readFile(summaryPath, 'utf8');
  } catch (error) {
    throw new HarnessError(`k6 finished but wrote no summary at ${summaryPath}: ${describeError(error)}`, {
      where,
      hint: 'the scenario must export handleSummary from scenarios/lib (it writes SUMMARY_PATH)',
    });
  }
  const parsed = k6SummarySchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new HarnessError(`${summaryPath} is not a k6 summary: ${parsed.error.issues[0]?.message ?? ''}`, {
      where,
    });
  }
  return parsed.data;
}

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioRun> {
  const runDir = resolve(options.outDir, options.runId);
  await mkdir(runDir, { recursive: true });
  const script = join(REPO_ROOT, 'scenarios', `${options.scenario}.ts`);
  const summaryPath = join(runDir, 'summary.json');
  const ledgerOn = options.ledger ?? true;
  const rawOutputPath = ledgerOn ? join(runDir, 'k6-raw.json.gz') : undefined;
  const k6Path = options.k6Path ?? process.env['K6_PATH'] ?? 'k6';
  const env: Record<string, string> = {
    ...options.env,
    BASE_URL: options.baseUrl,
    RUN_ID: options.runId,
    SUMMARY_PATH: summaryPath,
  };
  const where = `k6 run scenarios/${options.scenario}.ts against ${options.baseUrl}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCENARIO_ENV_NAMES) delete childEnv[name];
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV.test(name)) childEnv[name] = value;

  const tail: string[] = [];
  const child = spawn(k6Path, k6Arguments({ script, rawOutputPath, env }), {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    options.onOutput?.(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const stop = (): void => {
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  options.signal?.addEventListener('abort', stop, { once: true });

  const exit = await new Promise<{ code: number | null; signal: string | null }>((resolveExit, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new HarnessError(`k6 not found at ${k6Path}`, {
              where,
              hint: 'run `npm run stack:provision` (it builds k6), then pass k6Path or set K6_PATH',
            })
          : new HarnessError(`could not start k6 (${k6Path}): ${error.message}`, { where, cause: error }),
      );
    });
    child.once('close', (code, signal) => resolveExit({ code, signal }));
  }).finally(() => options.signal?.removeEventListener('abort', stop));

  if (exit.code !== 0 && exit.code !== K6_THRESHOLDS_FAILED) {
    throw k6ExitError(exit.code, exit.signal, tail, where);
  }
  const summary = await readSummary(summaryPath, where);
  let conversion: LedgerConversion | undefined;
  let ledgerPath: string | undefined;
  if (rawOutputPath !== undefined) {
    ledgerPath = join(runDir, 'ledger.jsonl');
    conversion = await convertK6Output(rawOutputPath, ledgerPath);
    const counted = flowRequestCount(summary);
    // A ledger that misses requests would make every validator under-count: refuse it.
    if (conversion.records !== conversion.flowRequests || conversion.records !== counted) {
      throw new HarnessError(
        `incomplete ledger: ${describeConversion(conversion)}; k6's summary counts ${counted} flow requests`,
        {
          where: ledgerPath,
          hint: 'every flow request must go through scenarios/lib/request.ts (it sets the ledger metadata)',
        },
      );
    }
    if (!options.keepRawOutput && existsSync(rawOutputPath)) await rm(rawOutputPath);
  }
  return {
    exitCode: exit.code ?? 0,
    summary,
    summaryPath,
    ledgerPath,
    requests: conversion?.records ?? flowRequestCount(summary),
    thresholdFailures: thresholdFailuresFrom(summary),
    runDir,
    conversion,
  };
}

/**
 * What every k6 run shares, wherever k6 runs (the user's binary, or the `grafana/k6` image on the
 * docker runner): its command line, the meaning of its exit codes, and turning what it leaves
 * behind (summary.json, the raw JSON output) into a ScenarioRun with a complete ledger.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, HarnessError } from '../core/index.ts';
import { convertK6Output, describeConversion, type LedgerConversion } from './ledger.ts';
import {
  droppedIterationsOf,
  flowRequestCount,
  K6_THRESHOLDS_FAILED,
  k6SummarySchema,
  thresholdFailuresFrom,
  type K6Summary,
  type ScenarioRun,
} from './scenario-run.ts';

/** Env vars passed through the child's (or container's) environment instead of `-e`, so they stay out of `ps`. */
export const SECRET_ENV = /TOKEN|SECRET|PASSWORD|KEY/i;

/** An execution segment and the sequence it belongs to, as k6 takes them. */
export interface SegmentArguments {
  segment: string;
  sequence: string | undefined;
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
  segment?: SegmentArguments;
}): string[] {
  // --address '': no REST API, so concurrent runs do not fight over port 6565.
  const args = ['run', '--no-usage-report', '--quiet', '--address', ''];
  if (options.rawOutputPath !== undefined) args.push('--out', `json=${options.rawOutputPath}`);
  if (options.segment !== undefined) {
    args.push('--execution-segment', options.segment.segment);
    if (options.segment.sequence !== undefined)
      args.push('--execution-segment-sequence', options.segment.sequence);
  }
  for (const [name, value] of Object.entries(options.env)) {
    if (!SECRET_ENV.test(name)) args.push('-e', `${name}=${value}`);
  }
  args.push(options.script);
  return args;
}

/** The variables a scenario gets: the caller's, then the run's own (which win). */
export function scenarioEnv(
  env: Readonly<Record<string, string>> | undefined,
  run: { baseUrl: string; runId: string; summaryPath: string },
): Record<string, string> {
  return { ...env, BASE_URL: run.baseUrl, RUN_ID: run.runId, SUMMARY_PATH: run.summaryPath };
}

/** The secret variables (those k6Arguments leaves off the command line): they go in the environment. */
export function secretEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => SECRET_ENV.test(name)));
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

export interface K6Finish {
  exit: { code: number | null; signal: string | null };
  /** k6's last output lines, for the error when it failed. */
  tail: readonly string[];
  where: string;
  runDir: string;
  /** summary.json on this machine (the container path copies it back first). */
  summaryPath: string;
  /** k6's raw JSON output on this machine; undefined when the ledger was off. */
  rawOutputPath: string | undefined;
  keepRawOutput: boolean;
  k6Version: string | undefined;
  segment: SegmentArguments | undefined;
}

/**
 * After k6 exited, wherever it ran: 0 and 99 are results (anything else a HarnessError), the summary
 * is read, the raw output becomes the ledger, and a ledger that misses requests is refused.
 */
export async function finishK6Run(run: K6Finish): Promise<ScenarioRun> {
  if (run.exit.code !== 0 && run.exit.code !== K6_THRESHOLDS_FAILED) {
    throw k6ExitError(run.exit.code, run.exit.signal, run.tail, run.where);
  }
  const summary = await readSummary(run.summaryPath, run.where);
  let conversion: LedgerConversion | undefined;
  let ledgerPath: string | undefined;
  if (run.rawOutputPath !== undefined) {
    ledgerPath = join(run.runDir, 'ledger.jsonl');
    conversion = await convertK6Output(run.rawOutputPath, ledgerPath);
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
    if (!run.keepRawOutput && existsSync(run.rawOutputPath)) await rm(run.rawOutputPath);
  }
  return {
    engine: 'k6',
    ...(run.k6Version === undefined ? {} : { k6Version: run.k6Version }),
    exitCode: run.exit.code ?? 0,
    summary,
    summaryPath: run.summaryPath,
    ledgerPath,
    requests: conversion?.records ?? flowRequestCount(summary),
    droppedIterations: droppedIterationsOf(summary),
    thresholdFailures: thresholdFailuresFrom(summary),
    runDir: run.runDir,
    conversion,
    ...(run.segment === undefined ? {} : { segment: run.segment.segment }),
  };
}

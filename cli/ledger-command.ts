/**
 * `phx-harness ledger merge <files…> --out ledger.jsonl`: N runners' outputs (k6-operator pods'
 * raw k6 outputs, or engine runs) → one ledger and its runners manifest.
 * `phx-harness thresholds --ledger ledger.jsonl --scenario load`: the scenario's thresholds over
 * the merged requests, exact, with each runner's own figures beside them.
 * Exit codes: 0 merged / every threshold holds; 1 a threshold is breached; 2 bad input, or a merge
 * refused (a duplicate request, a truncated, stopped or missing runner without --accept-partial).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HarnessError } from '../core/index.ts';
import { SCENARIO_NAMES } from '../scenarios/index.ts';
import {
  compareWithHdrHistogram,
  describeHdrComparison,
  describeMerge,
  describeThresholds,
  evaluateMergedThresholds,
  manifestPathFor,
  mergeRunnerOutputs,
  MergeRefusedError,
  readRunnersManifest,
  type ScenarioName,
} from '../load/index.ts';
import { EXIT } from './options.ts';

export interface LedgerMergeOptions {
  out: string;
  parallelism?: number;
  acceptPartial?: boolean;
  scenario?: ScenarioName;
  env: Record<string, string>;
  clockSkewToleranceMs?: number;
}

export interface ThresholdsOptions {
  ledger: string;
  scenario?: ScenarioName;
  env: Record<string, string>;
  manifest?: string;
  compareHdr?: boolean;
}

type Write = (text: string) => void;
const stdout: Write = (text) => process.stdout.write(text);

/** `--env K=V` (repeatable) into a map. */
export function parseEnvPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  const key = at < 0 ? value : value.slice(0, at);
  if (at < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new InvalidArgumentError(`expected NAME=value (e.g. RATE=20), got ${JSON.stringify(value)}`);
  }
  return { ...previous, [key]: value.slice(at + 1) };
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number, 1 or more');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('must be a number of milliseconds, 0 or more');
  return n;
}

/** Merges and prints the runners' table; a refused merge prints it too, then throws (exit 2). */
export async function ledgerMerge(
  files: string[],
  options: LedgerMergeOptions,
  write: Write = stdout,
): Promise<number> {
  try {
    const result = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      {
        outPath: options.out,
        ...(options.parallelism === undefined ? {} : { parallelism: options.parallelism }),
        acceptPartial: options.acceptPartial ?? false,
        ...(options.scenario === undefined ? {} : { scenario: options.scenario, env: options.env }),
        ...(options.clockSkewToleranceMs === undefined
          ? {}
          : { clockSkewToleranceMs: options.clockSkewToleranceMs }),
      },
    );
    write(`${describeMerge(result.manifest, result.manifestPath).join('\n')}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof MergeRefusedError) {
      write(`${describeMerge(error.manifest, '(not written: merge refused)').join('\n')}\n\n`);
    }
    throw error;
  }
}

/** Evaluates and prints the thresholds table: 0 all hold, 1 one is breached (bad input throws: exit 2). */
export async function thresholdsCommand(options: ThresholdsOptions, write: Write = stdout): Promise<number> {
  const manifestPath = options.manifest ?? manifestPathFor(options.ledger);
  const manifest = await readRunnersManifest(manifestPath);
  const scenario = options.scenario ?? (manifest.scenario as ScenarioName | undefined);
  if (scenario === undefined || !(SCENARIO_NAMES as readonly string[]).includes(scenario)) {
    throw new HarnessError('which scenario’s thresholds? the manifest does not say', {
      where: manifestPath,
      hint: `pass --scenario (${SCENARIO_NAMES.join(', ')})`,
    });
  }
  const env = Object.keys(options.env).length > 0 ? options.env : manifest.env;
  const evaluation = await evaluateMergedThresholds({
    ledgerPath: options.ledger,
    scenario,
    manifest,
    ...(env === undefined ? {} : { env }),
  });
  write(`${describeThresholds(evaluation).join('\n')}\n`);
  if (options.compareHdr) {
    write(`\n${describeHdrComparison(await compareWithHdrHistogram(options.ledger)).join('\n')}\n`);
  }
  return evaluation.ok ? EXIT.ok : EXIT.gateFailed;
}

function envOption(): Option {
  return new Option(
    '--env <NAME=value>',
    "the runners' scenario environment (RATE, DURATION, VUS…), repeatable",
  ).argParser(parseEnvPair);
}

export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('request ledgers of several load generators');
  ledger
    .command('merge')
    .description(
      "merge N runners' outputs into one ledger (every request once, tagged with its runner) and <out>.runners.json; exit 0 merged, 2 refused or bad input",
    )
    .argument('<files...>', 'raw k6 outputs (k6 run --out json=<file>[.gz]) or engine run directories')
    .requiredOption('--out <ledger.jsonl>', 'the merged ledger to write')
    .option(
      '--parallelism <n>',
      "the TestRun's parallelism: how many runners there should be",
      positiveInteger,
    )
    .option(
      '--accept-partial',
      'merge even with a truncated, stopped or missing runner (recorded in the manifest)',
    )
    .addOption(
      new Option(
        '--scenario <name>',
        "the runners' scenario: check each runner's iterations against its share",
      ).choices([...SCENARIO_NAMES]),
    )
    .addOption(envOption().default({}))
    .option(
      '--clock-skew-tolerance-ms <ms>',
      'report runners whose first requests start further apart (default 2000)',
      nonNegativeNumber,
    )
    .action(async (files: string[], options: LedgerMergeOptions) => {
      process.exitCode = await ledgerMerge(files, options);
    });

  program
    .command('thresholds')
    .description(
      "evaluate a scenario's thresholds over a merged ledger, exact, with each runner's figures; exit 0 all hold, 1 breached, 2 bad input",
    )
    .requiredOption(
      '--ledger <ledger.jsonl>',
      'a ledger written by `ledger merge` (its .runners.json beside it)',
    )
    .addOption(
      new Option('--scenario <name>', "whose thresholds (default: the manifest's)").choices([
        ...SCENARIO_NAMES,
      ]),
    )
    .addOption(envOption().default({}))
    .option('--manifest <file>', 'the runners manifest (default: <ledger>.runners.json)')
    .option('--compare-hdr', "also show what one engine process's HdrHistogram reports for the same samples")
    .action(async (options: ThresholdsOptions) => {
      process.exitCode = await thresholdsCommand(options);
    });
}

import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Phase } from '../catalog/index.ts';
import {
  HarnessError,
  LOAD_ENGINES,
  LOG_STORES,
  REPORTER_NAMES,
  TRACE_STORES,
  assertStackChoice,
  loadConfig,
  parseConfig,
  parseDurationMs,
  type HarnessConfig,
} from '../core/index.ts';
import type { ScenarioName } from '../load/index.ts';
import { SCENARIO_NAMES } from '../scenarios/index.ts';
import {
  compareWithBaseline,
  createReporters,
  readRunReport,
  type ReporterEntry,
  type RunReport,
} from '../reports/index.ts';
import { setRunRole, shutdownAll } from '../stack/index.ts';
import { evaluateGate } from '../validators/index.ts';
import { EXIT, parsePhase } from './options.ts';
import { RunInterrupt } from './interrupt.ts';
import { Progress } from './progress.ts';
import { buildRunReport } from './report-builder.ts';
import type { InjectedFault } from '../api/index.ts';
import { parseInjection } from './inject-option.ts';
import { runExternalValidation } from './run-external-validation.ts';
import { runValidation } from './run-validation.ts';
import type { ValidationRun } from './validation-run.ts';
import { writeReports } from './write-reports.ts';

interface ValidateOptions {
  target?: string;
  ledger?: string;
  rules?: string[];
  baseline?: string;
  reporter?: ReporterEntry[];
  phase?: Phase;
  scenario?: ScenarioName;
  stack?: 'local' | 'docker' | 'external';
  images?: 'official' | 'local' | 'auto';
  logStore?: (typeof LOG_STORES)[number];
  traceStore?: (typeof TRACE_STORES)[number];
  grafana?: boolean;
  loadEngine?: (typeof LOAD_ENGINES)[number];
  segment?: string;
  loadWorkers?: number;
  inject: InjectedFault[];
  out?: string;
  keep?: boolean;
  deadline?: number;
}

export function parseReporters(value: string): ReporterEntry[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(REPORTER_NAMES as readonly string[]).includes(n));
  if (unknown.length)
    throw new InvalidArgumentError(
      `unknown reporter(s) ${unknown.join(', ')}; available: ${REPORTER_NAMES.join(', ')}`,
    );
  return names as ReporterEntry[];
}

/** Writes the reports; a reporter that failed is printed, naming the file it did not write. */
async function report(report: RunReport, entries: readonly ReporterEntry[], outDir: string) {
  const outcome = await writeReports(report, entries, outDir);
  if (outcome.problems.length) process.stderr.write(`${outcome.problems.join('\n')}\n`);
  return outcome;
}

/** `--deadline 45m`: the whole run's deadline, in the config's durations. */
export function parseDeadline(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('a duration such as 30m, 90s or 1h');
  return ms;
}

/** Adds the --baseline criteria to the run (as checks), then re-judges the gate. */
async function withBaseline(
  run: ValidationRun,
  config: HarnessConfig,
  draft: RunReport,
  baselinePath: string,
): Promise<void> {
  const baseline = await readRunReport(baselinePath);
  const criteria = compareWithBaseline(draft, baseline, config.baseline, baselinePath);
  run.results.push(...criteria);
  run.gate = evaluateGate(run.results, run.gate.phase, config.waive);
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'start the stack and the fleet, drive load, run the checks, report; exit 0 (gate holds), 1 (gate fails) or 2 (could not run)',
    )
    .addOption(
      new Option(
        '--phase <n>',
        'rollout phase gate (1..4); default: the highest phase the config declares',
      ).argParser(parsePhase),
    )
    .addOption(new Option('--scenario <name>', 'k6 scenario').choices([...SCENARIO_NAMES]))
    .addOption(
      new Option('--stack <runner>', 'where the stack runs').choices(['local', 'docker', 'external']),
    )
    .addOption(
      new Option(
        '--images <source>',
        'docker runner: official pinned images, local ones built from the provisioned binaries, or auto',
      ).choices(['official', 'local', 'auto']),
    )
    .addOption(
      new Option(
        '--log-store <store>',
        'the log store the logs checks query (loki: only with --stack docker --images official, or an external target)',
      ).choices([...LOG_STORES]),
    )
    .addOption(
      new Option(
        '--trace-store <store>',
        "the embedded Jaeger's store: memory (the newest 200 000 traces) or badger (on disk: every trace of a long run)",
      ).choices([...TRACE_STORES]),
    )
    .option(
      '--grafana',
      "also start Grafana's official image and check dashboards through it (--stack docker --images official only)",
    )
    .addOption(
      new Option(
        '--load-engine <engine>',
        'who sends the load: k6 when a binary is found (auto), the in-process engine (node), or k6',
      ).choices([...LOAD_ENGINES]),
    )
    .option('--segment <from:to>', "send only this execution segment of the scenario (k6's form: 1/4:2/4)")
    .option(
      '--load-workers <n>',
      'run the scenario as n engine processes (segments 0:1/n … (n-1)/n:1), ledgers merged before the checks',
      (value: string) => Number(value),
    )
    .option(
      '--target <config>',
      'a config file whose stack.external names the backends to validate (implies --stack external)',
    )
    .option(
      '--ledger <file>',
      'the ledger.jsonl of requests already sent to that stack (with --stack external)',
    )
    .option(
      '--rules <glob>',
      "with --stack external: check these rule files (repeatable, e.g. 'stack/prometheus/rules/*.yml') instead of the rules staging's Prometheus has loaded",
      (value: string, all: string[] | undefined) => [...(all ?? []), value],
    )
    .option(
      '--baseline <report.json>',
      'compare with an earlier run: latency, error rate, completeness, metrics and labels, cardinality, alert timings',
    )
    .option(
      '--reporter <names>',
      `comma-separated reporters (default: the config's): ${REPORTER_NAMES.join(', ')}`,
      parseReporters,
    )
    .option(
      '--inject <service:fault[:k=v,…]>',
      'switch a fleet fault on before the load (repeatable), e.g. data-router:drop-traceparent',
      (value: string, all: InjectedFault[]) => [...all, parseInjection(value)],
      [] as InjectedFault[],
    )
    .option('--out <dir>', 'run artifacts root (default: the config outDir, "out")')
    .option('--keep', 'leave the stack and fleet running after the checks (Ctrl-C to stop)')
    .option(
      '--deadline <duration>',
      "the whole run's deadline (30m, 1h…; default: the config's deadlineMs, 30 min): past it, tear down, partial report, exit 2",
      parseDeadline,
    )
    .action(async (options: ValidateOptions, command: Command) => {
      const config = await loadConfig(
        options.target ?? command.optsWithGlobals<{ config?: string }>().config,
      );
      if (options.out) config.outDir = options.out;
      if (options.images) config.stack.images = options.images;
      if (options.logStore) config.stack.logStore = options.logStore;
      if (options.traceStore) config.stack.traceStore = options.traceStore;
      if (options.grafana) config.stack.grafana = true;
      if (options.loadEngine) config.load.engine = options.loadEngine;
      if (options.segment) config.load.segment = options.segment;
      if (options.loadWorkers !== undefined) config.load.workers = options.loadWorkers;
      // The options went into the config: check them with its schema (e.g. a malformed --segment).
      Object.assign(config, parseConfig(config, 'the command-line options'));
      if (config.load.workers > 1 && config.load.segment !== undefined) {
        throw new HarnessError(
          `--load-workers ${config.load.workers} splits the whole scenario into segments itself; --segment ${config.load.segment} asks for one part`,
          {
            hint: "use one of them: --load-workers for N processes here, --segment for this machine's share of a split run",
          },
        );
      }
      const phase = options.phase ?? (Math.max(...config.phases) as Phase);
      const runner = options.stack ?? (options.target || options.ledger ? 'external' : config.stack.runner);
      assertStackChoice({ ...config.stack, runner });
      if (runner !== 'external' && options.rules) {
        throw new HarnessError("--rules chooses the rule files checked instead of staging's loaded rules", {
          hint: "use it with --stack external; a local or docker run checks the repo's rules",
        });
      }
      if (runner !== 'external' && options.ledger) {
        throw new HarnessError('--ledger names requests already sent to an existing stack', {
          hint: 'use it with --stack external --target <config>; a local or docker run sends its own load',
        });
      }
      if (runner === 'external' && options.inject.length) {
        throw new HarnessError("--inject switches faults on the harness's own mock fleet", {
          hint: 'drop --inject with --stack external',
        });
      }
      // Reporters are created before the run, so a bad reporter config fails fast (exit 2).
      const reporterEntries = options.reporter ?? (config.reporters as ReporterEntry[]);
      createReporters(reporterEntries, { outDir: resolve(config.outDir) });
      if (options.baseline) await readRunReport(options.baseline);

      const progress = new Progress();
      const scenario = options.scenario ?? config.load.scenario;
      // SIGINT, SIGTERM, the deadline or a crash: tear down, write a partial report marked interrupted, exit 130/143/2.
      const interrupt = new RunInterrupt({
        stage: () => progress.current,
        deadlineMs: options.deadline ?? config.deadlineMs,
        onInterrupt: (info) => progress.fail(`${info.message}: tearing down (again to exit at once)`),
      }).install();
      try {
        const { signal } = interrupt;
        const run =
          runner === 'external'
            ? await runExternalValidation({
                config,
                phase,
                ledgerPath: options.ledger,
                ...(options.rules ? { rules: options.rules } : {}),
                progress,
                signal,
              })
            : await runValidation({
                config,
                phase,
                scenario,
                runner,
                inject: options.inject,
                progress,
                keep: options.keep ?? false,
                signal,
              });
        // Whatever an interrupted start left behind (a stack still starting) is stopped before reporting.
        if (run.interrupted) await shutdownAll((line) => progress.info(line));

        progress.stage('writing reports');
        const extra = {
          config,
          ...(run.scenario ? { scenarioName: scenario } : {}),
          ...(run.inventory ? { inventory: run.inventory } : {}),
        };
        if (options.baseline && !run.interrupted)
          await withBaseline(run, config, await buildRunReport(run, extra), options.baseline);
        const write = async () =>
          report(
            await buildRunReport(run, {
              ...extra,
              ...(options.baseline && !run.interrupted ? { baselinePath: options.baseline } : {}),
            }),
            reporterEntries,
            run.runDir,
          );
        let written = await write();
        // Interrupted while the reports were written: write them again, marked.
        if (!run.interrupted && interrupt.info) {
          run.interrupted = interrupt.info;
          written = await write();
        }
        progress.done(written.files.length ? written.files.join(', ') : 'console only');

        const interruptedExit = interrupt.exitCode;
        if (interruptedExit !== undefined) {
          process.stderr.write(
            `phx-harness: ${interrupt.info?.message ?? 'interrupted'}; partial report in ${run.runDir}\n`,
          );
          process.exit(interruptedExit);
        }
        if (options.keep && run.stack) {
          // From here the stack's own signal handlers stop it on Ctrl-C.
          interrupt[Symbol.dispose]();
          process.stderr.write(`--keep: the stack stays up (${run.stack.endpointsFile}); Ctrl-C to stop\n`);
          // Checks done: a plain `stack down` may stop it now (a validate in progress needs --run).
          await setRunRole(run.runId, 'kept');
          await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
        }
        process.exitCode = written.problems.length
          ? EXIT.harnessError
          : run.gate.verdict === 'pass'
            ? EXIT.ok
            : EXIT.gateFailed;
      } finally {
        interrupt[Symbol.dispose]();
      }
    });

  program
    .command('report')
    .description('re-render the reports of an earlier run from its report.json')
    .argument('<report.json>', 'a report written by the json reporter')
    .option('--reporter <names>', `comma-separated reporters: ${REPORTER_NAMES.join(', ')}`, parseReporters)
    .option('--out <dir>', 'where to write (default: the report file’s folder)')
    .action(async (path: string, options: { reporter?: ReporterEntry[]; out?: string }) => {
      const saved = await readRunReport(path);
      const { files, problems } = await report(
        saved,
        options.reporter ?? ['console', 'html', 'junit', 'github'],
        options.out ?? resolve(path, '..'),
      );
      process.stderr.write(`${files.join('\n')}\n`);
      process.exitCode = problems.length
        ? EXIT.harnessError
        : saved.verdict === 'pass'
          ? EXIT.ok
          : EXIT.gateFailed;
    });
}

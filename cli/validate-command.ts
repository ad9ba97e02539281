import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Phase } from '../catalog/index.ts';
import {
  HarnessError,
  LOAD_ENGINES,
  LOG_STORES,
  REPORTERS,
  SCENARIOS,
  assertStackChoice,
  loadConfig,
  parseConfig,
  type HarnessConfig,
} from '../core/index.ts';
import type { ScenarioName } from '../load/index.ts';
import {
  ReporterMultiplexer,
  compareWithBaseline,
  createReporters,
  describeReporterFailures,
  readRunReport,
  type ReporterEntry,
  type RunReport,
} from '../reports/index.ts';
import { evaluateGate } from '../validators/index.ts';
import { EXIT, parsePhase } from './options.ts';
import { Progress } from './progress.ts';
import { buildRunReport } from './report-builder.ts';
import {
  parseInjection,
  runExternalValidation,
  runValidation,
  type InjectedFault,
  type ValidationRun,
} from './run-validation.ts';

interface ValidateOptions {
  target?: string;
  ledger?: string;
  baseline?: string;
  reporter?: ReporterEntry[];
  phase?: Phase;
  scenario?: ScenarioName;
  stack?: 'local' | 'docker' | 'external';
  images?: 'official' | 'local' | 'auto';
  logStore?: (typeof LOG_STORES)[number];
  grafana?: boolean;
  loadEngine?: (typeof LOAD_ENGINES)[number];
  segment?: string;
  inject: InjectedFault[];
  out?: string;
  keep?: boolean;
}

export function parseReporters(value: string): ReporterEntry[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(REPORTERS as readonly string[]).includes(n));
  if (unknown.length)
    throw new InvalidArgumentError(
      `unknown reporter(s) ${unknown.join(', ')}; available: ${REPORTERS.join(', ')}`,
    );
  return names as ReporterEntry[];
}

/** Runs every reporter over the report (each isolated from the others' failures); returns the files written. */
export async function report(
  report: RunReport,
  entries: readonly ReporterEntry[],
  outDir: string,
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const mux = new ReporterMultiplexer(createReporters(entries, { outDir }));
  const startFailures = await mux.onRunStart({
    runId: report.runId,
    phase: report.phase,
    startedAt: report.startedAt,
  });
  const checkFailures = [];
  for (const check of report.checks) checkFailures.push(...(await mux.onCheck(check)));
  const end = await mux.onRunEnd(report);
  const failures = [...startFailures, ...checkFailures, ...end.failures];
  if (failures.length) process.stderr.write(`${describeReporterFailures(failures)}\n`);
  return end.files;
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
  run.gate = evaluateGate(run.results, run.gate.phase);
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
    .addOption(new Option('--scenario <name>', 'k6 scenario').choices([...SCENARIOS]))
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
      '--target <config>',
      'a config file whose stack.external names the backends to validate (implies --stack external)',
    )
    .option(
      '--ledger <file>',
      'the ledger.jsonl of requests already sent to that stack (with --stack external)',
    )
    .option(
      '--baseline <report.json>',
      'compare with an earlier run: latency, error rate, completeness, metrics and labels, cardinality, alert timings',
    )
    .option(
      '--reporter <names>',
      `comma-separated reporters (default: the config's): ${REPORTERS.join(', ')}`,
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
    .action(async (options: ValidateOptions, command: Command) => {
      const config = await loadConfig(
        options.target ?? command.optsWithGlobals<{ config?: string }>().config,
      );
      if (options.out) config.outDir = options.out;
      if (options.images) config.stack.images = options.images;
      if (options.logStore) config.stack.logStore = options.logStore;
      if (options.grafana) config.stack.grafana = true;
      if (options.loadEngine) config.load.engine = options.loadEngine;
      if (options.segment) config.load.segment = options.segment;
      // The options went into the config: check them with its schema (e.g. a malformed --segment).
      Object.assign(config, parseConfig(config, 'the command-line options'));
      const phase = options.phase ?? (Math.max(...config.phases) as Phase);
      const runner = options.stack ?? (options.target || options.ledger ? 'external' : config.stack.runner);
      assertStackChoice({ ...config.stack, runner });
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
      const run =
        runner === 'external'
          ? await runExternalValidation({ config, phase, ledgerPath: options.ledger, progress })
          : await runValidation({
              config,
              phase,
              scenario,
              runner,
              inject: options.inject,
              progress,
              keep: options.keep ?? false,
            });

      progress.stage('writing reports');
      const extra = {
        config,
        ...(run.scenario ? { scenarioName: scenario } : {}),
        ...(run.inventory ? { inventory: run.inventory } : {}),
      };
      if (options.baseline)
        await withBaseline(run, config, await buildRunReport(run, extra), options.baseline);
      const final = await buildRunReport(run, {
        ...extra,
        ...(options.baseline ? { baselinePath: options.baseline } : {}),
      });
      const files = await report(final, reporterEntries, run.runDir);
      progress.done(files.length ? files.join(', ') : 'console only');

      if (options.keep && run.stack) {
        process.stderr.write(`--keep: the stack stays up (${run.stack.endpointsFile}); Ctrl-C to stop\n`);
        await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
      }
      process.exitCode = run.gate.verdict === 'pass' ? EXIT.ok : EXIT.gateFailed;
    });

  program
    .command('report')
    .description('re-render the reports of an earlier run from its report.json')
    .argument('<report.json>', 'a report written by the json reporter')
    .option('--reporter <names>', `comma-separated reporters: ${REPORTERS.join(', ')}`, parseReporters)
    .option('--out <dir>', 'where to write (default: the report file’s folder)')
    .action(async (path: string, options: { reporter?: ReporterEntry[]; out?: string }) => {
      const saved = await readRunReport(path);
      const files = await report(
        saved,
        options.reporter ?? ['console', 'html', 'junit', 'github'],
        options.out ?? resolve(path, '..'),
      );
      process.stderr.write(`${files.join('\n')}\n`);
      process.exitCode = saved.verdict === 'pass' ? EXIT.ok : EXIT.gateFailed;
    });
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { Phase } from '../catalog/index.ts';
import { HarnessError, SCENARIOS, loadConfig, type CheckResult } from '../core/index.ts';
import type { ScenarioName } from '../load/index.ts';
import { EXIT, parsePhase } from './options.ts';
import { Progress } from './progress.ts';
import {
  parseInjection,
  runExternalValidation,
  runValidation,
  type InjectedFault,
} from './run-validation.ts';

const ICON: Record<CheckResult['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  error: 'ERR ',
};

export function formatResults(results: CheckResult[], phase: number): string {
  return results
    .map(
      (r) =>
        `${ICON[r.status]}  ${r.phase > phase ? '(info) ' : ''}${r.id.padEnd(32)} ${r.status === 'pass' ? r.title : r.message}`,
    )
    .join('\n');
}

interface ValidateOptions {
  target?: string;
  ledger?: string;
  phase?: Phase;
  scenario?: ScenarioName;
  stack?: 'local' | 'docker' | 'external';
  inject: InjectedFault[];
  out?: string;
  keep?: boolean;
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
    .option(
      '--inject <service:fault[:k=v,…]>',
      'switch a fleet fault on before the load (repeatable), e.g. data-router:drop-traceparent',
      (value: string, all: InjectedFault[]) => [...all, parseInjection(value)],
      [] as InjectedFault[],
    )
    .option(
      '--target <config>',
      'a config file whose stack.external names the backends to validate (with --stack external)',
    )
    .option(
      '--ledger <file>',
      'the ledger.jsonl of requests already sent to that stack (with --stack external)',
    )
    .option('--out <dir>', 'run artifacts root (default: the config outDir, "out")')
    .option('--keep', 'leave the stack and fleet running after the checks (Ctrl-C to stop)')
    .action(async (options: ValidateOptions, command: Command) => {
      const config = await loadConfig(
        options.target ?? command.optsWithGlobals<{ config?: string }>().config,
      );
      if (options.out) config.outDir = options.out;
      const phase = options.phase ?? (Math.max(...config.phases) as Phase);
      const runner = options.stack ?? (options.target || options.ledger ? 'external' : config.stack.runner);
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
      const progress = new Progress();
      const run =
        runner === 'external'
          ? await runExternalValidation({ config, phase, ledgerPath: options.ledger, progress })
          : await runValidation({
              config,
              phase,
              scenario: options.scenario ?? config.load.scenario,
              runner,
              inject: options.inject,
              progress,
              keep: options.keep ?? false,
            });
      mkdirSync(run.runDir, { recursive: true });
      writeFileSync(
        join(run.runDir, 'results.json'),
        `${JSON.stringify({ runId: run.runId, gate: run.gate, results: run.results }, null, 2)}\n`,
      );
      process.stdout.write(`${formatResults(run.results, phase)}\n\n`);
      const failed = run.gate.failedRequired.length;
      process.stdout.write(
        `phase ${phase} gate: ${run.gate.verdict === 'pass' ? 'HOLDS' : `FAILS (${failed} of ${run.gate.required.length} required checks failed)`}\n` +
          `artifacts: ${run.runDir}\n`,
      );
      if (options.keep && run.stack) {
        process.stderr.write(`--keep: the stack stays up (${run.stack.endpointsFile}); Ctrl-C to stop\n`);
        await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
      }
      process.exitCode = run.gate.verdict === 'pass' ? EXIT.ok : EXIT.gateFailed;
    });
}

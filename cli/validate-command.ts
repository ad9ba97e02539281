import { Option, type Command } from 'commander';
import { HarnessError, loadConfig, type CheckResult } from '../core/index.ts';
import type { Phase } from '../catalog/index.ts';
import { startStack } from '../stack/index.ts';
import {
  VALIDATORS,
  createClients,
  endpointsFromStack,
  type ValidationContext,
} from '../validators/index.ts';
import { EXIT, parsePhase } from './options.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

const ICON: Record<CheckResult['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  error: 'ERR ',
};

export function formatResults(results: CheckResult[]): string {
  return results
    .map((r) => `${ICON[r.status]}  ${r.id.padEnd(26)} ${r.status === 'pass' ? r.title : r.message}`)
    .join('\n');
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'start the stack, run the checks, report, and exit 0 (gate holds), 1 (gate fails) or 2 (could not run)',
    )
    .addOption(
      new Option(
        '--phase <n>',
        'rollout phase gate (1..4); default: the highest phase the config declares',
      ).argParser(parsePhase),
    )
    .addOption(
      new Option('--stack <runner>', 'where the stack runs').choices(['local', 'docker', 'external']),
    )
    .option('--keep', 'leave the stack running after the checks (Ctrl-C to stop)')
    .action(async (options: { phase?: number; stack?: string; keep?: boolean }, command: Command) => {
      const config = await loadConfig(command.optsWithGlobals<{ config?: string }>().config);
      const phase = (options.phase ?? Math.max(...config.phases)) as Phase;
      const runner = (options.stack ?? config.stack.runner) as 'local' | 'docker' | 'external';
      if (runner === 'external') {
        throw new HarnessError('validating an external stack is not available yet', {
          hint: 'use --stack local or --stack docker',
        });
      }
      log(`▶ starting the monitoring stack (${runner})`);
      await using stack = await startStack({
        runner,
        images: config.stack.images,
        outDir: config.outDir,
        startupTimeoutMs: config.stack.startupTimeoutMs,
        log,
      });
      log(`  ready in ${stack.readyMs}ms — ${stack.endpointsFile}`);
      const endpoints = endpointsFromStack(stack.endpoints());
      const ctx: ValidationContext = {
        runId: stack.runId,
        phase,
        endpoints,
        clients: createClients(endpoints),
        ingestTimeoutMs: config.stack.ingestTimeoutMs,
        scrapeTargetHost: stack.scrapeTargetHost,
        registerScrapeTargets: (groups) => stack.setScrapeTargets(groups),
      };
      log('▶ running checks');
      const results = (await Promise.all(Object.values(VALIDATORS).map((check) => check(ctx)))).flat();
      process.stdout.write(`${formatResults(results)}\n`);
      const failed = results.filter((r) => r.status === 'fail' || r.status === 'error');
      process.stdout.write(
        `\nphase ${phase} gate: ${failed.length === 0 ? 'HOLDS' : `FAILS (${failed.length} of ${results.length} checks)`}\n`,
      );
      if (options.keep) {
        log(`--keep: the stack stays up (${stack.endpointsFile}); Ctrl-C to stop`);
        await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
      }
      process.exitCode = failed.length === 0 ? EXIT.ok : EXIT.gateFailed;
    });
}

import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { childEnv } from '../core/index.ts';

const FLEET_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../mock-services/main.ts');

/** `phx-harness fleet [options]`: the mock fleet on its own (same options as `npm run fleet -- --help`). */
export function registerFleetCommand(program: Command): void {
  program
    .command('fleet')
    .description(
      'start the mock Phoenix fleet alone and print each service URL (Ctrl-C flushes and stops it)',
    )
    .allowUnknownOption()
    .helpOption(false)
    .argument(
      '[options...]',
      'fleet options: --service, --port, --host, --otlp, --log-dir, --logs, --peers, --threads, --no-instrumentation',
    )
    .action(async (args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', FLEET_MAIN, ...args], {
        env: childEnv(['node', 'otel']),
        stdio: 'inherit',
      });
      // The terminal's Ctrl-C reaches both processes; a TERM sent to us is passed on.
      process.on('SIGTERM', () => child.kill('SIGTERM'));
      process.on('SIGINT', () => undefined);
      const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
      process.exitCode = code;
    });
}

/**
 * CLI: runs the mock fleet (all 14 services in this process, free ports on 127.0.0.1) or one service
 * alone (port 8080, peers by DNS name). Either binds 127.0.0.1 unless `--host` says otherwise (a
 * container passes `--host 0.0.0.0`).
 *
 *   npx tsx mock-services/main.ts [--service <name>] [--port N] [--host H] [--otlp http://127.0.0.1:4318]
 *                                 [--log-dir dir] [--logs both|otlp|file] [--peers local|dns]
 *                                 [--threads N] [--no-instrumentation]
 *
 * Prints `<service> <url>` per service, then `ready`; SIGINT/SIGTERM flush telemetry and exit 0.
 */
import { describeError } from '../core/index.ts';
import { parseFleetArgs } from './fleet-args.ts';
import { startFleet } from './start-fleet.ts';

async function main(): Promise<void> {
  const fleet = await startFleet(parseFleetArgs(process.argv.slice(2)));
  for (const [name, info] of fleet.services) console.log(`${name} ${info.url}`);
  console.log('ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: flushing telemetry and stopping`);
    fleet[Symbol.asyncDispose]().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(describeError(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(describeError(error));
  process.exit(2);
});

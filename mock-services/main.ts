/**
 * CLI: runs the mock fleet (all 14 services in this process, free ports on 127.0.0.1) or one service
 * alone (for a container: port 8080 on every interface, peers by DNS name).
 *
 *   npx tsx mock-services/main.ts [--service <name>] [--port N] [--host H] [--otlp http://127.0.0.1:4318]
 *                                 [--log-dir dir] [--logs both|otlp|file] [--peers local|dns]
 *                                 [--threads N] [--no-instrumentation]
 *
 * Prints `<service> <url>` per service, then `ready`; SIGINT/SIGTERM flush telemetry and exit 0.
 */
import { parseArgs } from 'node:util';
import { SERVICE_NAMES, type ServiceName } from '../catalog/index.ts';
import { describeError, HarnessError } from '../core/index.ts';
import { CONTAINER_PORT, startFleet, type FleetOptions } from './start-fleet.ts';

const LOG_ROUTES = ['both', 'otlp', 'file'] as const;

function parseOptions(argv: string[]): FleetOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      otlp: { type: 'string' },
      'log-dir': { type: 'string' },
      logs: { type: 'string', default: 'both' },
      peers: { type: 'string' },
      'no-instrumentation': { type: 'boolean', default: false },
      threads: { type: 'string' },
    },
    strict: true,
  });
  const service = values.service;
  if (service !== undefined && !(SERVICE_NAMES as readonly string[]).includes(service)) {
    throw new HarnessError(`unknown service "${service}"`, {
      hint: `use one of ${SERVICE_NAMES.join(', ')}`,
    });
  }
  if (values.port !== undefined && service === undefined) {
    throw new HarnessError('--port needs --service (a fleet gets one free port per service)');
  }
  const port = values.port === undefined ? CONTAINER_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new HarnessError(`--port must be a port number, not "${values.port}"`);
  }
  const logs = values.logs as (typeof LOG_ROUTES)[number];
  if (!LOG_ROUTES.includes(logs)) throw new HarnessError(`--logs must be one of ${LOG_ROUTES.join(', ')}`);
  const peers = values.peers ?? (service ? 'dns' : 'local');
  if (peers !== 'local' && peers !== 'dns') throw new HarnessError('--peers must be local or dns');
  const otlp = values.otlp ?? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new HarnessError(`--threads must be a positive integer, not "${values.threads}"`);
  }
  return {
    ...(service ? { services: [service as ServiceName], ports: { [service]: port } } : {}),
    host: values.host ?? (service ? '0.0.0.0' : undefined),
    ...(otlp ? { otlpHttpEndpoint: otlp } : {}),
    ...(values['log-dir'] ? { logDir: values['log-dir'] } : {}),
    logsViaOtlp: logs !== 'file',
    logsToFile: logs !== 'otlp',
    peers,
    instrumentation: !values['no-instrumentation'],
    ...(threads ? { threads } : {}),
  };
}

async function main(): Promise<void> {
  const fleet = await startFleet(parseOptions(process.argv.slice(2)));
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

import { parseArgs } from 'node:util';
import { SERVICE_NAMES, type ServiceName } from '../catalog/index.ts';
import { HarnessError, LOOPBACK } from '../core/index.ts';
import { CONTAINER_PORT, type FleetOptions } from './start-fleet.ts';

const LOG_ROUTES = ['both', 'otlp', 'file'] as const;

/** The fleet's command-line options (mock-services/main.ts) as startFleet's options. */
export function parseFleetArgs(argv: string[]): FleetOptions {
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
    // Loopback unless told otherwise, with --service too: only a container asks for 0.0.0.0.
    host: values.host ?? LOOPBACK,
    ...(otlp ? { otlpHttpEndpoint: otlp } : {}),
    ...(values['log-dir'] ? { logDir: values['log-dir'] } : {}),
    logsViaOtlp: logs !== 'file',
    logsToFile: logs !== 'otlp',
    peers,
    instrumentation: !values['no-instrumentation'],
    ...(threads ? { threads } : {}),
  };
}

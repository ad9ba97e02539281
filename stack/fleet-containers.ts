import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  Wait,
  getContainerRuntimeClient,
  type ContainerRuntimeClient,
  type StartedTestContainer,
} from 'testcontainers';
import { SERVICE_NAMES, callTargets, type ServiceName } from '../catalog/index.ts';
import { HarnessError, LOOPBACK } from '../core/index.ts';
import { ensureNodeImage } from './images/node-image.ts';
import { onShutdown } from './lifecycle.ts';
import { LABEL, ownerLabels } from './runners/docker-cleanup.ts';
import { FLEET_SERVICE_CONTAINER_LABEL } from './runners/docker-lease.ts';
import { FLEET_LOG_DIR, warnIfPublishedBeyondLoopback } from './runners/docker.ts';
import { LoopbackContainer } from './runners/loopback-container.ts';
import type { ScrapeTargetGroup, StartedStack } from './runners/types.ts';
import { COMPONENT_SPECS } from './spec/index.ts';
import { FLEET_CONTAINER_PORT } from './spec/prometheus.ts';

/** The program every fleet container runs: one mock service (`--service <name>`). */
const FLEET_ENTRY = fileURLToPath(new URL('../mock-services/main.ts', import.meta.url));
/** The image's name under phoenix-harness/. */
const FLEET_IMAGE_NAME = 'mock-fleet';
/** Calls to a service's admin API are local and tiny: a slow answer means something is wrong. */
const ADMIN_TIMEOUT_MS = 10_000;

export interface ContainerFleetOptions {
  /**
   * Host directory for the services' log files, mounted at /var/log/phoenix. It must be the
   * stack's `fleetLogDir` (the Collector reads that one); default: the stack's.
   */
  logDir?: string;
  /** Run id on the containers' labels (default: the stack's, so the stack's teardown sweeps them too). */
  runId?: string;
  /** Per container, from create to `/healthz` answering 200 (default 60 s). */
  startupTimeoutMs?: number;
  /** How long a stopping service may take to flush after SIGTERM before it is killed (default 10 s). */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

/** Where one containerised service answers on this machine. */
export interface ContainerServiceInfo {
  /** `http://127.0.0.1:<published port>`: loopback, then docker-proxy into the container. */
  url: string;
  /** The published port on 127.0.0.1. */
  port: number;
  /** Its JSON log file on the host (`<logDir>/<service>/<service>.log`). */
  logFile: string | undefined;
  containerId: string;
}

/** A fault as the fleet API takes it: `{ name, ...params }` (docs/fleet-api.md). */
export type ContainerFleetFault = { name: string } & Record<string, unknown>;

/**
 * The mock fleet as 14 containers on the stack's Docker network, one per service, each reachable
 * by the seed's service name (its network alias) on port 8080. Shaped like mock-services'
 * StartedFleet, so the CLI can use either.
 */
export interface StartedContainerFleet extends AsyncDisposable {
  readonly services: ReadonlyMap<ServiceName, ContainerServiceInfo>;
  /** The orchestrator's published URL on 127.0.0.1 (the load's BASE_URL). */
  readonly entryUrl: string;
  /** One process (and thread) per service. */
  readonly threads: number;
  /** The image the containers run. */
  readonly image: string;
  /** Milliseconds from the call until every service answered `/healthz` (image build included). */
  readonly readyMs: number;
  /** Always `[]`: Prometheus finds the containers through the seed's dns_sd_configs. */
  scrapeTargets(): ScrapeTargetGroup[];
  /** Switches a fault on at one service (`POST /admin/faults`); throws a HarnessError naming the bad field. */
  setFault(service: ServiceName, fault: ContainerFleetFault): Promise<void>;
  /** Clears faults: every fault everywhere, every fault of one service, or one fault of one service. */
  clearFaults(service?: ServiceName, name?: string): Promise<void>;
  /** The service's active faults as its API lists them (type them with mock-services' `Fault`). */
  activeFaults<F extends ContainerFleetFault = ContainerFleetFault>(service: ServiceName): Promise<F[]>;
  /** Exports every buffered span and log record now (`POST /admin/flush` on every service). */
  flush(): Promise<void>;
}

/**
 * Starts the mock fleet as containers on the docker runner's network: one FROM-scratch Node image
 * (built once per content by ensureNodeImage), one container per service with the seed's name as
 * its network alias, listening on 0.0.0.0:8080 inside, peers by DNS, OTLP to the Collector by its
 * alias, JSON log files into the directory the Collector tails. The harness reaches each service
 * on its published port on 127.0.0.1 only.
 */
export async function startContainerFleet(
  stack: StartedStack,
  options: ContainerFleetOptions = {},
): Promise<StartedContainerFleet> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const network = stack.dockerNetwork;
  if (stack.runner !== 'docker' || !network) {
    throw new HarnessError(
      `a container fleet needs the docker runner's stack, not the ${stack.runner} runner's`,
      {
        hint: "use mock-services' startFleet for a local or external stack",
      },
    );
  }
  const logDir = resolve(options.logDir ?? stack.fleetLogDir ?? join(dirname(stack.dir), 'fleet-logs'));
  if (stack.fleetLogDir && resolve(stack.fleetLogDir) !== logDir) {
    throw new HarnessError(`the fleet's log directory ${logDir} is not the one the Collector reads`, {
      hint: `omit logDir, or pass the stack's fleetLogDir (${stack.fleetLogDir})`,
    });
  }
  const runId = options.runId ?? stack.runId;
  const containerLogDir = join(dirname(stack.dir), 'fleet-containers');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(containerLogDir, { recursive: true });

  const image = await ensureNodeImage({ name: FLEET_IMAGE_NAME, entry: FLEET_ENTRY, log });
  const client = await getContainerRuntimeClient();
  const otlpPort = COMPONENT_SPECS['otel-collector'].containerPorts['otlp-http'] ?? 4318;
  const otlp = stack.components.has('otel-collector') ? [`--otlp`, `http://otel-collector:${otlpPort}`] : [];
  // The files in the shared log directory belong to the harness's user, not root.
  const user =
    process.getuid && process.getuid() !== 0 ? `${process.getuid()}:${process.getgid?.() ?? 0}` : undefined;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;

  const containers = new Map<ServiceName, StartedTestContainer>();
  const sweep = async (): Promise<void> => void (await removeFleetContainers(client, runId));
  const live: { fleet?: ContainerFleet } = {};
  // Ctrl-C: a started fleet stops gracefully (its last spans flushed); a half-started one is removed.
  const unregister = onShutdown(() => (live.fleet ? live.fleet[Symbol.asyncDispose]() : sweep()));
  const outcomes = await Promise.allSettled(
    SERVICE_NAMES.map(async (service) => {
      const logFile = join(containerLogDir, `${service}.log`);
      let container = fleetServiceContainer({
        image,
        runId,
        network,
        service,
        otlp,
        logDir,
        startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
      }).withLogConsumer((stream: Readable) => stream.pipe(createWriteStream(logFile, { flags: 'a' })));
      if (user) container = container.withUser(user);
      try {
        containers.set(service, await container.start());
      } catch (error) {
        const tail = existsSync(logFile)
          ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n')
          : '';
        throw new HarnessError(
          `${service} (${image}) did not become ready: ${(error as Error).message}\n--- last lines of ${logFile} ---\n${tail}`,
          { where: logFile, hint: `the container's output is in ${logFile}` },
        );
      }
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await sweep();
    unregister();
    throw failed.reason;
  }
  await warnIfPublishedBeyondLoopback(client, containers.get('orchestrator-service')?.getId(), log);
  log(`  ${containers.size} fleet containers ready in ${Date.now() - started}ms (${image})`);

  const services = new Map<ServiceName, ContainerServiceInfo>();
  for (const service of SERVICE_NAMES) {
    const container = containers.get(service);
    if (!container) continue;
    const port = container.getMappedPort(FLEET_CONTAINER_PORT);
    services.set(service, {
      url: `http://${LOOPBACK}:${port}`,
      port,
      logFile: join(logDir, service, `${service}.log`),
      containerId: container.getId(),
    });
  }
  live.fleet = new ContainerFleet(
    services,
    containers,
    image,
    Date.now() - started,
    stopTimeoutMs,
    async () => {
      await sweep();
      unregister();
    },
  );
  return live.fleet;
}

class ContainerFleet implements StartedContainerFleet {
  private disposed: Promise<void> | undefined;
  readonly threads: number;

  constructor(
    readonly services: ReadonlyMap<ServiceName, ContainerServiceInfo>,
    private readonly containers: ReadonlyMap<ServiceName, StartedTestContainer>,
    readonly image: string,
    readonly readyMs: number,
    private readonly stopTimeoutMs: number,
    private readonly finish: () => Promise<void>,
  ) {
    this.threads = services.size;
  }

  get entryUrl(): string {
    return this.info('orchestrator-service').url;
  }

  scrapeTargets(): ScrapeTargetGroup[] {
    return [];
  }

  private info(service: ServiceName): ContainerServiceInfo {
    const info = this.services.get(service);
    if (!info) {
      throw new HarnessError(`${service} is not part of this fleet`, {
        where: 'stack fleet-containers',
        hint: `running: ${[...this.services.keys()].join(', ')}`,
      });
    }
    return info;
  }

  /** One call to a service's admin API; the answer's JSON body (`{}` when it has none). */
  private async admin(
    service: ServiceName,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; url: string }> {
    const url = `${this.info(service).url}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS),
      });
    } catch (error) {
      throw new HarnessError(`${service} did not answer ${method} ${url}: ${(error as Error).message}`, {
        where: url,
        hint: `is its container still running? (docker ps --filter label=${FLEET_SERVICE_CONTAINER_LABEL}=${service})`,
      });
    }
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { error: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed, url };
  }

  async setFault(service: ServiceName, fault: ContainerFleetFault): Promise<void> {
    const answer = await this.admin(service, 'POST', '/admin/faults', fault);
    if (answer.status === 200) return;
    const available = answer.body['available'];
    const field = answer.body['field'];
    throw new HarnessError(
      `cannot set fault on ${service}: ${String(answer.body['error'] ?? answer.status)}`,
      {
        where: `${service} ${answer.url}`,
        ...(Array.isArray(available)
          ? { hint: `valid ${typeof field === 'string' ? field : 'values'}: ${available.join(', ')}` }
          : {}),
      },
    );
  }

  async clearFaults(service?: ServiceName, name?: string): Promise<void> {
    const path = name ? `/admin/faults/${encodeURIComponent(name)}` : '/admin/faults';
    const targets = service ? [service] : [...this.services.keys()];
    await Promise.all(
      targets.map(async (s) => {
        const answer = await this.admin(s, 'DELETE', path);
        if (answer.status !== 200) {
          throw new HarnessError(
            `cannot clear faults on ${s}: ${String(answer.body['error'] ?? answer.status)}`,
            {
              where: `${s} ${answer.url}`,
            },
          );
        }
      }),
    );
  }

  async activeFaults<F extends ContainerFleetFault = ContainerFleetFault>(
    service: ServiceName,
  ): Promise<F[]> {
    const answer = await this.admin(service, 'GET', '/admin/faults');
    const active = answer.body['active'];
    if (answer.status !== 200 || !Array.isArray(active)) {
      throw new HarnessError(`${service} answered ${answer.status} to GET /admin/faults`, {
        where: answer.url,
      });
    }
    return active as F[];
  }

  async flush(): Promise<void> {
    const answers = await Promise.all(
      [...this.services.keys()].map((s) =>
        this.admin(s, 'POST', '/admin/flush').then(
          (a) => (a.status === 200 ? undefined : `${s}: ${String(a.body['error'] ?? a.status)}`),
          (error: Error) => `${s}: ${error.message}`,
        ),
      ),
    );
    const failures = answers.filter((a): a is string => a !== undefined);
    if (failures.length > 0) {
      throw new HarnessError(`${failures.length} service(s) could not flush: ${failures.join('; ')}`, {
        where: 'POST /admin/flush',
      });
    }
  }

  /**
   * Stops every service gracefully (SIGTERM: it stops accepting, flushes its spans and logs, exits),
   * callers before the services they call, then removes the containers (and any the label finds).
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.disposed ??= this.close();
    return this.disposed;
  }

  private async close(): Promise<void> {
    try {
      const open = new Set(this.containers.keys());
      while (open.size > 0) {
        const called = new Set([...open].flatMap((s) => callTargets(s)));
        let stage = [...open].filter((s) => !called.has(s));
        if (stage.length === 0) stage = [...open];
        await Promise.all(
          stage.map((s) =>
            this.containers
              .get(s)
              ?.stop({ timeout: this.stopTimeoutMs })
              .catch(() => undefined),
          ),
        );
        for (const s of stage) open.delete(s);
      }
    } finally {
      await this.finish();
    }
  }
}

/** What one fleet container needs besides its image: the run, the network, its service, where to log. */
export interface FleetServiceContainerOptions {
  image: string;
  runId: string;
  network: string;
  service: ServiceName;
  /** `['--otlp', url]` when the stack has a Collector, else `[]`. */
  otlp: string[];
  logDir: string;
  startupTimeoutMs: number;
}

/**
 * One fleet service's container, not started (tests inspect what it would send Docker). It listens
 * on every interface inside the container (peers reach it by DNS name on the run's network); its
 * published port binds to 127.0.0.1 only (LoopbackContainer), whatever the daemon's `--ip`.
 */
export function fleetServiceContainer(o: FleetServiceContainerOptions): LoopbackContainer {
  return (
    new LoopbackContainer(o.image)
      .withName(`phoenix-fleet-${o.runId}-${o.service}`)
      .withNetworkMode(o.network)
      .withNetworkAliases(o.service)
      .withLabels({ ...ownerLabels(o.runId), [FLEET_SERVICE_CONTAINER_LABEL]: o.service })
      .withCommand([
        '--service',
        o.service,
        '--port',
        String(FLEET_CONTAINER_PORT),
        '--host',
        '0.0.0.0',
        '--peers',
        'dns',
        ...o.otlp,
        '--log-dir',
        FLEET_LOG_DIR,
        '--logs',
        'file',
      ])
      .withBindMounts([{ source: o.logDir, target: FLEET_LOG_DIR, mode: 'rw' }])
      .withExposedPorts(FLEET_CONTAINER_PORT)
      .withPullPolicy({ shouldPull: () => false })
      // Scratch has no shell for the default port wait; a short read timeout is also the poll interval.
      .withWaitStrategy(
        Wait.forHttp('/healthz', FLEET_CONTAINER_PORT, { abortOnContainerExit: true })
          .forStatusCode(200)
          .withReadTimeout(250),
      )
      .withStartupTimeout(o.startupTimeoutMs)
  );
}

/** Removes the fleet containers of a run (whatever state they are in). */
async function removeFleetContainers(client: ContainerRuntimeClient, runId: string): Promise<number> {
  const docker = client.container.dockerode;
  const filters = JSON.stringify({ label: [`${LABEL.runId}=${runId}`, FLEET_SERVICE_CONTAINER_LABEL] });
  let removed = 0;
  for (const info of await docker.listContainers({ all: true, filters })) {
    await docker
      .getContainer(info.Id)
      .remove({ force: true, v: true })
      .then(() => (removed += 1))
      .catch(() => undefined);
  }
  return removed;
}

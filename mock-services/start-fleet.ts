import { availableParallelism } from 'node:os';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SERVICE_NAMES, callTargets, type MetricDef, type ServiceName } from '../catalog/index.ts';
import { HarnessError, LOOPBACK, SERVICE_LABEL, isPortFree } from '../core/index.ts';
import type { Fault, FaultName } from './fault-set.ts';
import { LocalServiceHost, type HostSettings, type ServiceHost, type ServiceInfo } from './service-host.ts';
import { WorkerServiceHost } from './worker-service-host.ts';

export { CONTAINER_PORT } from './service-host.ts';

/**
 * Relative CPU cost of each service per plan_and_execute (server handling + calls it makes), for
 * spreading services over threads: the orchestrator makes six calls, data-router three or four.
 */
const SERVICE_COST: Readonly<Record<ServiceName, number>> = {
  'orchestrator-service': 7,
  'data-router': 4,
  'llm-service': 1.2,
  'safety-service': 1,
  'context-manager': 1,
  'tools-service': 1,
  executor: 1,
  reflection: 1,
  'mind-kb': 0.4,
  'body-kb': 0.4,
  'heart-kb': 0.4,
  'social-kb': 0.4,
  'soul-kb': 0.4,
  'logging-service': 0.1,
};

export interface FleetOptions {
  /** OTLP/HTTP base URL of the Collector, e.g. `http://127.0.0.1:4318`; omitted = spans and logs are not exported. */
  otlpHttpEndpoint?: string;
  /** Root of the per-service log files `<logDir>/<service>/<service>.log`; omitted = no files. */
  logDir?: string;
  /** Which services to run (default: all 14). */
  services?: readonly ServiceName[];
  /** Fixed ports; a service not listed gets a free port from the OS. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Listen address (default 127.0.0.1; `0.0.0.0` in a container). */
  host?: string;
  /** false = no spans, no logs, no metric updates: the baseline of the overhead benchmark (default true). */
  instrumentation?: boolean;
  /** Export log records over OTLP (default true). */
  logsViaOtlp?: boolean;
  /** Append JSON log lines to `logDir` (default true; needs `logDir`). */
  logsToFile?: boolean;
  /**
   * How a service reaches the others: `local` (default) = the fleet's own listeners (a service not
   * in this fleet is unreachable: calls to it answer 503); `dns` = `http://<name>:8080` (containers);
   * or explicit base URLs per service, the rest local.
   */
  peers?: 'local' | 'dns' | Partial<Record<ServiceName, string>>;
  /**
   * Threads the services are spread over, inside this one process (default 1; at most the cores
   * there are; always 1 with an exporter factory, whose exporters live in this thread). Every hop
   * is TCP either way, so a call between threads costs what one inside a thread does.
   */
  threads?: number;
  /** Replaces the OTLP span exporter of each service (tests: an InMemorySpanExporter). */
  spanExporterFactory?: (service: ServiceName) => SpanExporter;
  /** Replaces the OTLP log exporter of each service (tests: an InMemoryLogRecordExporter). */
  logExporterFactory?: (service: ServiceName) => LogRecordExporter;
  /** Per-export deadline of the OTLP exporters, so an absent Collector cannot hold an export for long (default 10 s). */
  exportTimeoutMs?: number;
  /** How long disposal waits for the last spans and logs to be exported (default 5 s). */
  flushTimeoutMs?: number;
  /** The metric catalog (default: catalog METRICS). */
  metrics?: readonly MetricDef[];
}

export type FleetServiceInfo = ServiceInfo;

/** A Prometheus file_sd target group (the same shape as stack/'s ScrapeTargetGroup). */
export interface FleetScrapeTargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

export interface StartedFleet extends AsyncDisposable {
  readonly services: ReadonlyMap<ServiceName, FleetServiceInfo>;
  /** The orchestrator's base URL (k6's BASE_URL); throws when the orchestrator is not in this fleet. */
  readonly entryUrl: string;
  /** Threads the services run on. */
  readonly threads: number;
  /** One target group per service: `host:port` with label `phoenix_service=<name>`. */
  scrapeTargets(): FleetScrapeTargetGroup[];
  /** Switches a fault on at one service; throws a HarnessError naming the bad field. */
  setFault(service: ServiceName, fault: { name: FaultName } & Record<string, unknown>): Promise<void>;
  /** Clears faults: every fault everywhere, every fault of one service, or one fault of one service. */
  clearFaults(service?: ServiceName, name?: FaultName): Promise<void>;
  activeFaults(service: ServiceName): Promise<Fault[]>;
  /** Exports every buffered span and log record now. */
  flush(): Promise<void>;
}

/** Starts the mock fleet: each service on its own port, all in this process. */
export async function startFleet(options: FleetOptions = {}): Promise<StartedFleet> {
  const host = options.host ?? LOOPBACK;
  const names = [...new Set(options.services ?? SERVICE_NAMES)];
  for (const name of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new HarnessError(`unknown service "${name}"`, {
        where: 'mock-services startFleet',
        hint: `use one of ${SERVICE_NAMES.join(', ')}`,
      });
    }
  }
  await refuseTakenPorts(names, options.ports ?? {}, host);
  const hooks = {
    spanExporterFactory: options.spanExporterFactory,
    logExporterFactory: options.logExporterFactory,
  };
  const inThisThread = hooks.spanExporterFactory !== undefined || hooks.logExporterFactory !== undefined;
  const threads = inThisThread
    ? 1
    : Math.max(1, Math.min(options.threads ?? 1, availableParallelism(), names.length));
  const settings = (services: readonly ServiceName[]): HostSettings => ({
    services,
    host,
    ports: options.ports ?? {},
    instrumentation: options.instrumentation ?? true,
    otlpHttpEndpoint: options.otlpHttpEndpoint,
    logDir: options.logDir,
    logsViaOtlp: options.logsViaOtlp ?? true,
    logsToFile: options.logsToFile ?? true,
    peers: options.peers ?? 'local',
    exportTimeoutMs: options.exportTimeoutMs ?? 10_000,
    metrics: options.metrics,
  });

  const hosts: ServiceHost[] = [];
  try {
    if (threads === 1) hosts.push(await LocalServiceHost.start(settings(names), hooks));
    else {
      const started = await Promise.allSettled(
        spread(names, threads).map((g) => WorkerServiceHost.start(settings(g))),
      );
      for (const s of started) if (s.status === 'fulfilled') hosts.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const ports = Object.fromEntries(hosts.flatMap((h) => [...h.services].map(([n, i]) => [n, i.port])));
    await Promise.all(hosts.map((h) => h.setPeerPorts(ports)));
  } catch (error) {
    await Promise.allSettled(hosts.map(async (h) => (await h.stopServing(names), await h.close())));
    throw error;
  }
  return new Fleet(hosts, host, threads, options.flushTimeoutMs ?? 5_000);
}

/** Greedy split of the services over threads by SERVICE_COST, heaviest first onto the lightest thread. */
function spread(names: readonly ServiceName[], threads: number): ServiceName[][] {
  const groups = Array.from({ length: threads }, () => ({ cost: 0, services: [] as ServiceName[] }));
  for (const name of [...names].sort((a, b) => SERVICE_COST[b] - SERVICE_COST[a])) {
    const lightest = groups.reduce((min, g) => (g.cost < min.cost ? g : min));
    lightest.cost += SERVICE_COST[name];
    lightest.services.push(name);
  }
  return groups.map((g) => g.services).filter((g) => g.length > 0);
}

async function refuseTakenPorts(
  names: readonly ServiceName[],
  ports: Partial<Record<ServiceName, number>>,
  host: string,
): Promise<void> {
  const seen = new Map<number, ServiceName>();
  for (const name of names) {
    const port = ports[name];
    if (port === undefined || port === 0) continue;
    const other = seen.get(port);
    if (other) {
      throw new HarnessError(`${name} and ${other} were both given port ${port}`, {
        where: 'mock-services startFleet',
        hint: 'give each service its own port, or omit it to get a free one',
      });
    }
    seen.set(port, name);
    if (!(await isPortFree(port, host))) {
      throw new HarnessError(`port ${port} for ${name} is taken on ${host}`, {
        where: 'mock-services startFleet',
        hint: `stop whatever listens on ${host}:${port}, or omit ${name} from \`ports\` to get a free port`,
      });
    }
  }
}

class Fleet implements StartedFleet {
  private disposed: Promise<void> | undefined;
  private readonly hostOf = new Map<ServiceName, ServiceHost>();
  readonly services: ReadonlyMap<ServiceName, FleetServiceInfo>;

  constructor(
    private readonly hosts: readonly ServiceHost[],
    private readonly host: string,
    readonly threads: number,
    private readonly flushTimeoutMs: number,
  ) {
    const services = new Map<ServiceName, FleetServiceInfo>();
    for (const h of hosts) {
      for (const [name, info] of h.services) {
        this.hostOf.set(name, h);
        services.set(name, info);
      }
    }
    // Catalog order, whatever thread a service landed on.
    this.services = new Map(SERVICE_NAMES.filter((n) => services.has(n)).map((n) => [n, services.get(n)!]));
  }

  get entryUrl(): string {
    return this.info('orchestrator-service').url;
  }

  scrapeTargets(): FleetScrapeTargetGroup[] {
    const targetHost = this.host === '0.0.0.0' || this.host === '::' ? LOOPBACK : this.host;
    return [...this.services].map(([name, s]) => ({
      targets: [`${targetHost}:${s.port}`],
      labels: { [SERVICE_LABEL]: name },
    }));
  }

  private info(name: ServiceName): FleetServiceInfo {
    const info = this.services.get(name);
    if (!info) throw this.notHere(name);
    return info;
  }

  private hostFor(name: ServiceName): ServiceHost {
    const h = this.hostOf.get(name);
    if (!h) throw this.notHere(name);
    return h;
  }

  private notHere(name: ServiceName): HarnessError {
    return new HarnessError(`${name} is not part of this fleet`, {
      where: 'mock-services',
      hint: `running: ${[...this.services.keys()].join(', ')}`,
    });
  }

  async setFault(service: ServiceName, fault: { name: FaultName } & Record<string, unknown>): Promise<void> {
    const result = await this.hostFor(service).setFault(service, fault);
    if (!result.ok) {
      throw new HarnessError(`cannot set fault on ${service}: ${result.error}`, {
        where: `mock-services ${service} /admin/faults`,
        ...(result.available
          ? { hint: `valid ${result.field ?? 'values'}: ${result.available.join(', ')}` }
          : {}),
      });
    }
  }

  async clearFaults(service?: ServiceName, name?: FaultName): Promise<void> {
    if (service) return this.hostFor(service).clearFaults(service, name);
    await Promise.all(this.hosts.map((h) => h.clearFaults(undefined, name)));
  }

  activeFaults(service: ServiceName): Promise<Fault[]> {
    return this.hostFor(service).activeFaults(service);
  }

  async flush(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.flush()));
  }

  /**
   * Stops accepting, lets in-flight requests finish, flushes all telemetry and closes the log files.
   * Callers stop before the services they call, so a request in flight still finds its peers.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.disposed ??= this.close();
    return this.disposed;
  }

  private async close(): Promise<void> {
    const open = new Set(this.services.keys());
    while (open.size > 0) {
      const called = new Set([...open].flatMap((s) => callTargets(s)));
      let stage = [...open].filter((s) => !called.has(s));
      // A call cycle (none today) would leave no caller-free service: stop the rest together.
      if (stage.length === 0) stage = [...open];
      await Promise.all(
        this.hosts.map((h) => {
          const mine = stage.filter((s) => h.services.has(s));
          return mine.length > 0 ? h.stopServing(mine) : undefined;
        }),
      );
      for (const s of stage) open.delete(s);
    }
    await Promise.all(this.hosts.map((h) => h.shutdownTelemetry(this.flushTimeoutMs)));
    await Promise.all(this.hosts.map((h) => h.close()));
  }
}

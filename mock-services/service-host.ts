import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { METRICS, type MetricDef, type ServiceName } from '../catalog/index.ts';
import { LOOPBACK } from '../core/index.ts';
import { BEHAVIOURS } from './behaviours/index.ts';
import type { Fault, FaultName, FaultParseResult } from './fault-set.ts';
import { MockService } from './mock-service.ts';
import type { PeerAddress } from './peer-client.ts';

/** The port every service listens on inside a container, where peers are reached by DNS name. */
export const CONTAINER_PORT = 8080;

/** Where one started service listens. */
export interface ServiceInfo {
  url: string;
  port: number;
  /** Its JSON log file, when it writes one. */
  logFile: string | undefined;
}

/** Everything a host needs to start its services; plain data, so it can cross into a worker thread. */
export interface HostSettings {
  services: readonly ServiceName[];
  host: string;
  ports: Partial<Record<ServiceName, number>>;
  instrumentation: boolean;
  otlpHttpEndpoint: string | undefined;
  logDir: string | undefined;
  logsViaOtlp: boolean;
  logsToFile: boolean;
  /** `local`, `dns`, or explicit base URLs (the rest local). */
  peers: 'local' | 'dns' | Partial<Record<ServiceName, string>>;
  exportTimeoutMs: number;
  metrics: readonly MetricDef[] | undefined;
}

/** Test hooks that cannot cross a thread boundary (they hold live objects). */
export interface HostHooks {
  spanExporterFactory?: ((service: ServiceName) => SpanExporter) | undefined;
  logExporterFactory?: ((service: ServiceName) => LogRecordExporter) | undefined;
}

/**
 * A group of services run by one thread: the fleet talks to each host the same way whether it
 * runs in this thread (LocalServiceHost) or in a worker (WorkerServiceHost).
 */
export interface ServiceHost {
  /** The services it runs and where they listen. */
  readonly services: ReadonlyMap<ServiceName, ServiceInfo>;
  /** The fleet-wide port of every service, for reaching peers in other hosts. */
  setPeerPorts(ports: Partial<Record<ServiceName, number>>): Promise<void>;
  setFault(service: ServiceName, fault: unknown): Promise<FaultParseResult>;
  clearFaults(service: ServiceName | undefined, name: FaultName | undefined): Promise<void>;
  activeFaults(service: ServiceName): Promise<Fault[]>;
  flush(): Promise<void>;
  stopServing(services: readonly ServiceName[]): Promise<void>;
  shutdownTelemetry(flushTimeoutMs: number): Promise<void>;
  /** Releases the host itself (a worker thread exits). */
  close(): Promise<void>;
}

/** Services in this thread. */
export class LocalServiceHost implements ServiceHost {
  private readonly running = new Map<ServiceName, MockService>();
  private readonly peerPorts = new Map<ServiceName, number>();

  private constructor(private readonly settings: HostSettings) {}

  /** Creates the services and binds their ports (port 0 = the OS picks one at bind time). */
  static async start(settings: HostSettings, hooks: HostHooks = {}): Promise<LocalServiceHost> {
    const host = new LocalServiceHost(settings);
    const resolvePeer = host.peerResolver();
    for (const name of settings.services) {
      host.running.set(
        name,
        new MockService({
          service: name,
          host: settings.host,
          port: settings.ports[name] ?? 0,
          behaviour: BEHAVIOURS[name],
          metricDefs: settings.metrics ?? METRICS,
          instrumentation: settings.instrumentation,
          otlpHttpEndpoint: settings.otlpHttpEndpoint,
          logDir: settings.logDir,
          logsViaOtlp: settings.logsViaOtlp,
          logsToFile: settings.logsToFile,
          spanExporter: hooks.spanExporterFactory?.(name),
          logExporter: hooks.logExporterFactory?.(name),
          exportTimeoutMs: settings.exportTimeoutMs,
          resolvePeer,
        }),
      );
    }
    try {
      await Promise.all([...host.running.values()].map((s) => s.listen()));
    } catch (error) {
      await Promise.allSettled([...host.running.values()].map((s) => s.close(0, 0)));
      throw error;
    }
    for (const [name, s] of host.running) host.peerPorts.set(name, s.port);
    return host;
  }

  get services(): ReadonlyMap<ServiceName, ServiceInfo> {
    return new Map(
      [...this.running].map(([name, s]) => [name, { url: s.url, port: s.port, logFile: s.logFile }]),
    );
  }

  async setPeerPorts(ports: Partial<Record<ServiceName, number>>): Promise<void> {
    for (const [name, port] of Object.entries(ports) as [ServiceName, number][])
      this.peerPorts.set(name, port);
  }

  private service(name: ServiceName): MockService {
    const s = this.running.get(name);
    if (!s) throw new Error(`${name} does not run in this host`);
    return s;
  }

  setFault(service: ServiceName, fault: unknown): Promise<FaultParseResult> {
    return this.service(service).setFault(fault);
  }

  async clearFaults(service: ServiceName | undefined, name: FaultName | undefined): Promise<void> {
    const targets = service ? [this.service(service)] : [...this.running.values()];
    await Promise.all(targets.map((s) => s.clearFaults(name)));
  }

  async activeFaults(service: ServiceName): Promise<Fault[]> {
    return this.service(service).activeFaults();
  }

  async flush(): Promise<void> {
    await Promise.all([...this.running.values()].map((s) => s.flush()));
  }

  async stopServing(services: readonly ServiceName[]): Promise<void> {
    await Promise.all(services.map((name) => this.running.get(name)?.stopServing()));
  }

  async shutdownTelemetry(flushTimeoutMs: number): Promise<void> {
    await Promise.all([...this.running.values()].map((s) => s.shutdownTelemetry(flushTimeoutMs)));
  }

  async close(): Promise<void> {}

  /** Where a peer listens, resolved at call time (other hosts' ports arrive after start). */
  private peerResolver(): (service: ServiceName) => PeerAddress | undefined {
    const { peers, host } = this.settings;
    // A service bound to every interface is still reached over loopback.
    const hostname = host === '0.0.0.0' || host === '::' ? LOOPBACK : host;
    const local = (s: ServiceName): PeerAddress | undefined => {
      const port = this.peerPorts.get(s);
      return port === undefined ? undefined : { hostname, port };
    };
    if (peers === 'local') return local;
    if (peers === 'dns') return (s) => ({ hostname: s, port: CONTAINER_PORT });
    const explicit = new Map<ServiceName, PeerAddress>();
    for (const [name, url] of Object.entries(peers) as [ServiceName, string][]) {
      const u = new URL(url);
      explicit.set(name, {
        hostname: u.hostname,
        port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
      });
    }
    return (s) => explicit.get(s) ?? local(s);
  }
}

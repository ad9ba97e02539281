/**
 * The mock Phoenix fleet as a library: 14 instrumented services (docs/fleet-api.md), started in this
 * process, or as containers beside a docker-runner stack, with faults switched on before use.
 */
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '../catalog/index.ts';
import { HarnessError, untilAborted } from '../core/index.ts';
import { FAULT_NAMES, startFleet, type FaultName, type StartedFleet } from '../mock-services/index.ts';
import { startContainerFleet, type StartedContainerFleet } from '../stack/index.ts';
import { waitForFleetScraped, type FleetControl } from '../validators/index.ts';
import { positiveMs, startOnce, type StartedObservabilityStack } from './observability-stack.ts';

/** A fault switched on at one service: `{ service: 'data-router', name: 'latency', params: { ms: 200 } }`. */
export interface InjectedFault {
  service: ServiceName;
  name: FaultName;
  params?: Record<string, unknown>;
}

/** harness.config.ts's default ingest timeout: how long the first scrape of every service may take. */
const DEFAULT_SCRAPE_TIMEOUT_MS = 30_000;

/**
 * Builds and starts the mock fleet. With a stack (`withStack`), spans and logs go to its Collector,
 * Prometheus scrapes every service, and start() resolves once each was scraped once (so counters
 * have a baseline before the load); on a docker-runner stack the services run as containers.
 */
export class PhoenixFleet {
  private stack: StartedObservabilityStack | undefined;
  private faults: InjectedFault[] = [];
  private scrapeTimeoutMs = DEFAULT_SCRAPE_TIMEOUT_MS;
  private awaitFirstScrape = true;
  private log: (line: string) => void = () => undefined;
  private started = false;

  /** The stack the fleet reports to. Without one, the services run but export nothing. */
  withStack(stack: StartedObservabilityStack): this {
    this.stack = stack;
    return this;
  }

  /** Faults switched on, in order, once every service answers (before start() resolves). */
  withFaults(...faults: InjectedFault[]): this {
    for (const fault of faults) {
      if (!(SERVICE_NAMES as readonly string[]).includes(fault?.service))
        throw new HarnessError(`withFaults: unknown service ${JSON.stringify(fault?.service)}`, {
          where: 'phoenix-observability-harness API',
          hint: `services: ${SERVICE_NAMES.join(', ')}`,
        });
      if (!(FAULT_NAMES as readonly string[]).includes(fault.name))
        throw new HarnessError(`withFaults: unknown fault ${JSON.stringify(fault.name)}`, {
          where: 'phoenix-observability-harness API',
          hint: `faults: ${FAULT_NAMES.join(', ')}`,
        });
    }
    this.faults.push(...faults);
    return this;
  }

  /** How long start() waits for Prometheus's first scrape of every service (default 30 000 ms). */
  withScrapeTimeout(ms: number): this {
    this.scrapeTimeoutMs = positiveMs('withScrapeTimeout', ms);
    return this;
  }

  /**
   * Whether start() waits for Prometheus' first scrape of every service (default true). A run that
   * loads a fleet it just started may say false: its counters start at 0 and a series born during
   * the load is counted from 0, so the load need not wait for Prometheus' target-update tick (5 s).
   */
  withBaselineScrape(wait: boolean): this {
    this.awaitFirstScrape = wait;
    return this;
  }

  /** Progress lines of the start (image builds, each fault switched on). */
  withLogger(log: (line: string) => void): this {
    this.log = log;
    return this;
  }

  /**
   * Starts the services; a fault the service refuses stops the fleet and rejects naming the field.
   * Aborting `signal` while faults are switched on or the first scrape is awaited stops the fleet
   * and rejects with the signal's reason.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<StartedPhoenixFleet> {
    const { signal } = options;
    startOnce('PhoenixFleet', this.started);
    this.started = true;
    const stack = this.stack;
    const handle = await startHandle(stack, this.log);
    const fleet = new StartedPhoenixFleet(handle);
    try {
      stack?.handle.setScrapeTargets(handle.scrapeTargets());
      for (const fault of this.faults) {
        await untilAborted(fleet.setFault(fault.service, { name: fault.name, ...fault.params }), signal);
        this.log(`fault on: ${fault.service} ${fault.name} ${JSON.stringify(fault.params ?? {})}`);
      }
      const prometheus = stack?.clients().prometheus;
      if (prometheus && this.awaitFirstScrape) {
        const scraped = await untilAborted(
          waitForFleetScraped(prometheus, handle.services.size, this.scrapeTimeoutMs),
          signal,
        );
        fleet.baselineScraped = scraped.ok;
      }
      return fleet;
    } catch (error) {
      await fleet.stop();
      throw error;
    }
  }
}

/**
 * Docker: one container per service, found by Prometheus through the seed's DNS names; the harness
 * reaches them on 127.0.0.1 only. Local: one process, each service on a loopback port.
 */
function startHandle(
  stack: StartedObservabilityStack | undefined,
  log: (line: string) => void,
): Promise<StartedFleet | StartedContainerFleet> {
  if (stack?.runner === 'docker') return startContainerFleet(stack.handle, { log });
  if (!stack) return startFleet({});
  return startFleet({
    otlpHttpEndpoint: stack.collector.otlpHttpUrl,
    logDir: stack.handle.fleetLogDir ?? join(stack.runDir, 'fleet-logs'),
    // One log path into the log store (the seed's: JSON files shipped by the Collector), so no line is counted twice.
    logsViaOtlp: false,
    logsToFile: true,
  });
}

/** A started fleet: its entry URL, fault control, flush, stop() and `await using`. */
export class StartedPhoenixFleet implements FleetControl, AsyncDisposable {
  /** With a stack: whether Prometheus scraped every service once before start() resolved (undefined: not awaited). */
  baselineScraped: boolean | undefined;
  private stopping: Promise<void> | undefined;

  /** @param handle mock-services' StartedFleet, or stack/'s StartedContainerFleet on the docker runner */
  constructor(readonly handle: StartedFleet | StartedContainerFleet) {}

  /** The orchestrator's base URL: where the load (k6's BASE_URL) goes. */
  get entryUrl(): string {
    return this.handle.entryUrl;
  }

  /** The services running, each with its base URL. */
  get services(): ReadonlyMap<ServiceName, { url: string }> {
    return this.handle.services;
  }

  /** Switches a fault on at one service (docs/fleet-api.md); a bad field is a HarnessError naming it. */
  setFault(service: ServiceName, fault: { name: FaultName } & Record<string, unknown>): Promise<void> {
    return this.handle.setFault(service, fault);
  }

  /** Clears every fault of one service (only the one named, with `name`), or of every service. */
  clearFaults(service?: ServiceName, name?: FaultName): Promise<void> {
    return this.handle.clearFaults(service, name);
  }

  /** Every fault switched on now, by service (the drills' steady state needs a fault-free load). */
  async listFaults(): Promise<{ service: ServiceName; name: string }[]> {
    const services = [...this.handle.services.keys()];
    const faults = await Promise.all(
      services.map(async (service) =>
        (await this.handle.activeFaults(service)).map((f) => ({ service, name: String(f.name) })),
      ),
    );
    return faults.flat();
  }

  /** Exports every buffered span and log record now (before validating). */
  flush(): Promise<void> {
    return this.handle.flush();
  }

  /** Stops every service; calling it again waits for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= Promise.resolve(this.handle[Symbol.asyncDispose]());
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

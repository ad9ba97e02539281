import type { StackComponentName } from '../spec/index.ts';
import type { WebhookSink } from '../webhook-sink.ts';

export type RunnerKind = 'local' | 'docker' | 'external';

/** A started component: typed getters computed from live state (testcontainers-style). */
export interface StartedComponent {
  readonly name: StackComponentName;
  readonly version: string;
  /** Main base URL (query API, or OTLP/HTTP for the Collector). */
  getUrl(): string;
  /** The readiness/health URL the runner waited on. */
  getHealthUrl(): string;
  /** Every named endpoint (`otlp-grpc`, `metrics`, …) as a URL or host:port. */
  getEndpoints(): Record<string, string>;
  /** Milliseconds from launch to the readiness probe answering. */
  readonly readyMs: number;
  /** Process id (local runner) for resource measurements; undefined for containers and external stacks. */
  readonly pid: number | undefined;
  /** Where its stdout/stderr go. */
  readonly logFile: string | undefined;
  stop(): Promise<void>;
}

/** A file_sd target group for Prometheus's phoenix-services job. */
export interface ScrapeTargetGroup {
  targets: string[];
  labels?: Record<string, string>;
}

export interface StartedStack extends AsyncDisposable {
  readonly runId: string;
  readonly runner: RunnerKind;
  /** `<out>/<run-id>/stack/`. */
  readonly dir: string;
  /** JSON file mapping component names (and `name.endpoint`) to URLs. */
  readonly endpointsFile: string;
  readonly components: ReadonlyMap<StackComponentName, StartedComponent>;
  readonly sink: WebhookSink;
  /** Milliseconds from the start call until every component answered its readiness probe. */
  readonly readyMs: number;
  component(name: StackComponentName): StartedComponent;
  /** Flat map: `prometheus` → URL, `otel-collector.otlp-grpc` → host:port, … */
  endpoints(): Record<string, string>;
  /**
   * Extra HTTP headers per backend, keyed like `endpoints()` (`{ grafana: { Authorization: 'Basic …' } }`),
   * for `createClients(endpoints, headers)`. Made per run; secret: never print them or write them to a file.
   */
  credentials(): Record<string, Record<string, string>>;
  /**
   * The address a harness-run server (fleet, probe) must bind to and advertise so Prometheus can
   * scrape it: 127.0.0.1 for local processes, the gateway of the harness's own Docker network for containers.
   */
  readonly scrapeTargetHost: string;
  /** Replaces the targets of the phoenix-services scrape job. */
  setScrapeTargets(groups: ScrapeTargetGroup[]): void;
  /** Stops one component (used to prove checks notice a dead backend). */
  stopComponent(name: StackComponentName): Promise<void>;
}

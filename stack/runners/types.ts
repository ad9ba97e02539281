import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { HarnessError } from '../../core/index.ts';
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
  /** Docker runner only: the network the harness created, where containers reach the stack by the seed's names. */
  readonly dockerNetwork?: string;
  /**
   * The host directory of the fleet's per-service log files (`<dir>/<service>/<service>.log`) that
   * the Collector's filelog receiver reads (`<out>/<run-id>/fleet-logs` unless the stack was told otherwise).
   */
  readonly fleetLogDir?: string;
  /** Replaces the targets of a file_sd scrape job: phoenix-services (default) or the harness's own probes. */
  setScrapeTargets(groups: ScrapeTargetGroup[], job?: 'phoenix-services' | 'harness-probes'): void;
  /** Stops one component (used to prove checks notice a dead backend). */
  stopComponent(name: StackComponentName): Promise<void>;
}

/** The flat endpoints map every runner writes to endpoints.json: `name` → main URL, `name.endpoint` → the others. */
export function flatEndpoints(
  components: Iterable<StartedComponent>,
  sinkUrl: string,
): Record<string, string> {
  const map: Record<string, string> = {};
  for (const c of components) {
    const eps = c.getEndpoints();
    map[c.name] = eps.url ?? '';
    for (const [k, v] of Object.entries(eps)) if (k !== 'url') map[`${c.name}.${k}`] = v;
  }
  map['webhook-sink'] = sinkUrl;
  return map;
}

/** Writes a file_sd file atomically (write, then rename) so Prometheus never reads half of it. */
export function writeTargetsFile(path: string, groups: ScrapeTargetGroup[]): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(groups));
  chmodSync(`${path}.tmp`, 0o644);
  renameSync(`${path}.tmp`, path);
}

/** The StartedStack methods both runners share, over their components and file_sd files. */
export function sharedStackMethods(parts: {
  components: ReadonlyMap<StackComponentName, StartedComponent>;
  scrapeTargetsFile: string;
  probeTargetsFile: string;
  stopAll: () => Promise<void>;
  unregister: () => void;
}): Pick<StartedStack, 'component' | 'setScrapeTargets' | 'stopComponent' | typeof Symbol.asyncDispose> {
  return {
    component(name) {
      const c = parts.components.get(name);
      if (!c)
        throw new HarnessError(
          `the stack has no ${name} (started: ${[...parts.components.keys()].join(', ')})`,
        );
      return c;
    },
    setScrapeTargets(groups, job = 'phoenix-services') {
      writeTargetsFile(job === 'phoenix-services' ? parts.scrapeTargetsFile : parts.probeTargetsFile, groups);
    },
    async stopComponent(name) {
      await parts.components.get(name)?.stop();
    },
    async [Symbol.asyncDispose]() {
      await parts.stopAll();
      parts.unregister();
    },
  };
}

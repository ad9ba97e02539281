import type { TraceStore } from '../../core/index.ts';
import type { ComponentName, UserImageName } from '../versions.ts';

/**
 * The embedded stack (all Apache-2.0, provisioned here): the components every runner starts by
 * default, named as the seed's docker-compose services (network aliases) where the seed has them.
 */
export const STACK_COMPONENTS = [
  'jaeger',
  'victorialogs',
  'prometheus',
  'alertmanager',
  'otel-collector',
] as const;
export type EmbeddedComponentName = (typeof STACK_COMPONENTS)[number];

/**
 * Components the harness never builds or runs from a local binary (AGPL-3.0): the docker runner
 * starts their official images, pulled by the user's own Docker, when the config asks for them.
 */
export const USER_IMAGE_COMPONENTS = ['loki', 'grafana'] as const;
export type UserImageComponentName = (typeof USER_IMAGE_COMPONENTS)[number];

export type StackComponentName = EmbeddedComponentName | UserImageComponentName;

/** Where the fleet's logs go: the embedded VictoriaLogs, or Loki (official image only). */
export const LOG_STORES = ['victorialogs', 'loki'] as const;
export type LogStore = (typeof LOG_STORES)[number];

/** Timing knobs shared by Prometheus and Alertmanager; production values come from the seed. */
export interface StackTiming {
  scrapeIntervalS: number;
  evaluationIntervalS: number;
  /** Alertmanager route timings. */
  groupWaitS: number;
  groupIntervalS: number;
  repeatIntervalS: number;
  resolveTimeoutS: number;
}

/** The seed's values (prometheus.yml and alertmanager.yml). */
export const PRODUCTION_TIMING: StackTiming = {
  scrapeIntervalS: 15,
  evaluationIntervalS: 15,
  groupWaitS: 30,
  groupIntervalS: 300,
  repeatIntervalS: 4 * 3600,
  resolveTimeoutS: 300,
};

/** The harness's default: fast enough that a validation run sees data within seconds. */
export const HARNESS_TIMING: StackTiming = {
  scrapeIntervalS: 2,
  evaluationIntervalS: 2,
  groupWaitS: 1,
  groupIntervalS: 5,
  repeatIntervalS: 3600,
  resolveTimeoutS: 60,
};

/** Where a runner places a component and how it reaches its peers. */
export interface RenderContext {
  /** Address this component binds to (127.0.0.1 for local processes, 0.0.0.0 inside a container). */
  bindHost: string;
  /** The port (inside the component's network namespace) for one of its named ports. */
  port(name: string): number;
  /** `host:port` at which this component reaches a peer's named port. */
  peer(component: StackComponentName | 'webhook-sink', portName: string): string;
  /** Directory (as the component sees it) holding its rendered config files. */
  configDir: string;
  /** Writable data directory as the component sees it. */
  dataDir: string;
  /** Directory of the fleet's per-service log files (for the Collector's filelog receiver). */
  fleetLogDir: string;
  /** Recording and alert rule files, as Prometheus sees them (globs allowed). */
  ruleFiles: string[];
  /** The file_sd file for the phoenix-services job, as Prometheus sees it. */
  scrapeTargetsFile: string;
  timing: StackTiming;
  /** Value for the Collector's `deployment.environment` resource attribute (seed: ${ENVIRONMENT}). */
  environment: string;
  /** The log store of this stack: where the Collector sends logs, what Prometheus scrapes, Grafana's log datasource. */
  logStore: LogStore;
  /** Where Jaeger keeps traces: in memory, or in Badger under its `dataDir`. */
  traceStore: TraceStore;
  /** One of the spec's `hostDirs` as the component sees it (local: the checkout's path; containers: a copy). */
  hostDir(name: string): string;
  /**
   * A random secret made for this run (the same value for the same name within a run). Pass it only
   * through `env` (never `files` or `args`, which end up on disk or in `ps`), and give the harness
   * what it needs to authenticate through `clientHeaders`.
   */
  secret(name: string): string;
}

export interface ReadinessProbe {
  port: string;
  path: string;
}

export interface RenderedComponent {
  /** Files to write into `configDir`, by file name. */
  files: Record<string, string>;
  /** Binary name inside the provisioned component (or the image's entrypoint in containers). */
  binary: string;
  args: string[];
  env?: Record<string, string>;
  /**
   * Arguments for the official image's own entrypoint, when they differ from `args` (which run the
   * binary directly, locally and in local images); `[]` keeps the image's default command.
   */
  imageArgs?: string[];
  readiness: ReadinessProbe;
  /** Named endpoints other code needs: `url` is the main one, e.g. `otlp-http`, `otlp-grpc`. */
  endpoints: Record<string, { port: string; path?: string; scheme: 'http' | 'grpc' }>;
  /**
   * Extra HTTP headers the harness must send to this component's API (e.g. Grafana's admin Basic
   * auth). Secret: the runner hands them out only through `StartedStack.credentials()`.
   */
  clientHeaders?: Record<string, string>;
}

/**
 * Where a component's program comes from: a component provisioned here (binary for the local
 * runner, official image or a local `FROM scratch` image for docker), or only the official image
 * the user's Docker pulls (stack/versions.ts USER_IMAGES) — never a local binary or local image.
 */
export type ComponentSource = { provisioned: ComponentName } | { userImage: UserImageName };

export interface ComponentSpec {
  name: StackComponentName;
  source: ComponentSource;
  /** Named ports, with the port each listens on inside a container (the seed's / upstream defaults). */
  containerPorts: Record<string, number>;
  /** Directories of this checkout the component reads (absolute paths), by name: see RenderContext.hostDir. */
  hostDirs?: Record<string, string>;
  render(ctx: RenderContext): RenderedComponent;
}

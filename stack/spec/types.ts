/** The components of the monitoring stack, named as the seed's docker-compose services (network aliases). */
export const STACK_COMPONENTS = [
  'jaeger',
  'loki',
  'prometheus',
  'alertmanager',
  'otel-collector',
  // Last, but not after the others: it needs its datasources' URLs only at query time, so it starts in parallel.
  'grafana',
] as const;
export type StackComponentName = (typeof STACK_COMPONENTS)[number];

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
  /** The component's `home` (see ComponentSpec.home) as it sees it; undefined when it declares none. */
  homeDir?: string;
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

export interface ComponentSpec {
  name: StackComponentName;
  /** The provisioned component that supplies the binary (see stack/versions.ts). */
  provisioned: 'prometheus' | 'alertmanager' | 'otelcol' | 'jaeger' | 'loki' | 'grafana';
  /** Named ports, with the port each listens on inside a container (the seed's / upstream defaults). */
  containerPorts: Record<string, number>;
  /**
   * Read-only run-time files shipped with the provisioned component besides its binaries (Grafana's
   * conf/ and public/): `provisionedDir` is relative to `<cache>/<name>-<version>/`, `imagePath` is
   * where the official image keeps them, and where local images put them too.
   */
  home?: { provisionedDir: string; imagePath: string };
  /** Directories of this checkout the component reads (absolute paths), by name: see RenderContext.hostDir. */
  hostDirs?: Record<string, string>;
  render(ctx: RenderContext): RenderedComponent;
}

/**
 * The monitoring stack as a library, in the Testcontainers style: a builder whose `with*()` setters
 * return `this`, and `start()` returning a started object with typed endpoints that is
 * AsyncDisposable (`await using stack = await new ObservabilityStack().start()`).
 */
import { resolve, join } from 'node:path';
import {
  HarnessError,
  LOG_STORES,
  TRACE_STORES,
  assertStackChoice,
  newRunId,
  type HarnessConfig,
  type TraceStore,
} from '../core/index.ts';
import {
  PRODUCTION_TIMING,
  startStack,
  writeRulesProfile,
  type ImageSource,
  type StackTiming,
  type StartedStack,
} from '../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  type BackendClients,
  type BackendEndpoints,
} from '../validators/index.ts';

/** Where the embedded stack runs: child processes on 127.0.0.1, or containers on a network of their own. */
export const EMBEDDED_RUNNERS = ['local', 'docker'] as const;
export type EmbeddedRunner = (typeof EMBEDDED_RUNNERS)[number];
export type LogStoreName = (typeof LOG_STORES)[number];
const IMAGE_SOURCES: readonly ImageSource[] = ['official', 'local', 'auto'];

/** The defaults of harness.config.ts's `stack` section (core/config.ts). */
const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;

/** The rules Prometheus evaluates, and the time compression they run at (1 = production). */
export interface StackRules {
  /** Rule files (globs allowed) Prometheus loads. */
  files: string[];
  /** Factor applied to every `for:` and range window of these rules (stack/rules-profile.ts). */
  timeScale: number;
  /** Scrape and evaluation intervals, Alertmanager timings. */
  timing: StackTiming;
}

interface StackSettings {
  runner: EmbeddedRunner;
  logStore: LogStoreName;
  traceStore: TraceStore;
  images: ImageSource;
  grafana: boolean;
  ruleGlobs: string[] | undefined;
  startupTimeoutMs: number;
  outDir: string;
  runId: string | undefined;
  log: (line: string) => void;
}

/** A HarnessError naming the builder option and the values it takes. */
function invalidOption(option: string, value: unknown, allowed: string): HarnessError {
  return new HarnessError(`${option}(${JSON.stringify(value)}): not a valid value`, {
    where: 'phoenix-observability-harness API',
    hint: `${option} takes ${allowed}`,
  });
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw invalidOption(option, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

export function positiveMs(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    throw invalidOption(option, value, 'a positive whole number of milliseconds');
  return value;
}

/** Guards a builder's single start: a builder starts one thing; make another builder for a second. */
export function startOnce(builder: string, started: boolean): void {
  if (started)
    throw new HarnessError(`${builder}.start() was already called`, {
      where: 'phoenix-observability-harness API',
      hint: `a builder starts one ${builder}: create a new ${builder}() to start another`,
    });
}

/**
 * Builds and starts the embedded monitoring stack: Prometheus, Alertmanager, the OpenTelemetry
 * Collector, Jaeger, the log store (VictoriaLogs, or Loki from its official image) and the
 * harness's webhook sink, on free loopback ports.
 */
export class ObservabilityStack {
  private readonly settings: StackSettings = {
    runner: 'local',
    logStore: 'victorialogs',
    traceStore: 'memory',
    images: 'auto',
    grafana: false,
    ruleGlobs: undefined,
    startupTimeoutMs: DEFAULT_STARTUP_TIMEOUT_MS,
    outDir: 'out',
    runId: undefined,
    log: () => undefined,
  };
  private started = false;

  /** `local` (default): child processes; `docker`: containers (Testcontainers). */
  withRunner(runner: EmbeddedRunner): this {
    this.settings.runner = oneOf('withRunner', runner, EMBEDDED_RUNNERS);
    return this;
  }

  /** `victorialogs` (default, embedded) or `loki` (docker runner with official images only: Loki is AGPL). */
  withLogStore(store: LogStoreName): this {
    this.settings.logStore = oneOf('withLogStore', store, LOG_STORES);
    return this;
  }

  /**
   * Jaeger's store: `memory` (default; the newest 200 000 traces) or `badger` (on disk in the run's
   * folder: every trace, for runs sending more than that).
   */
  withTraceStore(store: TraceStore): this {
    this.settings.traceStore = oneOf('withTraceStore', store, TRACE_STORES);
    return this;
  }

  /** Docker runner: official pinned images, local ones built from the provisioned binaries, or auto (default). */
  withImages(source: ImageSource): this {
    this.settings.images = oneOf('withImages', source, IMAGE_SOURCES);
    return this;
  }

  /** Also start Grafana's official image (docker runner, official images, Loki only). */
  withGrafana(enabled = true): this {
    if (typeof enabled !== 'boolean') throw invalidOption('withGrafana', enabled, 'true or false');
    this.settings.grafana = enabled;
    return this;
  }

  /**
   * Prometheus loads these rule files (globs allowed) at production timings. Default: the catalog's
   * rules on the time-compressed profile the live alert drills need (stack/rules-profile.ts).
   */
  withRules(globs: readonly string[]): this {
    if (!Array.isArray(globs) || globs.length === 0 || globs.some((g) => typeof g !== 'string' || !g))
      throw invalidOption('withRules', globs, 'a non-empty list of rule file globs');
    this.settings.ruleGlobs = [...globs];
    return this;
  }

  /** How long each component may take to answer its readiness probe (default 60 000 ms). */
  withStartupTimeout(ms: number): this {
    this.settings.startupTimeoutMs = positiveMs('withStartupTimeout', ms);
    return this;
  }

  /** Run artifacts root (default `out`): the stack writes under `<outDir>/<runId>/`. */
  withOutDir(dir: string): this {
    if (typeof dir !== 'string' || !dir) throw invalidOption('withOutDir', dir, 'a directory path');
    this.settings.outDir = dir;
    return this;
  }

  /** The run id (default: a fresh one), which names the run's folder and its processes or containers. */
  withRunId(runId: string): this {
    if (typeof runId !== 'string' || !/^[\w.-]+$/.test(runId))
      throw invalidOption('withRunId', runId, 'letters, digits, ".", "_" or "-"');
    this.settings.runId = runId;
    return this;
  }

  /** Progress lines of the start (image builds, waits). */
  withLogger(log: (line: string) => void): this {
    this.settings.log = log;
    return this;
  }

  /** The `stack` section of a harness config: images, log store, trace store, Grafana, startup timeout. */
  withConfig(
    stack: Pick<
      HarnessConfig['stack'],
      'images' | 'logStore' | 'traceStore' | 'grafana' | 'startupTimeoutMs'
    >,
  ): this {
    return this.withImages(stack.images)
      .withLogStore(stack.logStore)
      .withTraceStore(stack.traceStore)
      .withGrafana(stack.grafana)
      .withStartupTimeout(stack.startupTimeoutMs);
  }

  /**
   * Starts every component and resolves once each answers its readiness probe. Loki or Grafana
   * anywhere but official images on the docker runner is a ConfigError, before anything starts.
   */
  async start(): Promise<StartedObservabilityStack> {
    startOnce('ObservabilityStack', this.started);
    this.started = true;
    const s = this.settings;
    assertStackChoice({ runner: s.runner, images: s.images, logStore: s.logStore, grafana: s.grafana });
    const runId = s.runId ?? newRunId();
    const runDir = resolve(s.outDir, runId);
    const rules: StackRules = s.ruleGlobs
      ? { files: s.ruleGlobs, timeScale: 1, timing: PRODUCTION_TIMING }
      : profileRules(runDir);
    const stack = await startStack({
      runner: s.runner,
      images: s.images,
      logStore: s.logStore,
      traceStore: s.traceStore,
      grafana: s.grafana,
      runId,
      outDir: s.outDir,
      startupTimeoutMs: s.startupTimeoutMs,
      ruleFiles: rules.files,
      timing: rules.timing,
      log: s.log,
    });
    return new StartedObservabilityStack(stack, runDir, rules, s.logStore, s.traceStore);
  }
}

/** The catalog's rules on the drills' time-compressed profile, written into the run's folder. */
function profileRules(runDir: string): StackRules {
  // Same expressions; `for:`, windows and intervals scaled by one factor (stack/rules-profile.ts).
  const profile = writeRulesProfile(join(runDir, 'rules-profile'));
  return { files: profile.ruleFiles, timeScale: profile.timeScale, timing: profile.timing };
}

/** A started stack: typed endpoints computed from the running components, stop() and `await using`. */
export class StartedObservabilityStack implements AsyncDisposable {
  private stopping: Promise<void> | undefined;
  private backendClients: BackendClients | undefined;

  /**
   * @param handle the runner's StartedStack (stack/), for what the typed endpoints do not cover
   * @param runDir `<outDir>/<runId>/`, where the run's files go
   */
  constructor(
    readonly handle: StartedStack,
    readonly runDir: string,
    readonly rules: StackRules,
    private readonly logStoreKind: LogStoreName,
    /** Where Jaeger keeps traces (`memory`: only the newest JAEGER_MEMORY_MAX_TRACES). */
    readonly traceStore: TraceStore = 'memory',
  ) {}

  get runId(): string {
    return this.handle.runId;
  }

  get runner(): EmbeddedRunner {
    return this.handle.runner === 'docker' ? 'docker' : 'local';
  }

  /** Milliseconds from the start call until every component answered. */
  get readyMs(): number {
    return this.handle.readyMs;
  }

  get prometheus(): { url: string } {
    return { url: this.endpoint('prometheus') };
  }

  get alertmanager(): { url: string } {
    return { url: this.endpoint('alertmanager') };
  }

  get jaeger(): { url: string } {
    return { url: this.endpoint('jaeger') };
  }

  /** The Collector: OTLP/HTTP base URL (send spans and logs here) and its own metrics URL. */
  get collector(): { otlpHttpUrl: string; metricsUrl: string } {
    return {
      otlpHttpUrl: this.endpoint('otel-collector.otlp-http'),
      metricsUrl: this.endpoint('otel-collector.metrics'),
    };
  }

  get logStore(): { kind: LogStoreName; url: string } {
    return { kind: this.logStoreKind, url: this.endpoint(this.logStoreKind) };
  }

  /** The harness's Alertmanager webhook receiver (what the drills read deliveries from). */
  get webhookSink(): { url: string } {
    return { url: this.endpoint('webhook-sink') };
  }

  /** Grafana, when started `withGrafana()`. */
  get grafana(): { url: string } | undefined {
    const url = this.handle.endpoints().grafana;
    return url ? { url } : undefined;
  }

  /** Every backend, as the validators address them. */
  get endpoints(): BackendEndpoints {
    return endpointsFromStack(this.handle.endpoints());
  }

  /** API clients for every backend, with the run's credentials (kept in memory only). */
  clients(): BackendClients {
    // One set per stack: the fleet's scrape wait, validate() and the CLI's inventory share it.
    this.backendClients ??= createClients(this.endpoints, this.handle.credentials());
    return this.backendClients;
  }

  /** The stack's components as a report lists them. */
  components(): { name: string; version: string; url: string }[] {
    return [...this.handle.components.values()].map((c) => ({
      name: c.name,
      version: c.version,
      url: c.getUrl(),
    }));
  }

  /** Stops every component in reverse order; calling it again waits for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= Promise.resolve(this.handle[Symbol.asyncDispose]());
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private endpoint(key: string): string {
    const url = this.handle.endpoints()[key];
    if (!url)
      throw new HarnessError(`the stack has no ${key} endpoint`, {
        where: this.handle.endpointsFile,
        hint: `started: ${[...this.handle.components.keys()].join(', ')}`,
      });
    return url;
  }
}

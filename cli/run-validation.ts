import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SERVICE_NAMES, type Phase, type ServiceName } from '../catalog/index.ts';
import {
  HarnessError,
  Teardown,
  expandEnvReferences,
  untilAborted,
  newRunId,
  type CheckResult,
  type HarnessConfig,
  type LedgerSource,
} from '../core/index.ts';
import {
  chooseEngine,
  drillTraffic,
  findK6Binary,
  readLedger,
  runScenario,
  type ScenarioName,
  type ScenarioRun,
} from '../load/index.ts';
import { FAULT_NAMES, startFleet, type FaultName, type StartedFleet } from '../mock-services/index.ts';
import {
  DEFAULT_RULE_GLOBS,
  FLEET_CONTAINER_PORT,
  USER_IMAGES,
  ownerLabels,
  startContainerFleet,
  writeRulesProfile,
  PRODUCTION_TIMING,
  alertmanagerConfig,
  requireProvisioned,
  startStack,
  type RunnerKind,
  type StartedStack,
} from '../stack/index.ts';
import {
  DEFAULT_SERVICE_LABEL,
  VALIDATORS,
  VALIDATOR_FAMILIES,
  runValidators,
  metricInventory,
  type MetricInventory,
  createClients,
  endpointsFromStack,
  evaluateGate,
  type BackendEndpoints,
  type GateVerdict,
  type ValidationContext,
  type ValidatorName,
  waitForFleetScraped,
} from '../validators/index.ts';
import { interruptionOf, startedUnlessInterrupted, type InterruptInfo } from './interrupt.ts';
import { assertExternalRunComplete } from './external-requirements.ts';
import type { Progress } from './progress.ts';

/**
 * Validators run one at a time, in this order, after all the others: the live alert drills switch
 * faults on, and the metrics that only those faults produce (on-event) are checked after them.
 */
const POST_LOAD_ORDER: ValidatorName[] = ['alertDrills', 'metricsOnEvent'];

/** The chosen validators (default: all), isolated from each other, POST_LOAD_ORDER last, into `results`. */
function runAllValidators(
  names: ValidatorName[] | undefined,
  ctx: ValidationContext,
  results: CheckResult[],
  signal: AbortSignal | undefined,
  onDone?: (name: ValidatorName, ms: number) => void,
): Promise<CheckResult[]> {
  return runValidators({
    validators: VALIDATORS,
    families: VALIDATOR_FAMILIES,
    names: names ?? (Object.keys(VALIDATORS) as ValidatorName[]),
    last: POST_LOAD_ORDER,
    ctx,
    into: results,
    ...(signal ? { signal } : {}),
    ...(onDone ? { onDone } : {}),
  });
}

/** A fault switched on before the load: `--inject data-router:drop-traceparent` or `llm-service:latency:ms=200`. */
export interface InjectedFault {
  service: ServiceName;
  name: FaultName;
  params: Record<string, unknown>;
}

export function parseInjection(spec: string): InjectedFault {
  const [service, name, params = ''] = spec.split(':');
  if (!service || !(SERVICE_NAMES as readonly string[]).includes(service)) {
    throw new HarnessError(`--inject ${spec}: unknown service "${service ?? ''}"`, {
      hint: `services: ${SERVICE_NAMES.join(', ')}`,
    });
  }
  if (!name || !(FAULT_NAMES as readonly string[]).includes(name)) {
    throw new HarnessError(`--inject ${spec}: unknown fault "${name ?? ''}"`, {
      hint: `faults: ${FAULT_NAMES.join(', ')}`,
    });
  }
  const parsed: Record<string, unknown> = {};
  for (const pair of params.split(',').filter(Boolean)) {
    const [k, v = ''] = pair.split('=');
    if (!k) continue;
    parsed[k] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }
  return { service: service as ServiceName, name: name as FaultName, params: parsed };
}

export interface ValidationRunOptions {
  config: HarnessConfig;
  phase: Phase;
  scenario: ScenarioName;
  runner: Exclude<RunnerKind, 'external'>;
  inject: InjectedFault[];
  /** Which check families run (default: all). */
  validators?: ValidatorName[];
  /** Extra k6 `-e` variables (RATE, DURATION…). */
  scenarioEnv?: Record<string, string>;
  progress: Progress;
  keep?: boolean;
  /** Aborted on SIGINT/SIGTERM/deadline (cli/interrupt.ts): the run tears down and returns what it has, marked interrupted. */
  signal?: AbortSignal;
}

export interface ValidationRun {
  runId: string;
  runDir: string;
  startedAt: Date;
  finishedAt: Date;
  results: CheckResult[];
  gate: GateVerdict;
  scenario: ScenarioRun | undefined;
  components: { name: string; version: string; url: string }[];
  links: { jaeger?: string; grafana?: string; prometheus?: string; loki?: string; victorialogs?: string };
  ledgerPath: string | undefined;
  stack: StartedStack | undefined;
  /** What Phoenix exposed during the run (for a later run's --baseline). */
  inventory?: MetricInventory;
  /** Set when the run stopped early (signal, deadline, crash): the results are partial. */
  interrupted?: InterruptInfo;
}

/**
 * One validation run against a stack the harness starts: stack → fleet (with any injected faults) →
 * k6 scenario → flush → every check → phase gate. Everything started is disposed in reverse order,
 * also on failure and Ctrl-C.
 */
export async function runValidation(options: ValidationRunOptions): Promise<ValidationRun> {
  const { config, progress } = options;
  const runId = newRunId();
  const runDir = resolve(config.outDir, runId);
  const startedAt = new Date();
  const disposables = new Teardown();
  const { signal } = options;
  const results: CheckResult[] = [];
  // What the run got to, for a partial report when it is interrupted.
  const reached: { stack?: StartedStack; scenario?: ScenarioRun; endpoints?: BackendEndpoints } = {};
  try {
    progress.stage(`starting the monitoring stack (${options.runner})`);
    // The stack runs the catalog's rules on the time-compressed profile the live alert drills need
    // (same expressions; `for:`, windows and intervals scaled by one factor, stack/rules-profile.ts).
    const profile = writeRulesProfile(join(runDir, 'rules-profile'));
    const stack = await startedUnlessInterrupted(
      disposables,
      startStack({
        runner: options.runner,
        images: config.stack.images,
        logStore: config.stack.logStore,
        grafana: config.stack.grafana,
        runId,
        outDir: config.outDir,
        startupTimeoutMs: config.stack.startupTimeoutMs,
        ruleFiles: profile.ruleFiles,
        timing: profile.timing,
        log: (line) => progress.info(line),
      }),
      signal,
    );
    reached.stack = stack;
    progress.done(`${stack.components.size} components ready in ${stack.readyMs}ms`);

    progress.stage('starting the mock Phoenix fleet');
    const endpointMap = stack.endpoints();
    // Docker: one container per service, found by Prometheus through the seed's DNS names; k6 and
    // the harness reach them on 127.0.0.1 only. Local: one process, each service on a loopback port.
    const fleet: StartedFleet = await startedUnlessInterrupted(
      disposables,
      options.runner === 'docker'
        ? startContainerFleet(stack, { log: (line) => progress.info(line) })
        : startFleet({
            otlpHttpEndpoint: endpointMap['otel-collector.otlp-http'],
            logDir: stack.fleetLogDir ?? join(runDir, 'fleet-logs'),
            // One log path into the log store (the seed's: JSON files shipped by the Collector), so no line is counted twice.
            logsViaOtlp: false,
            logsToFile: true,
          }),
      signal,
    );
    stack.setScrapeTargets(fleet.scrapeTargets());
    for (const fault of options.inject) {
      await untilAborted(fleet.setFault(fault.service, { name: fault.name, ...fault.params }), signal);
      progress.info(`fault on: ${fault.service} ${fault.name} ${JSON.stringify(fault.params)}`);
    }
    const endpoints = endpointsFromStack(endpointMap);
    reached.endpoints = endpoints;
    // Per-run credentials (Grafana's generated admin password) travel in memory only.
    const clients = createClients(endpoints, stack.credentials());
    // The first scrape of every service must happen before the load, so counters have a baseline.
    const scraped = await untilAborted(
      waitForFleetScraped(clients.prometheus, fleet.services.size, config.stack.ingestTimeoutMs),
      signal,
    );
    if (!scraped.ok)
      progress.info('not every fleet target was scraped before the load (the metrics checks will say which)');
    progress.done(`${fleet.services.size} services at ${fleet.entryUrl}`);

    // Docker with official images: without a k6 binary here, k6 can run from its official image on
    // the run's network (the user's Docker pulls it), reaching the fleet by the seed's service name.
    const k6Container =
      options.runner === 'docker' && config.stack.images === 'official' && stack.dockerNetwork
        ? {
            image: USER_IMAGES.k6.image,
            network: stack.dockerNetwork,
            baseUrl: `http://orchestrator-service:${FLEET_CONTAINER_PORT}`,
            labels: ownerLabels(runId),
          }
        : undefined;
    const engine = chooseEngine(config.load.engine, findK6Binary(), k6Container);
    const engineDescription = engine.k6Container
      ? `k6 in ${engine.k6Container.image}`
      : engine.k6Path
        ? `k6 at ${engine.k6Path}`
        : 'in-process engine';
    progress.stage(
      `running the ${options.scenario} scenario (${engineDescription}${config.load.segment ? `, segment ${config.load.segment}` : ''}${config.load.workers > 1 ? `, ${config.load.workers} workers` : ''})`,
    );
    const windowStart = new Date();
    const scenario = await runScenario({
      scenario: options.scenario,
      baseUrl: fleet.entryUrl,
      runId,
      outDir: config.outDir,
      engine: engine.engine,
      ...(engine.k6Path ? { k6Path: engine.k6Path } : {}),
      ...(engine.k6Container ? { k6Container: engine.k6Container } : {}),
      ...(config.load.segment ? { segment: config.load.segment } : {}),
      // An interrupt stops the engine (SIGINT to its process, or to the k6 container): it returns what it sent.
      ...(signal ? { signal } : {}),
      ...(config.load.workers > 1 ? { workers: config.load.workers } : {}),
      env: {
        ...(config.load.rate === undefined ? {} : { RATE: String(config.load.rate) }),
        ...(config.load.duration === undefined ? {} : { DURATION: config.load.duration }),
        ...options.scenarioEnv,
      },
    });
    const windowEnd = new Date();
    reached.scenario = scenario;
    signal?.throwIfAborted();
    progress.done(
      `${scenario.requests} requests${scenario.droppedIterations ? `, ${scenario.droppedIterations} iterations dropped` : ''}, ${engineLabel(scenario)} exit ${scenario.exitCode}`,
    );
    // Nothing sent: every check would examine nothing, and an empty run proves nothing either way.
    if (scenario.requests === 0)
      throw noTraffic(
        scenario.ledgerPath,
        `the ${engineLabel(scenario)} exited ${scenario.exitCode} without sending a request to ${fleet.entryUrl}: see its output above (--rate, --duration, --segment)`,
      );

    progress.stage('flushing telemetry');
    // A failed final export (Collector down) is not fatal: the checks report what was lost.
    const flushError = await untilAborted(fleet.flush(), signal).then(
      () => undefined,
      (error: Error) => error.message,
    );
    progress.done(flushError ? `the last export failed: ${flushError}` : undefined);

    const ledger: LedgerSource | undefined = scenario.ledgerPath
      ? { path: scenario.ledgerPath, read: () => readLedger(scenario.ledgerPath ?? '') }
      : undefined;
    const ctx: ValidationContext = {
      runId,
      phase: options.phase,
      endpoints,
      clients,
      ingestTimeoutMs: config.stack.ingestTimeoutMs,
      ...(ledger ? { ledger } : {}),
      window: { start: windowStart, end: windowEnd },
      scrapeTargetHost: stack.scrapeTargetHost,
      registerScrapeTargets: (groups) => stack.setScrapeTargets(groups, 'harness-probes'),
      ...offlineAlertInputs(runDir),
      fleet,
      drills: {
        traffic: drillTraffic({ entryUrl: fleet.entryUrl }),
        profile: { timeScale: profile.timeScale, timing: profile.timing },
      },
    };

    progress.stage('validating against the backends');
    // The live alert drills switch faults on and send their own traffic: they run after the rest.
    await runAllValidators(options.validators, ctx, results, signal, (name, ms) =>
      progress.info(`${name}: ${(ms / 1000).toFixed(1)}s`),
    );
    results.sort((a, b) => a.id.localeCompare(b.id));
    if (scenario.thresholdFailures.length) results.push(...thresholdResults(scenario));
    const gate = evaluateGate(results, options.phase, config.waive);
    progress.done(`${results.filter((r) => r.status === 'pass').length}/${results.length} checks pass`);
    const inventory = clients.prometheus
      ? await untilAborted(
          metricInventory(clients.prometheus, { start: windowStart, end: new Date() }, DEFAULT_SERVICE_LABEL),
          signal,
        ).catch(() => undefined)
      : undefined;

    return {
      runId,
      runDir,
      startedAt,
      finishedAt: new Date(),
      results,
      gate,
      scenario,
      components: componentsOf(stack),
      links: linksFrom(endpoints),
      ledgerPath: scenario.ledgerPath,
      stack: options.keep ? stack : undefined,
      ...(inventory ? { inventory } : {}),
    };
  } catch (error) {
    const interrupted = interruptionOf(signal);
    if (!interrupted) throw error;
    const stack = reached.stack;
    results.sort((a, b) => a.id.localeCompare(b.id));
    return {
      runId,
      runDir,
      startedAt,
      finishedAt: new Date(),
      results,
      gate: evaluateGate(results, options.phase, config.waive),
      scenario: reached.scenario,
      components: stack ? componentsOf(stack) : [],
      links: reached.endpoints ? linksFrom(reached.endpoints) : {},
      ledgerPath: reached.scenario?.ledgerPath,
      stack: undefined,
      interrupted,
    };
  } finally {
    // An interrupted run tears down even with --keep.
    if (!options.keep || signal?.aborted) {
      progress.stage('tearing down');
      await disposables.disposeAsync();
      progress.done();
    }
  }
}

/** Who sent the load, for progress lines and the report: `k6 v1.8.1 (…)` or the in-process engine. */
export function engineLabel(run: Pick<ScenarioRun, 'engine' | 'k6Version'>): string {
  return run.engine === 'k6' ? (run.k6Version ?? 'k6') : 'in-process engine (node)';
}

/** Threshold breaches (SLOs of the scenario, evaluated by k6 or the in-process engine) as checks, so they show in every report. */
function thresholdResults(run: ScenarioRun): CheckResult[] {
  return run.thresholdFailures.map((t) => ({
    id: `load.threshold.${t.metric}.${t.threshold}`,
    family: 'baseline',
    title: `threshold ${t.metric} ${t.threshold}`,
    status: 'fail',
    phase: 1,
    expected: t.threshold,
    observed: 'breached',
    message: `threshold breached (${engineLabel(run)}): ${t.metric} ${t.threshold}${t.reason ? ` (${t.reason})` : ''}`,
    evidence: { summary: run.summaryPath },
  }));
}

/**
 * What the offline alert checks run on: the production-scale rule files (never a time-compressed
 * profile), the Alertmanager config rendered at production timings, and the provisioned tools.
 */
function offlineAlertInputs(
  runDir: string,
): Pick<ValidationContext, 'ruleFiles' | 'alertmanagerConfigFile' | 'tools'> {
  const dir = join(runDir, 'offline');
  mkdirSync(dir, { recursive: true });
  const alertmanagerConfigFile = join(dir, 'alertmanager.yml');
  writeFileSync(
    alertmanagerConfigFile,
    stringify(alertmanagerConfig({ peer: () => 'webhook-sink:9099', timing: PRODUCTION_TIMING })),
  );
  return {
    ruleFiles: DEFAULT_RULE_GLOBS,
    alertmanagerConfigFile,
    tools: {
      promtool: requireProvisioned('prometheus').binaries.promtool,
      amtool: requireProvisioned('alertmanager').binaries.amtool,
    },
  };
}

export interface ExternalValidationOptions {
  config: HarnessConfig;
  phase: Phase;
  /** A ledger written by `k6 run … --out json` + `load/ledger.ts`, or by an earlier harness run. */
  ledgerPath: string | undefined;
  /**
   * `--rules <glob>`: check these rule files (the repo's) instead of the rules staging's Prometheus
   * has loaded (`/api/v1/rules`). Alertmanager's config is always staging's (`/api/v2/status`).
   */
  rules?: string[];
  validators?: ValidatorName[];
  progress: Progress;
  signal?: AbortSignal;
}

/**
 * Validates an existing stack (staging): nothing is started; endpoints and headers come from the
 * target config, the requests from a ledger, the run window from the ledger's own timestamps.
 */
export async function runExternalValidation(options: ExternalValidationOptions): Promise<ValidationRun> {
  const { config, progress } = options;
  const external = config.stack.external;
  if (!external) {
    throw new HarnessError('--stack external needs `stack.external` endpoints in the target config', {
      hint: 'pass --target <file> whose stack.external lists prometheus, victorialogs or loki, jaeger, grafana… (see README, "Against staging")',
    });
  }
  const runId = newRunId();
  const runDir = resolve(config.outDir, runId);
  const startedAt = new Date();
  const endpoints = {
    ...(external.prometheus ? { prometheus: external.prometheus } : {}),
    ...(external.loki ? { loki: external.loki } : {}),
    ...(external.victorialogs ? { victorialogs: external.victorialogs } : {}),
    ...(external.jaeger ? { jaeger: external.jaeger } : {}),
    ...(external.grafana ? { grafana: external.grafana } : {}),
    ...(external.alertmanager ? { alertmanager: external.alertmanager } : {}),
    ...(external.otelCollector ? { otelCollector: external.otelCollector } : {}),
    ...(external.otelCollectorMetrics ? { otelCollectorMetrics: external.otelCollectorMetrics } : {}),
  };
  // A backend or the ledger a required check needs is a setup mistake (exit 2), not a quiet skip.
  assertExternalRunComplete(
    options.phase,
    endpoints,
    options.ledgerPath,
    options.validators ?? (Object.keys(VALIDATORS) as ValidatorName[]),
  );
  const headers = Object.fromEntries(
    Object.entries(external.headers).map(([backend, h]) => [
      backend,
      Object.fromEntries(
        Object.entries(h).map(([k, v]) => [
          k,
          expandEnvReferences(v, process.env, `stack.external.headers.${backend}.${k}`),
        ]),
      ),
    ]),
  );
  progress.stage('reading the ledger');
  let ledger: LedgerSource | undefined;
  let window: { start: Date; end: Date } | undefined;
  if (options.ledgerPath) {
    const path = resolve(options.ledgerPath);
    ledger = { path, read: () => readLedger(path) };
    let first = Infinity;
    let last = -Infinity;
    let n = 0;
    for await (const e of ledger.read()) {
      options.signal?.throwIfAborted();
      first = Math.min(first, e.startMs);
      last = Math.max(last, e.startMs + e.durationMs);
      n += 1;
    }
    if (n === 0) throw noTraffic(path, 'pass the ledger.jsonl of a run that sent traffic');
    window = { start: new Date(first - 1_000), end: new Date(last + 1_000) };
    progress.done(`${n} requests from ${window.start.toISOString()} to ${window.end.toISOString()}`);
  } else {
    progress.done('no ledger: none of the checks run at this phase needs one');
  }
  const ctx: ValidationContext = {
    runId,
    phase: options.phase,
    endpoints,
    clients: createClients(endpoints, headers, { logStore: config.stack.logStore }),
    ingestTimeoutMs: config.stack.ingestTimeoutMs,
    serviceLabel: external.serviceLabel,
    ...(external.jobs ? { scrapeJobs: external.jobs } : {}),
    ...(ledger ? { ledger } : {}),
    ...(window ? { window } : {}),
    ...offlineAlertInputs(runDir),
    // Staging's own rules and Alertmanager config, unless --rules names files to check instead.
    ...(options.rules?.length ? { ruleFiles: options.rules } : {}),
    alertSources: { rules: options.rules?.length ? 'files' : 'stack', alertmanager: 'stack' },
  };
  progress.stage('validating against the external backends');
  const results: CheckResult[] = [];
  let interrupted: InterruptInfo | undefined;
  try {
    await runAllValidators(options.validators, ctx, results, options.signal);
  } catch (error) {
    interrupted = interruptionOf(options.signal);
    if (!interrupted) throw error;
    results.sort((a, b) => a.id.localeCompare(b.id));
  }
  const gate = evaluateGate(results, options.phase, config.waive);
  progress.done(`${results.filter((r) => r.status === 'pass').length}/${results.length} checks pass`);
  return {
    runId,
    runDir,
    startedAt,
    finishedAt: new Date(),
    results,
    gate,
    scenario: undefined,
    components: Object.entries(endpoints).map(([name, url]) => ({ name, version: 'external', url })),
    links: linksFrom(endpoints),
    ledgerPath: ledger?.path,
    stack: undefined,
    ...(interrupted ? { interrupted } : {}),
  };
}

/** A ledger without requests: every check would examine nothing, so the run cannot be judged (exit 2). */
export function noTraffic(ledgerPath: string | undefined, hint: string): HarnessError {
  return new HarnessError(
    `no traffic was sent: the ledger ${ledgerPath ?? '(none written)'} holds no requests`,
    {
      ...(ledgerPath ? { where: ledgerPath } : {}),
      hint,
    },
  );
}

/** The stack's components as the report lists them. */
function componentsOf(stack: StartedStack): ValidationRun['components'] {
  return [...stack.components.values()].map((c) => ({ name: c.name, version: c.version, url: c.getUrl() }));
}

/** Links into the backends for the report (trace ids, PromQL, LogQL, panels). */
function linksFrom(endpoints: BackendEndpoints): ValidationRun['links'] {
  const { jaeger, prometheus, loki, victorialogs, grafana } = endpoints;
  return {
    ...(jaeger ? { jaeger } : {}),
    ...(prometheus ? { prometheus } : {}),
    ...(loki ? { loki } : {}),
    ...(victorialogs ? { victorialogs } : {}),
    ...(grafana ? { grafana } : {}),
  };
}

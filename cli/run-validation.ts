import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SERVICE_NAMES, type Phase, type ServiceName } from '../catalog/index.ts';
import {
  HarnessError,
  Teardown,
  expandEnvReferences,
  forEachConcurrent,
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
import type { Progress } from './progress.ts';

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
  try {
    progress.stage(`starting the monitoring stack (${options.runner})`);
    // The stack runs the catalog's rules on the time-compressed profile the live alert drills need
    // (same expressions; `for:`, windows and intervals scaled by one factor, stack/rules-profile.ts).
    const profile = writeRulesProfile(join(runDir, 'rules-profile'));
    const stack = disposables.use(
      await startStack({
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
    );
    progress.done(`${stack.components.size} components ready in ${stack.readyMs}ms`);

    progress.stage('starting the mock Phoenix fleet');
    const endpointMap = stack.endpoints();
    // Docker: one container per service, found by Prometheus through the seed's DNS names; k6 and
    // the harness reach them on 127.0.0.1 only. Local: one process, each service on a loopback port.
    const fleet: StartedFleet = disposables.use(
      options.runner === 'docker'
        ? await startContainerFleet(stack, { log: (line) => progress.info(line) })
        : await startFleet({
            otlpHttpEndpoint: endpointMap['otel-collector.otlp-http'],
            logDir: stack.fleetLogDir ?? join(runDir, 'fleet-logs'),
            // One log path into the log store (the seed's: JSON files shipped by the Collector), so no line is counted twice.
            logsViaOtlp: false,
            logsToFile: true,
          }),
    );
    stack.setScrapeTargets(fleet.scrapeTargets());
    for (const fault of options.inject) {
      await fleet.setFault(fault.service, { name: fault.name, ...fault.params });
      progress.info(`fault on: ${fault.service} ${fault.name} ${JSON.stringify(fault.params)}`);
    }
    const endpoints = endpointsFromStack(endpointMap);
    // Per-run credentials (Grafana's generated admin password) travel in memory only.
    const clients = createClients(endpoints, stack.credentials());
    // The first scrape of every service must happen before the load, so counters have a baseline.
    const scraped = await waitForFleetScraped(
      clients.prometheus,
      fleet.services.size,
      config.stack.ingestTimeoutMs,
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
      `running the ${options.scenario} scenario (${engineDescription}${config.load.segment ? `, segment ${config.load.segment}` : ''})`,
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
      env: {
        ...(config.load.rate === undefined ? {} : { RATE: String(config.load.rate) }),
        ...(config.load.duration === undefined ? {} : { DURATION: config.load.duration }),
        ...options.scenarioEnv,
      },
    });
    const windowEnd = new Date();
    progress.done(
      `${scenario.requests} requests${scenario.droppedIterations ? `, ${scenario.droppedIterations} iterations dropped` : ''}, ${engineLabel(scenario)} exit ${scenario.exitCode}`,
    );

    progress.stage('flushing telemetry');
    // A failed final export (Collector down) is not fatal: the checks report what was lost.
    const flushError = await fleet.flush().then(
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
    const names = options.validators ?? (Object.keys(VALIDATORS) as ValidatorName[]);
    const results: CheckResult[] = [];
    // The live alert drills switch faults on and send their own traffic: they run after the rest.
    const [drills, others] = [
      names.filter((n) => n === 'alertDrills'),
      names.filter((n) => n !== 'alertDrills'),
    ];
    const timed = async (name: ValidatorName) => {
      const started = Date.now();
      results.push(...(await VALIDATORS[name](ctx)));
      progress.info(`${name}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
    };
    await forEachConcurrent(others, others.length, timed);
    for (const name of drills) await timed(name);
    results.sort((a, b) => a.id.localeCompare(b.id));
    if (scenario.thresholdFailures.length) results.push(...thresholdResults(scenario));
    const gate = evaluateGate(results, options.phase);
    progress.done(`${results.filter((r) => r.status === 'pass').length}/${results.length} checks pass`);
    const inventory = clients.prometheus
      ? await metricInventory(
          clients.prometheus,
          { start: windowStart, end: new Date() },
          DEFAULT_SERVICE_LABEL,
        ).catch(() => undefined)
      : undefined;

    const components = [...stack.components.values()].map((c) => ({
      name: c.name,
      version: c.version,
      url: c.getUrl(),
    }));
    return {
      runId,
      runDir,
      startedAt,
      finishedAt: new Date(),
      results,
      gate,
      scenario,
      components,
      links: linksFrom(endpoints),
      ledgerPath: scenario.ledgerPath,
      stack: options.keep ? stack : undefined,
      ...(inventory ? { inventory } : {}),
    };
  } finally {
    if (!options.keep) {
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
  validators?: ValidatorName[];
  progress: Progress;
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
      first = Math.min(first, e.startMs);
      last = Math.max(last, e.startMs + e.durationMs);
      n += 1;
    }
    if (n === 0)
      throw new HarnessError(`the ledger ${path} holds no requests`, {
        hint: 'pass the ledger.jsonl of a run that sent traffic',
      });
    window = { start: new Date(first - 1_000), end: new Date(last + 1_000) };
    progress.done(`${n} requests from ${window.start.toISOString()} to ${window.end.toISOString()}`);
  } else {
    progress.done('no ledger: request accounting checks will be skipped');
  }
  const ctx: ValidationContext = {
    runId,
    phase: options.phase,
    endpoints,
    clients: createClients(endpoints, headers, { logStore: config.stack.logStore }),
    ingestTimeoutMs: config.stack.ingestTimeoutMs,
    serviceLabel: external.serviceLabel,
    ...(ledger ? { ledger } : {}),
    ...(window ? { window } : {}),
    ...offlineAlertInputs(runDir),
  };
  progress.stage('validating against the external backends');
  const names = options.validators ?? (Object.keys(VALIDATORS) as ValidatorName[]);
  const results = (await Promise.all(names.map((name) => VALIDATORS[name](ctx))))
    .flat()
    .sort((a, b) => a.id.localeCompare(b.id));
  const gate = evaluateGate(results, options.phase);
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
  };
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

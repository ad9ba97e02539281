import { resolve } from 'node:path';
import { requiredFor, type Phase } from '../catalog/index.ts';
import {
  SERVICE_LABEL,
  Teardown,
  untilAborted,
  newRunId,
  type CheckResult,
  type HarnessConfig,
} from '../core/index.ts';
import {
  chooseEngine,
  findK6Binary,
  prestartScenario,
  runScenario,
  type RunScenarioOptions,
  type ScenarioName,
  type ScenarioRun,
} from '../load/index.ts';
import { FLEET_CONTAINER_PORT, USER_IMAGES, ownerLabels, type RunnerKind } from '../stack/index.ts';
import {
  evaluateGate,
  metricInventory,
  type BackendEndpoints,
  type ValidatorName,
} from '../validators/index.ts';
import {
  ObservabilityStack,
  PhoenixFleet,
  noTraffic,
  validate,
  validateAhead,
  type InjectedFault,
  type StartedObservabilityStack,
} from '../api/index.ts';
import { interruptionOf, startedUnlessInterrupted } from './interrupt.ts';
import type { Progress } from './progress.ts';
import { checksPassLine, linksFrom, type ValidationRun } from './validation-run.ts';

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

/**
 * One validation run against a stack the harness starts (api/: ObservabilityStack, PhoenixFleet,
 * validate): stack → fleet (with any injected faults) → k6 scenario → flush → every check → phase
 * gate. Everything started is disposed in reverse order, also on failure and Ctrl-C.
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
  const reached: { stack?: StartedObservabilityStack; scenario?: ScenarioRun; endpoints?: BackendEndpoints } =
    {};
  try {
    progress.stage(`starting the monitoring stack (${options.runner})`);
    // The stack runs the catalog's rules on the time-compressed profile the live alert drills need
    // (the builder's default: same expressions; `for:`, windows and intervals scaled by one factor).
    const stack = await startedUnlessInterrupted(
      disposables,
      new ObservabilityStack()
        .withRunner(options.runner)
        .withConfig(config.stack)
        .withOutDir(config.outDir)
        .withRunId(runId)
        .withLogger((line) => progress.info(line))
        .start(),
      signal,
    );
    reached.stack = stack;
    progress.done(`${stack.handle.components.size} components ready in ${stack.readyMs}ms`);
    // The checks the load cannot change (offline alert checks, pipeline probe) run from now on,
    // beside the fleet's start (mostly a wait for Prometheus' first scrape) and the load.
    const ahead = validateAhead({
      phase: options.phase,
      stack,
      runDir,
      ingestTimeoutMs: config.stack.ingestTimeoutMs,
      ...(options.validators ? { validators: options.validators } : {}),
    });

    // Docker with official images: without a k6 binary here, k6 can run from its official image on
    // the run's network (the user's Docker pulls it), reaching the fleet by the seed's service name.
    const k6Container =
      options.runner === 'docker' && config.stack.images === 'official' && stack.handle.dockerNetwork
        ? {
            image: USER_IMAGES.k6.image,
            network: stack.handle.dockerNetwork,
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
    const scenarioOptions: Omit<RunScenarioOptions, 'baseUrl'> = {
      scenario: options.scenario,
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
    };
    // The in-process engine's process loads (Node and tsx, over a second) while the fleet starts.
    const prestarted = prestartScenario(scenarioOptions);
    if (prestarted) disposables.use(prestarted);

    const drillsWillRun =
      requiredFor(options.phase).alerts.length > 0 &&
      (options.validators === undefined || options.validators.includes('alerts.drill'));
    progress.stage('starting the mock Phoenix fleet');
    // The builder starts containers beside a docker stack, else one process; faults are switched
    // on. Only a run with live alert drills waits for Prometheus' first scrape (up to 5 s, its
    // target-update tick) before the load: their steady-state check reads the alerts over the load,
    // which must be scraped throughout. The counts need no baseline: the fleet is fresh, its
    // counters start at 0, and the metrics checks count a series born during the load from 0.
    const fleet = await startedUnlessInterrupted(
      disposables,
      new PhoenixFleet()
        .withStack(stack)
        .withFaults(...options.inject)
        .withScrapeTimeout(config.stack.ingestTimeoutMs)
        .withBaselineScrape(drillsWillRun)
        .withLogger((line) => progress.info(line))
        .start(signal ? { signal } : {}),
      signal,
    );
    const endpoints = stack.endpoints;
    reached.endpoints = endpoints;
    progress.done(`${fleet.services.size} services at ${fleet.entryUrl}`);

    progress.stage(
      `running the ${options.scenario} scenario (${engineDescription}${config.load.segment ? `, segment ${config.load.segment}` : ''}${config.load.workers > 1 ? `, ${config.load.workers} workers` : ''})`,
    );
    const windowStart = new Date();
    const scenario = await (prestarted
      ? prestarted.begin(fleet.entryUrl)
      : runScenario({ ...scenarioOptions, baseUrl: fleet.entryUrl }));
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

    progress.stage('validating against the backends');
    // The live alert drills switch faults on and send their own traffic: validate() runs them after the rest.
    const { gate } = await validate({
      phase: options.phase,
      stack,
      fleet,
      ...(scenario.ledgerPath ? { ledger: scenario.ledgerPath } : {}),
      window: { start: windowStart, end: windowEnd },
      ...(options.validators ? { validators: options.validators } : {}),
      waive: config.waive,
      ingestTimeoutMs: config.stack.ingestTimeoutMs,
      runDir,
      extraChecks: thresholdResults(scenario),
      results,
      ahead,
      ...(signal ? { signal } : {}),
      onValidatorDone: (name, ms) => progress.info(`${name}: ${(ms / 1000).toFixed(1)}s`),
    });
    progress.done(checksPassLine(results));
    const prometheus = stack.clients().prometheus;
    const inventory = prometheus
      ? await untilAborted(
          metricInventory(prometheus, { start: windowStart, end: new Date() }, SERVICE_LABEL),
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
      components: stack.components(),
      links: linksFrom(endpoints),
      ledgerPath: scenario.ledgerPath,
      stack: options.keep ? stack.handle : undefined,
      ...(inventory ? { inventory } : {}),
    };
  } catch (error) {
    const interrupted = interruptionOf(signal);
    if (!interrupted) throw error;
    results.sort((a, b) => a.id.localeCompare(b.id));
    return {
      runId,
      runDir,
      startedAt,
      finishedAt: new Date(),
      results,
      gate: evaluateGate(results, options.phase, config.waive),
      scenario: reached.scenario,
      components: reached.stack ? reached.stack.components() : [],
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

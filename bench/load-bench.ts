/**
 * `npm run bench -- load`: the in-process load engine (load/engine/), always in its own process,
 * measured from outside: the highest arrival rate it sustains without dropped iterations against
 * the stand-in orchestrator (its own ceiling; the stand-in in a third process) and against the mock
 * fleet (in its own process too), its CPU per request, and its peak RSS over a 100k-request run
 * (ledger on). Each rate step is 8 s; the whole bench stays within about 5 minutes.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICE_LABEL, newRunId } from '../core/index.ts';
import { runEngineProcess, runScenario, type K6Summary, type ScenarioRun } from '../load/index.ts';
import { SCHEDULE_START_LINE } from '../load/engine/spawn.ts';
import { startReadyProcess, type ReadyProcess } from '../load/testing/ready-process.ts';
import { startStandInProcess } from '../load/testing/stand-in-process.ts';
import { startFleet, type StartedFleet } from '../mock-services/index.ts';
import { startLocalStack, type StartedStack } from '../stack/index.ts';
import { createClients, endpointsFromStack, waitForFleetScraped } from '../validators/index.ts';
import { CLK_TCK, cpuTicksOf, machine, peakRssKiB, writeBench } from './util.ts';

export const BENCH_OUT = join('out', 'bench-runs');
/** Rates tried against the stand-in, in order; the search stops at the first one not sustained. */
const STAND_IN_RATES = [1_000, 2_000, 3_000, 3_500, 4_000, 5_000];
/** The same search against the mock fleet (every hop instrumented, nothing exported). */
const FLEET_RATES = [100, 200, 300, 400, 600, 800, 1_000, 1_500];
/** Each step: the constant-rate smoke shape would cap VUs at 1, so `soak` (flat after a 5% ramp). */
const PROBE_SCENARIO = 'soak';
const PROBE_DURATION_S = 8;
/** soak ramps up for 1/20 of the run: requests ≈ 0.975 x rate x duration. */
const SOAK_SHAPE_FACTOR = 0.975;
const RSS_REQUESTS = 100_000;
/** A rate is sustained when no iteration was dropped and at most this share of requests failed. */
const MAX_FAILED_RATE = 0.01;
const SAMPLE_INTERVAL_MS = 200;
/** A rate that was not sustained gets one more attempt: the machine is shared. */
const ATTEMPTS_PER_RATE = 2;
/** Samples a child's peak RSS (VmHWM only grows) and CPU time until stop(). */
function watchProcess(): {
  attach: (pid: number) => void;
  /** The schedule started: CPU from here on is the load's, not tsx's start-up or the preflight's. */
  markStart: () => void;
  stop: () => { peakRssKiB: number; cpuTicks: number; scheduleCpuTicks: number | undefined };
} {
  let pid: number | undefined;
  let startTicks: number | undefined;
  const sample = { peakRssKiB: 0, cpuTicks: 0 };
  const tick = (): void => {
    if (pid === undefined) return;
    const hwm = peakRssKiB(pid);
    const ticks = cpuTicksOf(pid);
    if (hwm !== undefined) sample.peakRssKiB = Math.max(sample.peakRssKiB, hwm);
    if (ticks !== undefined) sample.cpuTicks = ticks;
  };
  const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
  return {
    attach: (p) => {
      pid = p;
    },
    markStart: () => {
      startTicks = pid === undefined ? undefined : cpuTicksOf(pid);
    },
    stop: () => {
      clearInterval(timer);
      return {
        ...sample,
        scheduleCpuTicks: startTicks === undefined ? undefined : Math.max(0, sample.cpuTicks - startTicks),
      };
    },
  };
}

/** What one engine run did: the numbers a rate search and an RSS measurement need. */
export interface LoadRunFigures {
  rate: number;
  duration: string;
  ledger: boolean;
  requests: number;
  iterations: number;
  droppedIterations: number;
  failedRate: number;
  /** Flow requests sent over those the soak shape schedules, as a rate: equals `rate` when none was dropped. */
  achievedRate: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
  p99Ms: number | undefined;
  vusMax: number | undefined;
  thresholdsBreached: number;
  enginePeakRssMiB: number;
  engineCpuSeconds: number;
  /** Engine CPU per request, µs (the run's sampled CPU over its requests, tsx start-up included). */
  cpuPerRequestUs: number | undefined;
  /** Engine CPU per request from the schedule's start on (start-up excluded), ms. */
  engineCpuMsPerRequest: number | undefined;
  sustained: boolean;
  wallMs: number;
  /** In a rate search: which attempt at this rate, and the 1-minute load average after it. */
  attempt?: number;
  loadAverage1m?: number | undefined;
}

const durationSeconds = (text: string): number => Number(/^(\d+)s$/.exec(text)?.[1] ?? 1);

const metricValue = (summary: K6Summary, metric: string, value: string): number | undefined =>
  summary.metrics[metric]?.values[value];

/** Runs a scenario once at `rate` in the engine's own process, measuring the process on the side. */
export async function measureLoadRun(options: {
  baseUrl: string;
  rate: number;
  duration: string;
  ledger: boolean;
  runId?: string;
  scenario?: 'load' | 'soak';
  /**
   * Load processes (default 1). With more, runScenario splits the schedule into equal segments and
   * merges their ledgers; the per-process CPU and RSS sampling is then off (reported as 0).
   */
  workers?: number;
}): Promise<LoadRunFigures & { run: ScenarioRun }> {
  const started = Date.now();
  const watch = watchProcess();
  let run: ScenarioRun;
  let sample: ReturnType<ReturnType<typeof watchProcess>['stop']>;
  const common = {
    scenario: options.scenario ?? 'load',
    baseUrl: options.baseUrl,
    runId: options.runId ?? newRunId(),
    outDir: BENCH_OUT,
    ledger: options.ledger,
    env: { RATE: String(options.rate), DURATION: options.duration },
  } as const;
  try {
    run =
      (options.workers ?? 1) > 1
        ? await runScenario({ ...common, engine: 'node', workers: options.workers })
        : await runEngineProcess({
            ...common,
            onStart: (pid) => watch.attach(pid),
            onOutput: (line) => {
              if (line === SCHEDULE_START_LINE) watch.markStart();
            },
          });
  } finally {
    sample = watch.stop();
  }
  const summary = run.summary;
  const droppedIterations = run.droppedIterations;
  const failedRate = metricValue(summary, 'http_req_failed', 'rate') ?? 0;
  const engineCpuSeconds = sample.cpuTicks / CLK_TCK;
  const scheduleCpuMs =
    sample.scheduleCpuTicks === undefined ? undefined : (sample.scheduleCpuTicks * 1000) / CLK_TCK;
  return {
    rate: options.rate,
    duration: options.duration,
    ledger: options.ledger,
    requests: run.requests,
    iterations: metricValue(summary, 'iterations', 'count') ?? 0,
    droppedIterations,
    failedRate,
    achievedRate: Math.round(run.requests / (durationSeconds(options.duration) * SOAK_SHAPE_FACTOR)),
    p50Ms: metricValue(summary, 'http_req_duration', 'med'),
    p95Ms: metricValue(summary, 'http_req_duration', 'p(95)'),
    p99Ms: metricValue(summary, 'http_req_duration', 'p(99)'),
    vusMax: metricValue(summary, 'vus_max', 'value'),
    thresholdsBreached: run.thresholdFailures.length,
    enginePeakRssMiB: Math.round((sample.peakRssKiB / 1024) * 10) / 10,
    engineCpuSeconds,
    cpuPerRequestUs: run.requests > 0 ? Math.round((engineCpuSeconds / run.requests) * 1e6) : undefined,
    engineCpuMsPerRequest:
      scheduleCpuMs === undefined || run.requests === 0
        ? undefined
        : Math.round((scheduleCpuMs / run.requests) * 1000) / 1000,
    sustained: droppedIterations === 0 && failedRate <= MAX_FAILED_RATE && run.requests > 0,
    wallMs: Date.now() - started,
    run,
  };
}

/** The stack and fleet as `validate` runs them: spans over OTLP, log lines to files the Collector tails. */
export async function startFleetWithStack(
  log: (line: string) => void,
): Promise<{ stack: StartedStack; fleet: StartedFleet } & AsyncDisposable> {
  const stack = await startLocalStack({ outDir: BENCH_OUT, log: () => undefined });
  let fleet: StartedFleet;
  try {
    const endpoints = stack.endpoints();
    fleet = await startFleet({
      host: stack.scrapeTargetHost,
      otlpHttpEndpoint: endpoints['otel-collector.otlp-http'],
      logDir: join(BENCH_OUT, stack.runId, 'fleet-logs'),
      logsViaOtlp: false,
      logsToFile: true,
    });
    stack.setScrapeTargets(fleet.scrapeTargets());
    const prometheus = createClients(endpointsFromStack(endpoints)).prometheus;
    // As `validate` does: every service scraped once before the load, so counters have a baseline.
    const scraped = await waitForFleetScraped(prometheus, fleet.services.size, 30_000);
    if (!scraped.ok) log(`  not every fleet target (${SERVICE_LABEL}) was scraped before the load`);
  } catch (error) {
    await stack[Symbol.asyncDispose]();
    throw error;
  }
  return {
    stack,
    fleet,
    async [Symbol.asyncDispose]() {
      await fleet[Symbol.asyncDispose]();
      await stack[Symbol.asyncDispose]();
    },
  };
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLEET_MAIN = join(REPO_ROOT, 'mock-services', 'main.ts');
const FLEET_START_TIMEOUT_MS = 60_000;

/**
 * The mock fleet in a process of its own (mock-services/main.ts: all 14 services instrumented, no
 * OTLP endpoint and no log directory, so nothing is exported), so the engine's measurement never
 * shares an event loop with it. Disposing sends SIGTERM and waits for the exit.
 */
export function startFleetProcess(): Promise<ReadyProcess> {
  let url: string | undefined;
  return startReadyProcess({
    name: 'fleet',
    args: [FLEET_MAIN],
    cwd: REPO_ROOT,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    timeoutMs: FLEET_START_TIMEOUT_MS,
    // mock-services/main.ts prints `<service> <url>` per service, then `ready`.
    readyUrl: (line) => {
      const [name, value] = line.split(' ');
      if (name === 'orchestrator-service' && value !== undefined) url = value;
      if (line !== 'ready') return undefined;
      if (url === undefined) throw new Error('the fleet process named no orchestrator-service');
      return url;
    },
    where: FLEET_MAIN,
  });
}

const load1 = (): string => loadavg()[0]?.toFixed(2) ?? '?';

function describeStep(figures: LoadRunFigures, durationS: number): string {
  const ms = (v: number | undefined): string => v?.toFixed(1) ?? '?';
  return (
    `  ${String(figures.rate).padStart(5)} rps for ${durationS}s: achieved ${figures.achievedRate} rps ` +
    `(${figures.requests} requests), ${figures.droppedIterations} dropped, ` +
    `${(figures.failedRate * 100).toFixed(2)}% failed, p50/p95/p99 ${ms(figures.p50Ms)}/${ms(figures.p95Ms)}/` +
    `${ms(figures.p99Ms)} ms, engine ${figures.engineCpuMsPerRequest?.toFixed(3) ?? '?'} CPU ms/request, ` +
    `peak RSS ${figures.enginePeakRssMiB} MiB (load ${load1()})`
  );
}

/**
 * Steps the arrival rate up with short runs until one is not sustained (dropped iterations or >1%
 * failures) twice in a row: the machine is shared, so a step that failed gets one more attempt
 * (both are reported).
 */
export async function stepUpRates(
  baseUrl: string,
  log: (line: string) => void,
  rates: readonly number[],
  durationS = PROBE_DURATION_S,
  workers = 1,
): Promise<{ steps: LoadRunFigures[]; maxSustainedRate: number | undefined }> {
  const steps: LoadRunFigures[] = [];
  let maxSustainedRate: number | undefined;
  for (const rate of rates) {
    let sustained = false;
    for (let attempt = 1; attempt <= ATTEMPTS_PER_RATE && !sustained; attempt++) {
      const { run: _run, ...figures } = await measureLoadRun({
        baseUrl,
        rate,
        duration: `${durationS}s`,
        ledger: true,
        scenario: PROBE_SCENARIO,
        workers,
      });
      steps.push({ ...figures, attempt, loadAverage1m: loadavg()[0] });
      log(describeStep(figures, durationS) + (attempt > 1 ? ` [attempt ${attempt}]` : ''));
      sustained = figures.sustained;
    }
    if (!sustained) break;
    maxSustainedRate = rate;
  }
  return { steps, maxSustainedRate };
}

export async function loadBench(log: (line: string) => void): Promise<string> {
  const loadBefore = loadavg();
  log(
    `  load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (${machine().cpus ?? '?'} CPUs)`,
  );
  let standInSearch: Awaited<ReturnType<typeof stepUpRates>>;
  let rss: LoadRunFigures;
  {
    // Three processes: this one (measuring), the stand-in's, the engine's.
    await using standIn = await startStandInProcess();
    log(
      `  step-up against the stand-in orchestrator (own process; ${PROBE_SCENARIO}, ${PROBE_DURATION_S}s per rate, ledger on)`,
    );
    standInSearch = await stepUpRates(standIn.entryUrl, log, STAND_IN_RATES);
    const rate = Math.min(standInSearch.maxSustainedRate ?? STAND_IN_RATES[0] ?? 1_000, 3_000);
    const seconds = Math.ceil(RSS_REQUESTS / (rate * SOAK_SHAPE_FACTOR)) + 1;
    const { run: _run, ...figures } = await measureLoadRun({
      baseUrl: standIn.entryUrl,
      rate,
      duration: `${seconds}s`,
      ledger: true,
      scenario: PROBE_SCENARIO,
    });
    rss = figures;
    log(
      `  ${figures.requests} requests at ${rate} rps (ledger on): engine peak RSS ${figures.enginePeakRssMiB} MiB, ` +
        `${figures.engineCpuMsPerRequest?.toFixed(3) ?? '?'} CPU ms/request, ${figures.droppedIterations} dropped, ` +
        `p50/p95/p99 ${figures.p50Ms?.toFixed(1)}/${figures.p95Ms?.toFixed(1)}/${figures.p99Ms?.toFixed(1)} ms (load ${load1()})`,
    );
  }

  let fleetSearch: Awaited<ReturnType<typeof stepUpRates>>;
  {
    await using fleet = await startFleetProcess();
    log(`  step-up against the mock fleet (own process: 14 instrumented services, no exporter)`);
    fleetSearch = await stepUpRates(fleet.entryUrl, log, FLEET_RATES);
  }
  const loadAfter = loadavg();
  log(
    `  verdict: highest sustained without drops: stand-in ${standInSearch.maxSustainedRate ?? 'none'} rps, ` +
      `fleet ${fleetSearch.maxSustainedRate ?? 'none'} rps; peak RSS at ${rss.requests} requests ` +
      `${rss.enginePeakRssMiB} MiB (load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')})`,
  );

  const sustainedStandIn = standInSearch.steps.filter((s) => s.sustained);
  return writeBench('load', {
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadAfter },
    goal: 'at least 3,000 requests/s against the stand-in without dropped iterations (k6 reached 1,500 here)',
    goalMet: (standInSearch.maxSustainedRate ?? 0) >= 3_000,
    standInRateSearch: {
      target: 'stand-in orchestrator (load/testing/stand-in-orchestrator.ts) in its own process',
      scenario: PROBE_SCENARIO,
      probeDurationS: PROBE_DURATION_S,
      sustainedMeans: `0 dropped iterations and ≤ ${MAX_FAILED_RATE * 100}% failed requests (one retry per rate)`,
      maxSustainedRate: standInSearch.maxSustainedRate,
      steps: standInSearch.steps,
    },
    fleetRateSearch: {
      target: 'mock fleet (mock-services/main.ts: 14 instrumented services, no exporter) in its own process',
      scenario: PROBE_SCENARIO,
      maxSustainedRate: fleetSearch.maxSustainedRate,
      steps: fleetSearch.steps,
    },
    engineCpuMsPerRequest: {
      atHighestSustainedStandInRate: sustainedStandIn[sustainedStandIn.length - 1]?.engineCpuMsPerRequest,
      at100kRun: rss.engineCpuMsPerRequest,
    },
    peakRssAt100kRequests: rss,
    notes:
      'Each process is separate: the bench, the engine (load/engine/worker-main.ts via tsx), the target. The ' +
      "engine's VmHWM and CPU time are sampled from /proc every 200 ms; engineCpuMsPerRequest counts from the " +
      'schedule start (tsx start-up, preflight and pre-connection excluded), cpuPerRequestUs from process start. ' +
      "The machine is shared: figures are noisy, see loadAverage and each step's loadAverage1m.",
  });
}

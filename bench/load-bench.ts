/**
 * `npm run bench -- load`: the in-process load engine (load/engine/), always in its own process,
 * measured from outside: the highest arrival rate it sustains without dropped iterations against
 * the stand-in orchestrator (its own ceiling) and against the mock fleet, its CPU per request, and
 * its peak RSS over a 100k-request run (ledger on). Each rate step is a few seconds; the whole
 * bench stays within about 5 minutes.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { newRunId } from '../core/index.ts';
import { runEngineProcess, type K6Summary, type ScenarioRun } from '../load/index.ts';
import { startStandInOrchestrator } from '../load/testing/stand-in-orchestrator.ts';
import { SCRAPE_SERVICE_LABEL, startFleet, type StartedFleet } from '../mock-services/index.ts';
import { startLocalStack, type StartedStack } from '../stack/index.ts';
import { createClients, endpointsFromStack, waitForFleetScraped } from '../validators/index.ts';
import { machine, writeBench } from './util.ts';

export const BENCH_OUT = join('out', 'bench-runs');
/** Rates tried against the stand-in, in order; the search stops at the first one not sustained. */
const STAND_IN_RATES = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000];
/** The same search against the mock fleet (every hop instrumented, nothing exported). */
const FLEET_RATES = [100, 200, 300, 400, 600, 800, 1_000];
/** Each step: the constant-rate smoke shape would cap VUs at 1, so `soak` (flat after a 5% ramp). */
const PROBE_SCENARIO = 'soak';
const PROBE_DURATION_S = 8;
/** soak ramps up for 1/20 of the run: requests ≈ 0.975 x rate x duration. */
const SOAK_SHAPE_FACTOR = 0.975;
const RSS_REQUESTS = 100_000;
/** A rate is sustained when no iteration was dropped and at most this share of requests failed. */
const MAX_FAILED_RATE = 0.01;
const SAMPLE_INTERVAL_MS = 200;
/** CPU ticks per second on Linux (`getconf CLK_TCK`). */
const CLK_TCK = 100;

function procTicks(pid: number): number | undefined {
  try {
    // Fields after the `(comm)`: state ppid … utime(12th) stime(13th).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used, in seconds; undefined once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  const ticks = pid === undefined ? undefined : procTicks(pid);
  return ticks === undefined ? undefined : ticks / CLK_TCK;
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a child's peak RSS (VmHWM only grows) and CPU time until stop(). */
function watchProcess(): {
  attach: (pid: number) => void;
  stop: () => { peakRssKiB: number; cpuTicks: number };
} {
  let pid: number | undefined;
  const sample = { peakRssKiB: 0, cpuTicks: 0 };
  const tick = (): void => {
    if (pid === undefined) return;
    const hwm = vmHwmKiB(pid);
    const ticks = procTicks(pid);
    if (hwm !== undefined) sample.peakRssKiB = Math.max(sample.peakRssKiB, hwm);
    if (ticks !== undefined) sample.cpuTicks = ticks;
  };
  const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
  return {
    attach: (p) => {
      pid = p;
    },
    stop: () => {
      clearInterval(timer);
      return sample;
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
  p95Ms: number | undefined;
  vusMax: number | undefined;
  thresholdsBreached: number;
  enginePeakRssMiB: number;
  engineCpuSeconds: number;
  /** Engine CPU per request, µs (the run's sampled CPU over its requests). */
  cpuPerRequestUs: number | undefined;
  sustained: boolean;
  wallMs: number;
}

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
}): Promise<LoadRunFigures & { run: ScenarioRun }> {
  const started = Date.now();
  const watch = watchProcess();
  let run: ScenarioRun;
  let sample: { peakRssKiB: number; cpuTicks: number };
  try {
    run = await runEngineProcess({
      scenario: options.scenario ?? 'load',
      baseUrl: options.baseUrl,
      runId: options.runId ?? newRunId(),
      outDir: BENCH_OUT,
      ledger: options.ledger,
      env: { RATE: String(options.rate), DURATION: options.duration },
      onStart: (pid) => watch.attach(pid),
    });
  } finally {
    sample = watch.stop();
  }
  const summary = run.summary;
  const droppedIterations = run.droppedIterations;
  const failedRate = metricValue(summary, 'http_req_failed', 'rate') ?? 0;
  const engineCpuSeconds = sample.cpuTicks / CLK_TCK;
  return {
    rate: options.rate,
    duration: options.duration,
    ledger: options.ledger,
    requests: run.requests,
    iterations: metricValue(summary, 'iterations', 'count') ?? 0,
    droppedIterations,
    failedRate,
    p95Ms: metricValue(summary, 'http_req_duration', 'p(95)'),
    vusMax: metricValue(summary, 'vus_max', 'value'),
    thresholdsBreached: run.thresholdFailures.length,
    enginePeakRssMiB: Math.round((sample.peakRssKiB / 1024) * 10) / 10,
    engineCpuSeconds,
    cpuPerRequestUs: run.requests > 0 ? Math.round((engineCpuSeconds / run.requests) * 1e6) : undefined,
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
    if (!scraped.ok) log(`  not every fleet target (${SCRAPE_SERVICE_LABEL}) was scraped before the load`);
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

/** Steps the arrival rate up with short runs until one is not sustained (dropped iterations or >1% failures). */
export async function stepUpRates(
  baseUrl: string,
  log: (line: string) => void,
  rates: readonly number[],
  durationS = PROBE_DURATION_S,
): Promise<{ steps: LoadRunFigures[]; maxSustainedRate: number | undefined }> {
  const steps: LoadRunFigures[] = [];
  let maxSustainedRate: number | undefined;
  for (const rate of rates) {
    const { run: _run, ...figures } = await measureLoadRun({
      baseUrl,
      rate,
      duration: `${durationS}s`,
      ledger: true,
      scenario: PROBE_SCENARIO,
    });
    steps.push(figures);
    log(
      `  ${String(rate).padStart(5)} rps for ${durationS}s: ${figures.requests} requests, ` +
        `${figures.droppedIterations} dropped, ${(figures.failedRate * 100).toFixed(2)}% failed, ` +
        `p95 ${figures.p95Ms?.toFixed(1) ?? '?'} ms, engine ${figures.enginePeakRssMiB} MiB / ` +
        `${figures.engineCpuSeconds.toFixed(2)} CPU s (${figures.cpuPerRequestUs ?? '?'} µs/request)` +
        ` (load ${loadavg()[0]?.toFixed(2)})`,
    );
    if (!figures.sustained) break;
    maxSustainedRate = rate;
  }
  return { steps, maxSustainedRate };
}

export async function loadBench(log: (line: string) => void): Promise<string> {
  const loadBefore = loadavg();
  let standInSearch: Awaited<ReturnType<typeof stepUpRates>>;
  let rss: LoadRunFigures;
  {
    // The stand-in lives in this process; the engine always in its own.
    await using standIn = await startStandInOrchestrator();
    log(
      `  step-up against the stand-in orchestrator (${PROBE_SCENARIO}, ${PROBE_DURATION_S}s per rate, ledger on)`,
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
        `${figures.engineCpuSeconds.toFixed(1)} CPU s (${figures.cpuPerRequestUs ?? '?'} µs/request), ` +
        `${figures.droppedIterations} dropped (load ${loadavg()[0]?.toFixed(2)})`,
    );
  }
  log(
    `  highest sustained arrival rate against the stand-in: ${standInSearch.maxSustainedRate ?? 'none'} rps`,
  );

  let fleetSearch: Awaited<ReturnType<typeof stepUpRates>>;
  {
    await using fleet = await startFleet();
    log(
      `  step-up against the mock fleet (instrumented, no exporter; fleet in this process, engine in its own)`,
    );
    fleetSearch = await stepUpRates(fleet.entryUrl, log, FLEET_RATES);
  }
  log(`  highest sustained arrival rate against the fleet: ${fleetSearch.maxSustainedRate ?? 'none'} rps`);

  const sustainedStandIn = standInSearch.steps.filter((s) => s.sustained && s.cpuPerRequestUs !== undefined);
  return writeBench('load', {
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadavg() },
    goal: 'at least 3,000 requests/s against the stand-in without dropped iterations (k6 reached 1,500 here)',
    standInRateSearch: {
      target: 'stand-in orchestrator (load/testing/stand-in-orchestrator.ts, in the bench process)',
      scenario: PROBE_SCENARIO,
      probeDurationS: PROBE_DURATION_S,
      sustainedMeans: `0 dropped iterations and ≤ ${MAX_FAILED_RATE * 100}% failed requests`,
      maxSustainedRate: standInSearch.maxSustainedRate,
      steps: standInSearch.steps,
    },
    fleetRateSearch: {
      target: 'mock fleet (startFleet: 14 instrumented services, no exporter), in the bench process',
      scenario: PROBE_SCENARIO,
      maxSustainedRate: fleetSearch.maxSustainedRate,
      steps: fleetSearch.steps,
    },
    cpuPerRequestUs: {
      atHighestSustainedStandInRate: sustainedStandIn[sustainedStandIn.length - 1]?.cpuPerRequestUs,
      at100kRun: rss.cpuPerRequestUs,
    },
    peakRssAt100kRequests: rss,
    notes:
      'The engine runs in its own process (load/engine/worker-main.ts via tsx): its VmHWM and CPU time are sampled ' +
      'from /proc every 200 ms; tsx start-up is included in CPU and RSS. The machine is shared: figures are noisy, see loadAverage.',
  });
}

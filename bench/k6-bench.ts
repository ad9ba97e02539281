import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { SCRAPE_SERVICE_LABEL, startFleet, type StartedFleet } from '../mock-services/index.ts';
import { newRunId } from '../core/index.ts';
import { runScenario, type K6Summary, type ScenarioRun } from '../load/index.ts';
import { startStandInOrchestrator } from '../load/testing/stand-in-orchestrator.ts';
import { requireProvisioned, startLocalStack, type StartedStack } from '../stack/index.ts';
import { createClients, endpointsFromStack, waitForFleetScraped } from '../validators/index.ts';
import { machine, writeBench } from './util.ts';

export const BENCH_OUT = join('out', 'bench-runs');
/** Arrival rates tried against the fleet, in order; the search stops at the first one not sustained. */
const FLEET_RATES = [100, 150, 200, 250, 300, 400, 500, 650, 800];
/** The same search against the stand-in: k6's own ceiling on this machine, for comparison. */
const STAND_IN_RATES = [500, 750, 1000, 1500];
const PROBE_DURATION = '15s';
/** Request counts for the RSS measurement, and the stand-in's arrival rate for them. */
const RSS_REQUESTS = [10_000, 100_000];
const RSS_RATE = 500;
/** The load scenario ramps up for 10% of the run and down for 10%: requests ≈ 0.9 × rate × duration. */
const LOAD_SHAPE_FACTOR = 0.9;
/** A rate is sustained when no iteration was dropped and at most this share of requests failed (the flows' SLO). */
const MAX_FAILED_RATE = 0.01;
const SAMPLE_INTERVAL_MS = 250;
/** CPU ticks per second on Linux (`getconf CLK_TCK`). */
const CLK_TCK = 100;

/** What one k6 run did: the numbers a rate search and an RSS measurement need. */
export interface K6RunFigures {
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
  k6PeakRssMiB: number | undefined;
  k6CpuSeconds: number | undefined;
  sustained: boolean;
  wallMs: number;
}

interface K6Sample {
  pid: number | undefined;
  peakRssKiB: number;
  cpuTicks: number;
}

function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    // Fields after the `(comm)`: state ppid … utime(12th) stime(13th).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a live process has used, in seconds; undefined once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  const stat = pid === undefined ? undefined : procStat(pid);
  return stat ? stat.ticks / CLK_TCK : undefined;
}

function vmHwmKiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** The k6 child of this process (runScenario does not expose its pid): same binary, our pid as parent. */
function findK6Child(k6Path: string): number | undefined {
  const binary = resolve(k6Path);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (procStat(pid)?.ppid !== process.pid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === binary) return pid;
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return undefined;
}

/**
 * Samples k6's peak RSS (VmHWM, which only grows) and CPU time while it runs; stop() returns the
 * last values seen, read just before k6 exits at the latest sampling interval.
 */
function watchK6(k6Path: string): { stop: () => K6Sample } {
  const sample: K6Sample = { pid: undefined, peakRssKiB: 0, cpuTicks: 0 };
  const tick = () => {
    sample.pid ??= findK6Child(k6Path);
    if (sample.pid === undefined) return;
    const hwm = vmHwmKiB(sample.pid);
    const stat = procStat(sample.pid);
    if (hwm !== undefined) sample.peakRssKiB = Math.max(sample.peakRssKiB, hwm);
    if (stat) sample.cpuTicks = stat.ticks;
  };
  const timer = setInterval(tick, SAMPLE_INTERVAL_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return sample;
    },
  };
}

const metricValue = (summary: K6Summary, metric: string, value: string): number | undefined =>
  summary.metrics[metric]?.values[value];

/** Runs the load scenario once at `rate` against `baseUrl`, measuring k6 itself on the side. */
export async function measureK6Run(options: {
  baseUrl: string;
  rate: number;
  duration: string;
  ledger: boolean;
  runId?: string;
  k6Path?: string;
}): Promise<K6RunFigures & { run: ScenarioRun }> {
  const k6Path = options.k6Path ?? requireProvisioned('k6').binaries.k6;
  if (!k6Path) throw new Error('k6 is not provisioned: run `npm run stack:provision`');
  const started = Date.now();
  const watch = watchK6(k6Path);
  let run: ScenarioRun;
  let k6: K6Sample;
  try {
    run = await runScenario({
      scenario: 'load',
      baseUrl: options.baseUrl,
      runId: options.runId ?? newRunId(),
      outDir: BENCH_OUT,
      k6Path,
      ledger: options.ledger,
      env: { RATE: String(options.rate), DURATION: options.duration },
    });
  } finally {
    k6 = watch.stop();
  }
  const summary = run.summary;
  const droppedIterations = metricValue(summary, 'dropped_iterations', 'count') ?? 0;
  const failedRate = metricValue(summary, 'http_req_failed', 'rate') ?? 0;
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
    k6PeakRssMiB: k6.pid === undefined ? undefined : Math.round((k6.peakRssKiB / 1024) * 10) / 10,
    k6CpuSeconds: k6.pid === undefined ? undefined : k6.cpuTicks / CLK_TCK,
    sustained: droppedIterations === 0 && failedRate <= MAX_FAILED_RATE,
    wallMs: Date.now() - started,
    run,
  };
}

/** The stack and fleet as `validate` runs them: spans over OTLP, log lines to files the Collector tails. */
export async function startFleetWithStack(
  log: (line: string) => void,
): Promise<{ stack: StartedStack; fleet: StartedFleet } & AsyncDisposable> {
  // The whole stack, as `validate` starts it (the metrics checks expect every scrape target up).
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
  rates: readonly number[] = FLEET_RATES,
): Promise<{ steps: K6RunFigures[]; maxSustainedRate: number | undefined }> {
  const steps: K6RunFigures[] = [];
  let maxSustainedRate: number | undefined;
  for (const rate of rates) {
    const { run: _run, ...figures } = await measureK6Run({
      baseUrl,
      rate,
      duration: PROBE_DURATION,
      ledger: true,
    });
    steps.push(figures);
    log(
      `  ${String(rate).padStart(4)} rps for ${PROBE_DURATION}: ${figures.requests} requests, ` +
        `${figures.droppedIterations} dropped, ${(figures.failedRate * 100).toFixed(2)}% failed, ` +
        `p95 ${figures.p95Ms?.toFixed(0) ?? '?'} ms, k6 ${figures.k6PeakRssMiB ?? '?'} MiB / ${figures.k6CpuSeconds ?? '?'} CPU s` +
        ` (load ${loadavg()[0]?.toFixed(2)})`,
    );
    if (!figures.sustained) break;
    maxSustainedRate = rate;
  }
  return { steps, maxSustainedRate };
}

/**
 * `npm run bench -- k6`: the highest arrival rate k6 sustains against the fleet (with the stack it
 * exports to, as `validate` runs it) without dropped iterations, stepping up with 15 s runs; then
 * k6's peak RSS for 10k and 100k requests with the ledger on and off, against the stand-in
 * orchestrator (load/testing/), so it measures k6 and not the fleet.
 */
export async function k6Bench(log: (line: string) => void): Promise<string> {
  const loadBefore = loadavg();
  log(`  step-up against the fleet (${PROBE_DURATION} per rate, ledger on)`);
  let search: Awaited<ReturnType<typeof stepUpRates>>;
  {
    await using env = await startFleetWithStack(log);
    search = await stepUpRates(env.fleet.entryUrl, log);
  }
  log(`  highest sustained arrival rate against the fleet: ${search.maxSustainedRate ?? 'none'} rps`);

  const rss: (K6RunFigures & { standIn: true })[] = [];
  let standInSearch: Awaited<ReturnType<typeof stepUpRates>>;
  {
    await using standIn = await startStandInOrchestrator();
    log(`  step-up against the stand-in orchestrator (k6's own ceiling)`);
    standInSearch = await stepUpRates(standIn.entryUrl, log, STAND_IN_RATES);
    for (const requests of RSS_REQUESTS) {
      const seconds = Math.ceil(requests / (RSS_RATE * LOAD_SHAPE_FACTOR));
      for (const ledger of [false, true]) {
        const { run: _run, ...figures } = await measureK6Run({
          baseUrl: standIn.entryUrl,
          rate: RSS_RATE,
          duration: `${seconds}s`,
          ledger,
        });
        rss.push({ ...figures, standIn: true });
        log(
          `  ${requests} requests target (${figures.requests} sent) at ${RSS_RATE} rps, ledger ${ledger ? 'on ' : 'off'}: ` +
            `k6 peak RSS ${figures.k6PeakRssMiB ?? '?'} MiB, ${figures.k6CpuSeconds ?? '?'} CPU s, ` +
            `${figures.droppedIterations} dropped (load ${loadavg()[0]?.toFixed(2)})`,
        );
      }
    }
  }
  return writeBench('k6', {
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadavg() },
    fleetRateSearch: {
      target: 'mock fleet (startFleet, as `validate` starts it) exporting to the whole local stack',
      scenario: 'load',
      probeDuration: PROBE_DURATION,
      sustainedMeans: `0 dropped iterations and ≤ ${MAX_FAILED_RATE * 100}% failed requests`,
      maxSustainedRate: search.maxSustainedRate,
      steps: search.steps,
    },
    standInRateSearch: {
      target:
        'stand-in orchestrator (load/testing/stand-in-orchestrator.ts, in the bench process): k6’s own ceiling',
      maxSustainedRate: standInSearch.maxSustainedRate,
      steps: standInSearch.steps,
    },
    k6PeakRss: {
      target:
        'stand-in orchestrator (load/testing/stand-in-orchestrator.ts), so the figures measure k6, not the fleet',
      rate: RSS_RATE,
      runs: rss,
    },
    notes:
      'k6 is a child process: its VmHWM and CPU time are sampled from /proc every 250 ms (found by binary path and parent pid). ' +
      'Ledger on = `--out json=k6-raw.json.gz`, converted to ledger.jsonl after the run. ' +
      'The machine is shared: absolute figures are noisy, see loadAverage.',
  });
}

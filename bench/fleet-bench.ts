/**
 * `npm run bench -- fleet`: how fast the mock fleet serves plan_and_execute (POST /api/process,
 * ~10 HTTP hops) end to end, with the local stack running, uninstrumented and instrumented in the
 * same run. Three kinds of process: this one (measuring, stack control), the fleet's
 * (mock-services/main.ts, its services over worker threads) and the load generator's (the
 * in-process engine in its own process, load/engine/worker-main.ts: an open model, constant
 * arrival rate, so a slow fleet shows as latency and dropped iterations, never as a politely
 * slower client). Per mode: a warm-up, then rate steps until one is not sustained; per step the
 * fleet process's CPU (all threads, /proc) over the requests it answered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, newRunId, SERVICE_LABEL } from '../core/index.ts';
import { runEngineProcess, type ScenarioRun } from '../load/index.ts';
import { SCHEDULE_START_LINE } from '../load/engine/spawn.ts';
import { startReadyProcess, type ReadyProcess } from '../load/testing/ready-process.ts';
import { expectedIterations, scenarioDefinition } from '../scenarios/index.ts';
import { startLocalStack, type StartedStack } from '../stack/index.ts';
import { createClients, endpointsFromStack, waitForFleetScraped } from '../validators/index.ts';
import { CLK_TCK, cpuSecondsOf, cpuTicksOf, machine, peakRssMiB, writeBench } from './util.ts';

const BENCH_OUT = join('out', 'bench-runs');
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLEET_MAIN = join(REPO_ROOT, 'mock-services', 'main.ts');
const FLEET_START_TIMEOUT_MS = 60_000;
/** Worker threads of the fleet process: one per core of this 2-core machine. */
const FLEET_THREADS = 2;
/** Arrival rates tried in order (requests/s); a mode stops at the first one it does not sustain. */
const RATES = [150, 200, 250, 300, 400, 500, 600] as const;
const STEP_S = 15;
const WARMUP_S = 10;
/** Below the first step, so the warm-up heats the JIT and the sockets without leaving a backlog. */
const WARMUP_RATE = 50;
const SCENARIO = 'soak';
const FLOW = 'plan_and_execute';
const GOAL_RPS = 500;
const GOAL_CPU_RATIO = 1.5;
const SAMPLE_INTERVAL_MS = 200;

type Mode = 'uninstrumented' | 'instrumented';

interface StepFigures {
  rate: number;
  /** Iterations the schedule starts in the step (soak: a ramp over the first 1/20, then flat). */
  scheduled: number;
  /** plan_and_execute requests that got an answer within the step (interrupted ones are not counted). */
  requests: number;
  failed: number;
  droppedIterations: number;
  /** Every scheduled request sent and answered 200, none dropped for lack of VUs. */
  sustained: boolean;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
  vusMax: number | undefined;
  /** The fleet process's CPU (user + system, every thread) from the schedule's start to the run's end. */
  fleetCpuSeconds: number;
  fleetCpuMsPerRequest: number | undefined;
  /** Cores the fleet kept busy over the step. */
  fleetCores: number;
  /** The fleet's busiest threads over the step (`<tid> <name>` → CPU seconds): the JS threads should lead, evenly. */
  fleetThreadCpuSeconds: Record<string, number>;
  generatorCpuMsPerRequest: number | undefined;
  stackCpuSeconds: Record<string, number | null>;
  wallSeconds: number;
  loadavg1m: number;
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;
const load1 = (): number => round(loadavg()[0] ?? Number.NaN, 2);

interface FleetProcess extends ReadyProcess {
  /** `<service> → <base url>` as the process printed them. */
  services: Map<string, string>;
}

/** mock-services/main.ts in its own process: prints `<service> <url>` per service, then `ready`. */
async function startFleetProcess(mode: Mode, stack: StartedStack): Promise<FleetProcess> {
  const services = new Map<string, string>();
  const args = [FLEET_MAIN, '--threads', String(FLEET_THREADS), '--host', stack.scrapeTargetHost];
  if (mode === 'uninstrumented') args.push('--no-instrumentation');
  else {
    // As `validate` runs it: spans over OTLP to the Collector, JSON log lines to files the Collector tails.
    const logDir = stack.fleetLogDir ?? join(BENCH_OUT, stack.runId, 'fleet-logs');
    const otlp = stack.endpoints()['otel-collector.otlp-http'];
    if (otlp === undefined) throw new Error('the stack has no otel-collector.otlp-http endpoint');
    args.push('--otlp', otlp, '--log-dir', logDir, '--logs', 'file');
  }
  const fleet = await startReadyProcess({
    name: `fleet (${mode})`,
    args,
    cwd: REPO_ROOT,
    env: childEnv(['node'], { OTEL_EXPORTER_OTLP_ENDPOINT: '' }),
    timeoutMs: FLEET_START_TIMEOUT_MS,
    readyUrl: (line) => {
      const [name, url] = line.split(' ');
      if (name !== undefined && url !== undefined) services.set(name, url);
      if (line !== 'ready') return undefined;
      const entry = services.get('orchestrator-service');
      if (entry === undefined) throw new Error('the fleet process named no orchestrator-service');
      return entry;
    },
    where: FLEET_MAIN,
  });
  return Object.assign(fleet, { services });
}

/** utime + stime (ticks) of each thread of a live process, keyed `<tid> <name>`. */
function threadTicks(pid: number): Map<string, number> {
  const ticks = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return ticks;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(`${tid} ${name}`, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ticks;
}

/** The `top` threads by CPU between two threadTicks readings, in seconds. */
function busiestThreads(
  before: Map<string, number>,
  after: Map<string, number>,
  top = 4,
): Record<string, number> {
  return Object.fromEntries(
    [...after]
      .map(([key, t]) => [key, (t - (before.get(key) ?? 0)) / CLK_TCK] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, seconds]) => [key, round(seconds, 2)]),
  );
}

/** Samples a process's CPU ticks until stop(): the last value read before it exited. */
function cpuSampler(): { attach(pid: number): void; mark(): void; stop(): number | undefined } {
  let pid: number | undefined;
  let first: number | undefined;
  let last: number | undefined;
  const read = (): void => {
    const ticks = pid === undefined ? undefined : cpuTicksOf(pid);
    if (ticks !== undefined) last = ticks;
  };
  const timer = setInterval(read, SAMPLE_INTERVAL_MS);
  return {
    attach: (p) => {
      pid = p;
    },
    mark: () => {
      read();
      first = last;
    },
    stop: () => {
      read();
      clearInterval(timer);
      return first === undefined || last === undefined ? undefined : last - first;
    },
  };
}

const trend = (run: ScenarioRun, stat: string): number | undefined => {
  const v = run.summary.metrics[`http_req_duration{flow:${FLOW}}`]?.values[stat];
  return v === undefined ? undefined : round(v, 2);
};

/** One engine run at `rate` for `seconds`; the fleet's CPU from the schedule's start to the run's end. */
async function step(
  fleet: FleetProcess,
  stack: StartedStack,
  rate: number,
  seconds: number,
): Promise<StepFigures> {
  const env = { RATE: String(rate), DURATION: `${seconds}s` };
  const scheduled = Math.floor(expectedIterations(scenarioDefinition(SCENARIO, env).executor));
  const fleetPid = fleet.pid;
  if (fleetPid === undefined) throw new Error('the fleet process has no pid');
  const stackPids = [...stack.components.values()].map((c) => [c.name, c.pid] as const);
  const generator = cpuSampler();
  let fleetTicks0: number | undefined;
  let fleetThreads0 = new Map<string, number>();
  let stackCpu0: (number | undefined)[] = [];
  let t0 = 0;
  let run: ScenarioRun;
  let generatorTicks: number | undefined;
  try {
    run = await runEngineProcess({
      scenario: SCENARIO,
      flow: FLOW,
      baseUrl: fleet.entryUrl,
      runId: newRunId(),
      outDir: BENCH_OUT,
      ledger: false,
      env,
      onStart: (pid) => generator.attach(pid),
      onOutput: (line) => {
        if (line !== SCHEDULE_START_LINE) return;
        t0 = performance.now();
        fleetTicks0 = cpuTicksOf(fleetPid);
        fleetThreads0 = threadTicks(fleetPid);
        stackCpu0 = stackPids.map(([, pid]) => cpuSecondsOf(pid));
        generator.mark();
      },
    });
  } finally {
    generatorTicks = generator.stop();
  }
  const fleetTicks1 = cpuTicksOf(fleetPid);
  const fleetThreadCpuSeconds = busiestThreads(fleetThreads0, threadTicks(fleetPid));
  const wallSeconds = (performance.now() - t0) / 1000;
  const fleetCpuSeconds =
    fleetTicks0 === undefined || fleetTicks1 === undefined
      ? Number.NaN
      : (fleetTicks1 - fleetTicks0) / CLK_TCK;
  const failedPasses = run.summary.metrics[`http_req_failed{flow:${FLOW}}`]?.values['passes'] ?? 0;
  const requests = run.requests;
  const perRequest = (seconds: number | undefined) =>
    seconds === undefined || !Number.isFinite(seconds) || requests === 0
      ? undefined
      : round((seconds * 1000) / requests, 3);
  return {
    rate,
    scheduled,
    requests,
    failed: failedPasses,
    droppedIterations: run.droppedIterations,
    sustained: run.droppedIterations === 0 && failedPasses === 0 && requests >= scheduled,
    p50Ms: trend(run, 'med'),
    p99Ms: trend(run, 'p(99)'),
    maxMs: trend(run, 'max'),
    vusMax: run.summary.metrics['vus_max']?.values['value'],
    fleetCpuSeconds: round(fleetCpuSeconds, 2),
    fleetCpuMsPerRequest: perRequest(fleetCpuSeconds),
    fleetCores: round(fleetCpuSeconds / wallSeconds, 2),
    fleetThreadCpuSeconds,
    generatorCpuMsPerRequest: perRequest(generatorTicks === undefined ? undefined : generatorTicks / CLK_TCK),
    stackCpuSeconds: Object.fromEntries(
      stackPids.map(([name, pid], i) => {
        const after = cpuSecondsOf(pid);
        const before = stackCpu0[i];
        return [name, after === undefined || before === undefined ? null : round(after - before, 2)];
      }),
    ),
    wallSeconds: round(wallSeconds, 2),
    loadavg1m: load1(),
  };
}

function describe(mode: Mode, s: StepFigures): string {
  const ms = (v: number | undefined) => (v === undefined ? '?' : v.toFixed(1));
  return (
    `  ${mode.padEnd(14)} ${String(s.rate).padStart(4)} rps: ${s.sustained ? 'sustained' : 'NOT sustained'} ` +
    `(${s.requests}/${s.scheduled} answered, ${s.failed} failed, ${s.droppedIterations} dropped), ` +
    `p50/p99 ${ms(s.p50Ms)}/${ms(s.p99Ms)} ms, fleet ${s.fleetCpuMsPerRequest ?? '?'} CPU ms/request ` +
    `(${s.fleetCores} cores), generator ${s.generatorCpuMsPerRequest ?? '?'} ms/request, load ${s.loadavg1m}`
  );
}

/** One mode: the fleet process, a warm-up, then the rate steps until one is not sustained. */
async function measureMode(mode: Mode, stack: StartedStack, log: (line: string) => void) {
  await using fleet = await startFleetProcess(mode, stack);
  let scrapedBeforeLoad: boolean | undefined;
  if (mode === 'instrumented') {
    stack.setScrapeTargets(
      [...fleet.services].map(([name, url]) => ({
        targets: [new URL(url).host],
        labels: { [SERVICE_LABEL]: name },
      })),
    );
    const prometheus = createClients(endpointsFromStack(stack.endpoints())).prometheus;
    // As `validate` does: every service scraped once before the load.
    const scraped = await waitForFleetScraped(prometheus, fleet.services.size, 30_000);
    scrapedBeforeLoad = scraped.ok;
    if (!scraped.ok) log('  not every fleet target was scraped before the load');
  }
  try {
    const warmup = await step(fleet, stack, WARMUP_RATE, WARMUP_S);
    log(`  ${mode} warm-up: ${describe(mode, warmup).trim()}`);
    const steps: StepFigures[] = [];
    let maxSustainedRate: number | undefined;
    for (const rate of RATES) {
      const figures = await step(fleet, stack, rate, STEP_S);
      steps.push(figures);
      log(describe(mode, figures));
      if (!figures.sustained) break;
      maxSustainedRate = rate;
    }
    return {
      threads: FLEET_THREADS,
      ...(scrapedBeforeLoad === undefined ? {} : { scrapedBeforeLoad }),
      maxSustainedRate: maxSustainedRate ?? null,
      fleetPeakRssMiB: peakRssMiB(fleet.pid),
      steps,
    };
  } finally {
    if (mode === 'instrumented') stack.setScrapeTargets([]);
  }
}

export async function fleetBench(log: (line: string) => void): Promise<string> {
  const loadavgAtStart = loadavg().map((n) => round(n, 2));
  log(`  load average before: ${loadavgAtStart.join(' ')} (${machine()['cpus'] ?? '?'} CPUs)`);
  await using stack = await startLocalStack({ outDir: BENCH_OUT, log: () => undefined });
  log(`  stack ready in ${stack.readyMs}ms (run ${stack.runId})`);
  // Uninstrumented first; the stack idles alongside, so both modes carry the same background.
  const off = await measureMode('uninstrumented', stack, log);
  const on = await measureMode('instrumented', stack, log);

  // CPU per request at each rate both modes ran; the headline at the highest rate both sustained.
  const ratios = on.steps.flatMap((s) => {
    const base = off.steps.find((o) => o.rate === s.rate);
    if (!base?.fleetCpuMsPerRequest || !s.fleetCpuMsPerRequest) return [];
    return [
      {
        rate: s.rate,
        bothSustained: s.sustained && base.sustained,
        ratio: round(s.fleetCpuMsPerRequest / base.fleetCpuMsPerRequest),
      },
    ];
  });
  const headline = ratios.filter((r) => r.bothSustained).at(-1) ?? ratios[0];
  const sustainedOn = on.maxSustainedRate ?? 0;
  const atGoal = on.steps.find((s) => s.rate === GOAL_RPS);
  log(
    `  instrumented sustains ${sustainedOn || 'none of the'} rps; CPU/request on ÷ off ` +
      `${headline?.ratio ?? '?'} at ${headline?.rate ?? '?'} rps`,
  );

  return writeBench('fleet', {
    machine: machine(),
    flow: `${FLOW} (POST /api/process through the orchestrator, ~10 HTTP hops)`,
    load: {
      generator:
        'the in-process engine (load/engine/worker-main.ts) in its own process: open model, constant arrival rate, one keep-alive connection per VU',
      scenario: `${SCENARIO} with --flow ${FLOW} (a ramp over the first 1/20 of each step, then flat)`,
      rates: RATES,
      stepSeconds: STEP_S,
      warmup: { rate: WARMUP_RATE, seconds: WARMUP_S },
      fleet: `mock-services/main.ts in its own process, --threads ${FLEET_THREADS}`,
    },
    loadavg: { atStart: loadavgAtStart, atEnd: loadavg().map((n) => round(n, 2)) },
    modes: { uninstrumented: off, instrumented: on },
    overhead: { cpuPerRequestRatioByRate: ratios, headline: headline ?? null },
    goals: {
      instrumentedSustainedRps: {
        goal: `>= ${GOAL_RPS} requests/s, no drops`,
        measured: sustainedOn,
        met: sustainedOn >= GOAL_RPS,
      },
      instrumentedP99AtGoalMs: {
        goal: 'reported',
        measured: atGoal?.p99Ms ?? null,
        met: atGoal !== undefined,
      },
      cpuOverheadRatio: {
        goal: `<= ${GOAL_CPU_RATIO}`,
        measured: headline?.ratio ?? null,
        atRate: headline?.rate ?? null,
        met: headline !== undefined && headline.ratio <= GOAL_CPU_RATIO,
      },
    },
    notes:
      `Sustained = every iteration the schedule starts in the step was sent and answered 200 within it (requests >= scheduled), ` +
      `none failed, none dropped for lack of VUs. fleetCpuMsPerRequest = the fleet process's utime + stime (/proc/<pid>/stat, ` +
      `every thread) from the engine's schedule start to the end of its run (graceful stop included), over the requests answered. ` +
      `Instrumented = spans over OTLP/HTTP (protobuf) to the local stack's Collector, JSON log lines to files the Collector tails, ` +
      `scrape targets registered with Prometheus; uninstrumented = --no-instrumentation with the stack idling. ` +
      `stackCpuSeconds is the stack processes' CPU per step (not in the per-request figures). ` +
      `Everything shares the machine's ${machine()['cpus'] ?? '?'} cores: see loadavg and loadavg1m per step.`,
  });
}

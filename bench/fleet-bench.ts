import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LOOPBACK } from '../core/index.ts';
import { startFleet, type StartedFleet } from '../mock-services/index.ts';
import { startLocalStack, type StartedStack } from '../stack/index.ts';
import { createClients, endpointsFromStack, waitForFleetScraped } from '../validators/index.ts';
import { cpuSecondsOf, machine, peakRssMiB, writeBench } from './util.ts';

const CONCURRENCY = 32;
const WARMUP_MS = 3_000;
const DURATION_MS = 15_000;
/** Per-request deadline: a stuck request cannot hold the closed loop past the window for long. */
const REQUEST_TIMEOUT_MS = 10_000;
const QUERIES = 50;
const SAMPLE_INTERVAL_MS = 250;
const GOAL_RPS = 300;
const GOAL_CPU_RATIO = 1.5;
const BENCH_OUT = join('out', 'bench-runs');

interface LoadWindow {
  requests: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  wallMs: number;
  /** CPU of this whole process (user + system, all threads) over the window, including the final flush. */
  cpuMs: number;
  latenciesMs: number[];
  rssMaxMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/** Resets VmHWM of this process (Linux ≥ 4.0), so each mode's peak RSS is its own; false when refused. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * A closed-loop keep-alive client: `CONCURRENCY` loops, each posting the next plan_and_execute as
 * soon as its last one answered, until the window closes (then in-flight requests finish).
 */
async function closedLoop(
  baseUrl: string,
  durationMs: number,
  afterLoad?: () => Promise<void>,
): Promise<LoadWindow> {
  const url = new URL('/api/process', baseUrl);
  if (url.hostname !== LOOPBACK) throw new Error(`fleet bench only loads ${LOOPBACK}, not ${url.hostname}`);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latenciesMs: number[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  let failed = 0;
  const post = (i: number): Promise<number> =>
    new Promise((resolvePost, rejectPost) => {
      const body = JSON.stringify({ query: `q${i % QUERIES}`, parameters: {} });
      const ids = randomBytes(24).toString('hex');
      const req = request(
        {
          agent,
          host: LOOPBACK,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            traceparent: `00-${ids.slice(0, 32)}-${ids.slice(32)}-01`,
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolvePost(res.statusCode ?? 0));
          res.on('error', rejectPost);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', rejectPost);
      req.end(body);
    });

  let rssMax = process.memoryUsage().rss;
  const sampler = setInterval(
    () => (rssMax = Math.max(rssMax, process.memoryUsage().rss)),
    SAMPLE_INTERVAL_MS,
  );
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const started = performance.now();
        try {
          const status = await post(i);
          latenciesMs.push(performance.now() - started);
          if (status === 200) ok++;
          else {
            failed++;
            errors[`http ${status}`] = (errors[`http ${status}`] ?? 0) + 1;
          }
        } catch (error) {
          failed++;
          const key = error instanceof Error ? error.message.slice(0, 80) : String(error);
          errors[key] = (errors[key] ?? 0) + 1;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }),
  );
  const wallMs = performance.now() - t0;
  await afterLoad?.();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  agent.destroy();
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  return {
    requests: ok + failed,
    ok,
    failed,
    errors,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    latenciesMs,
    rssMaxMiB: mib(rssMax),
  };
}

function summarize(w: LoadWindow) {
  const sorted = [...w.latenciesMs].sort((a, b) => a - b);
  return {
    requests: w.requests,
    ok: w.ok,
    failed: w.failed,
    errors: w.errors,
    wallSeconds: round(w.wallMs / 1000),
    requestsPerSecond: round(w.ok / (w.wallMs / 1000), 1),
    latencyMs: {
      p50: round(percentile(sorted, 50), 2),
      p99: round(percentile(sorted, 99), 2),
      max: round(sorted.at(-1) ?? Number.NaN, 2),
    },
    cpuSeconds: round(w.cpuMs / 1000),
    cpuPerRequestMs: round(w.cpuMs / Math.max(1, w.requests), 4),
    coresBusy: round(w.cpuMs / w.wallMs, 2),
  };
}

/** A trivial JSON server in a child process (so its CPU is not this process's), answering `bytes`-long bodies. */
async function startTrivialServer(bytes: number): Promise<{ url: string; child: ChildProcess }> {
  const code = `
    const http = require('node:http');
    const body = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, ${bytes} - 11)) }));
    const server = http.createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
    });
    server.keepAliveTimeout = 30000;
    server.listen(0, '${LOOPBACK}', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolvePort, rejectPort) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolvePort(out.trim());
    });
    child.once('exit', (code) => rejectPort(new Error(`trivial server exited (${code})`)));
  });
  return { url: `http://${LOOPBACK}:${port}`, child };
}

/** Warm-up, then the measured window; RSS figures are this process's (the fleet runs in it). */
async function measureMode(
  name: string,
  baseUrl: string,
  log: (line: string) => void,
  flush?: () => Promise<void>,
  stack?: StartedStack,
): Promise<Record<string, unknown>> {
  const loadavgBefore = loadavg().map((n) => round(n, 2));
  await closedLoop(baseUrl, WARMUP_MS, flush);
  const peakReset = resetPeakRss();
  const stackPids = stack ? [...stack.components.values()].map((c) => [c.name, c.pid] as const) : [];
  const stackCpu0 = stackPids.map(([, pid]) => cpuSecondsOf(pid));
  const w = await closedLoop(baseUrl, DURATION_MS, flush);
  const stackCpu = Object.fromEntries(
    stackPids.map(([component, pid], i) => {
      const after = cpuSecondsOf(pid);
      const before = stackCpu0[i];
      return [component, after === undefined || before === undefined ? null : round(after - before, 2)];
    }),
  );
  const figures = {
    ...summarize(w),
    rssMiB: mib(process.memoryUsage().rss),
    rssMaxSampledMiB: w.rssMaxMiB,
    peakRssMiB: peakRssMiB(process.pid),
    peakRssResetBeforeWindow: peakReset,
    loadavgBefore,
    loadavgAfter: loadavg().map((n) => round(n, 2)),
    ...(stack ? { stackCpuSecondsDuringWindow: stackCpu } : {}),
  };
  log(
    `  ${name.padEnd(14)} ${figures.requestsPerSecond} req/s, p50 ${figures.latencyMs.p50}ms p99 ${figures.latencyMs.p99}ms, ` +
      `${figures.cpuPerRequestMs} ms CPU/req, ${figures.failed} failed, RSS ${figures.rssMiB} MiB (peak ${figures.peakRssMiB})`,
  );
  return figures;
}

/** A response body, to size the trivial server's answers like the fleet's. */
async function sampleResponseBytes(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/process`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'q0', parameters: {} }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`plan_and_execute answered ${res.status}: ${text.slice(0, 200)}`);
  return Buffer.byteLength(text);
}

/**
 * `npm run bench -- fleet`: saturation throughput, latency, CPU per request and RSS of plan_and_execute
 * end to end through the in-process fleet (threads: 1), instrumented with the local stack running and
 * uninstrumented, side by side; the in-process load generator's own CPU is measured against a
 * trivial server and subtracted.
 */
export async function fleetBench(log: (line: string) => void): Promise<string> {
  const loadavgAtStart = loadavg().map((n) => round(n, 2));
  const stack = await startLocalStack({ outDir: BENCH_OUT, log: () => undefined });
  const modes: Record<string, Record<string, unknown>> = {};
  let responseBytes = 0;
  try {
    log(`  stack ready in ${stack.readyMs}ms (run ${stack.runId})`);
    const fleetLogDir = stack.fleetLogDir ?? join(BENCH_OUT, stack.runId, 'fleet-logs');

    // Uninstrumented first (the stack idles alongside, so the machine carries the same background).
    {
      await using fleet = await startFleet({ instrumentation: false, threads: 1 });
      responseBytes = await sampleResponseBytes(fleet.entryUrl);
      modes['uninstrumented'] = {
        threads: fleet.threads,
        ...(await measureMode('uninstrumented', fleet.entryUrl, log, undefined, stack)),
      };
    }

    // Instrumented as `validate` runs it: spans over OTLP to the Collector, JSON log lines to files the Collector tails.
    {
      const endpoints = stack.endpoints();
      await using fleet: StartedFleet = await startFleet({
        host: stack.scrapeTargetHost,
        otlpHttpEndpoint: endpoints['otel-collector.otlp-http'],
        logDir: fleetLogDir,
        logsViaOtlp: false,
        logsToFile: true,
        threads: 1,
      });
      stack.setScrapeTargets(fleet.scrapeTargets());
      const prometheus = createClients(endpointsFromStack(endpoints)).prometheus;
      const scraped = await waitForFleetScraped(prometheus, fleet.services.size, 30_000);
      if (!scraped.ok) log('  not every fleet target was scraped before the load');
      modes['instrumented'] = {
        threads: fleet.threads,
        scrapedBeforeLoad: scraped.ok,
        ...(await measureMode('instrumented', fleet.entryUrl, log, () => fleet.flush(), stack)),
      };
      stack.setScrapeTargets([]);
    }
  } finally {
    await stack[Symbol.asyncDispose]();
  }

  // The load generator alone: the same client, same duration, against a trivial server in another process.
  const trivial = await startTrivialServer(responseBytes);
  let client: Record<string, unknown>;
  try {
    client = await measureMode('client only', trivial.url, log);
  } finally {
    if (trivial.child.pid !== undefined && trivial.child.exitCode === null)
      process.kill(trivial.child.pid, 'SIGTERM');
  }
  const clientCpu = Number(client['cpuPerRequestMs']);
  const net = (m: Record<string, unknown> | undefined) =>
    round(Number(m?.['cpuPerRequestMs']) - clientCpu, 4);
  for (const m of Object.values(modes)) m['fleetCpuPerRequestMs'] = net(m);
  const on = modes['instrumented'];
  const off = modes['uninstrumented'];
  const rawRatio = round(Number(on?.['cpuPerRequestMs']) / Number(off?.['cpuPerRequestMs']));
  const netRatio = round(Number(on?.['fleetCpuPerRequestMs']) / Number(off?.['fleetCpuPerRequestMs']));
  const rpsOn = Number(on?.['requestsPerSecond']);
  log(
    `  client CPU ${clientCpu} ms/req; overhead ratio (fleet CPU/req on ÷ off) ${netRatio} (raw ${rawRatio})`,
  );

  return writeBench('fleet', {
    machine: machine(),
    flow: 'plan_and_execute (POST /api/process)',
    load: {
      generator: 'in-process closed-loop node:http client, keepAlive Agent, fresh traceparent per request',
      concurrency: CONCURRENCY,
      warmupSeconds: WARMUP_MS / 1000,
      durationSeconds: DURATION_MS / 1000,
      queries: `q0..q${QUERIES - 1}`,
      responseBytes,
    },
    loadavg: { atStart: loadavgAtStart, atEnd: loadavg().map((n) => round(n, 2)) },
    modes,
    clientOnly: client,
    overhead: {
      cpuPerRequestRatioRaw: rawRatio,
      fleetCpuPerRequestRatio: netRatio,
    },
    goals: {
      instrumentedRps: { goal: `>= ${GOAL_RPS}`, measured: rpsOn, met: rpsOn >= GOAL_RPS },
      cpuOverheadRatio: { goal: `<= ${GOAL_CPU_RATIO}`, measured: netRatio, met: netRatio <= GOAL_CPU_RATIO },
    },
    notes:
      'The fleet runs in this process on one thread (threads: 1) and the load generator shares it, so the two compete for one event loop. ' +
      'cpuPerRequestMs = process.cpuUsage() (user + system, all threads) over the window (incl. the final telemetry flush) / requests, client included; ' +
      'fleetCpuPerRequestMs subtracts clientOnly.cpuPerRequestMs, the same client against a trivial server in a child process (same body size), ' +
      'whose CPU is not counted. The overhead ratio uses the net figures. ' +
      'Instrumented = spans over OTLP/HTTP to the local stack’s Collector, JSON logs to files in the stack’s fleet log dir (tailed by the Collector), ' +
      'scrape targets registered with Prometheus; uninstrumented = instrumentation: false with the stack idling. ' +
      'stackCpuSecondsDuringWindow is the stack processes’ CPU in each window (not included in the per-request figures). ' +
      'peakRssMiB is VmHWM of this process, reset before each window when the kernel allows (peakRssResetBeforeWindow). ' +
      'The machine is shared: see loadavg.',
  });
}

import { HarnessError } from '../core/index.ts';

/**
 * The alert drills' traffic: a small in-process request loop against the fleet's entry URL. Why not
 * k6: the drills need a steady stimulus, not an accounted load; this starts and stops at once (no
 * k6 boot, no ledger), keeps an open arrival rate when a fault slows the fleet (bounded in-flight),
 * and stops by itself after `maxDurationMs` if nobody calls stop(). Loopback only.
 */
export interface DrillTrafficOptions {
  /** The orchestrator's base URL (StartedFleet.entryUrl); must be a loopback address. */
  entryUrl: string;
  /** Requests started per second (default 12). */
  ratePerSecond?: number;
  /** Requests in flight at most; a tick finding this many skips its request (default 64). */
  maxInFlight?: number;
  /** Stops by itself after this long (default 10 minutes). */
  maxDurationMs?: number;
  requestTimeoutMs?: number;
}

export interface DrillTrafficStats {
  sent: number;
  skipped: number;
  /** Answers by HTTP status; `error` = no answer. */
  byStatus: Record<string, number>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * One cycle of requests: plan_and_execute reaches every service; kb_query on mind-kb gives
 * data-router's breaker toward it calls to fail; llm_generate adds LLM and safety traffic.
 */
const CYCLE: readonly { path: string; body: Record<string, unknown> }[] = [
  { path: '/api/process', body: { query: 'drill: summarise the fleet health', parameters: {} } },
  { path: '/api/kb/query', body: { query: 'drill: what does the mind kb know?', kb: 'mind' } },
  { path: '/api/process', body: { query: 'drill: plan a monitoring review', parameters: {} } },
  { path: '/api/llm/generate', body: { prompt: 'Drill: one sentence on the state of the fleet.' } },
  { path: '/api/kb/query', body: { query: 'drill: what does the soul kb know?', kb: 'soul' } },
  { path: '/api/process', body: { query: 'drill: check the error budget', parameters: {} } },
];

export class RequestLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private n = 0;
  private readonly counts: DrillTrafficStats = { sent: 0, skipped: 0, byStatus: {} };
  private readonly base: string;
  private readonly ratePerSecond: number;
  private readonly maxInFlight: number;
  private readonly maxDurationMs: number;
  private readonly requestTimeoutMs: number;

  constructor(options: DrillTrafficOptions) {
    const url = new URL(options.entryUrl);
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      throw new HarnessError(`drill traffic goes to loopback addresses only, not ${url.hostname}`, {
        where: 'load/request-loop.ts',
        hint: 'against a remote fleet, drive load with k6 (scenarios/) instead',
      });
    }
    this.base = url.origin;
    this.ratePerSecond = options.ratePerSecond ?? 12;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.maxDurationMs = options.maxDurationMs ?? 10 * 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1000 / this.ratePerSecond);
    this.stopTimer = setTimeout(() => void this.stop(), this.maxDurationMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.stopTimer);
    this.timer = undefined;
    this.stopTimer = undefined;
    await Promise.all([...this.inFlight]);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stats(): DrillTrafficStats {
    return { ...this.counts, byStatus: { ...this.counts.byStatus } };
  }

  private tick(): void {
    if (this.inFlight.size >= this.maxInFlight) {
      this.counts.skipped += 1;
      return;
    }
    const request = CYCLE[this.n % CYCLE.length] ?? CYCLE[0];
    this.n += 1;
    if (!request) return;
    this.counts.sent += 1;
    const done = fetch(`${this.base}${request.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `drill-${this.n}` },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(this.requestTimeoutMs),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        return String(res.status);
      })
      .catch(() => 'error')
      .then((status) => {
        this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1;
        this.inFlight.delete(done);
      });
    this.inFlight.add(done);
  }
}

/** The drills' traffic against a fleet's entry URL (see RequestLoop). */
export function drillTraffic(options: DrillTrafficOptions): RequestLoop {
  return new RequestLoop(options);
}

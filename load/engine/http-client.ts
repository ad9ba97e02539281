/**
 * HTTP for the engine, on undici: one keep-alive pool per origin, sized to the VU cap (a VU has
 * at most one request in flight, as in k6), a total per-request timeout, and errors turned into
 * k6's status 0 + error code (https://grafana.com/docs/k6/latest/javascript-api/error-codes/).
 */
import { Pool, type Dispatcher } from 'undici';

/** k6's error codes the engine can meet (a response ≥ 400 gets 1000 + its status, as in k6). */
export const K6_ERROR_CODES = {
  generic: 1000,
  requestTimeout: 1050,
  noSuchHost: 1101,
  tcpGeneric: 1200,
  brokenPipe: 1201,
  dialTimeout: 1211,
  dialRefused: 1212,
  resetByPeer: 1220,
} as const;

export interface HttpAnswer {
  /** 0 when no answer came. */
  status: number;
  body: string;
  /** Sending + waiting + receiving, ms (k6's http_req_duration). */
  durationMs: number;
  /** k6's error code: for status 0, or 1000 + status for a status ≥ 400. */
  errorCode: number | undefined;
  /** k6's error text for status 0 (`dial: connection refused`, `request timeout`…). */
  error: string | undefined;
}

interface NodeError {
  code?: string;
  name?: string;
  message?: string;
  cause?: unknown;
}

/** A Node/undici error → k6's code and message for it (k6's wording, so messages match k6 runs). */
export function k6ErrorFor(error: unknown): { code: number; message: string } {
  let e = error as NodeError | undefined;
  // undici wraps socket errors: look through the causes for the system error.
  for (let depth = 0; depth < 4 && e !== undefined; depth++) {
    switch (e.code) {
      case 'ECONNREFUSED':
        return { code: K6_ERROR_CODES.dialRefused, message: 'dial: connection refused' };
      case 'ECONNRESET':
        return { code: K6_ERROR_CODES.resetByPeer, message: 'read: connection reset by peer' };
      case 'EPIPE':
        return { code: K6_ERROR_CODES.brokenPipe, message: 'write: broken pipe' };
      case 'ENOTFOUND':
        return { code: K6_ERROR_CODES.noSuchHost, message: 'lookup: no such host' };
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
        return { code: K6_ERROR_CODES.dialTimeout, message: 'dial: i/o timeout' };
      default:
        break;
    }
    e = e.cause as NodeError | undefined;
  }
  const top = error as NodeError | undefined;
  if (top?.code === 'UND_ERR_SOCKET')
    return { code: K6_ERROR_CODES.tcpGeneric, message: top.message ?? 'socket error' };
  return { code: K6_ERROR_CODES.generic, message: top?.message ?? String(error) };
}

export interface SendOptions {
  method: string;
  /** Absolute URL; its origin must be the client's. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

interface Target {
  origin: string;
  path: string;
}

/**
 * A request's life on undici's dispatcher API (no AbortSignal, no body stream per request: this is
 * the engine's hot path). A timeout or abortAll() before the request reached a socket aborts it
 * as soon as undici hands over its controller.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private cancelled: Error | undefined;
  private status = 0;
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();
  timedOut = false;

  constructor(
    timeoutMs: number,
    private readonly done: (exchange: Exchange, answer: HttpAnswer) => void,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.cancel(new Error('request timeout'));
    }, timeoutMs);
  }

  cancel(reason: Error): void {
    this.cancelled ??= reason;
    if (this.controller !== undefined && !this.controller.aborted) this.controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled !== undefined) controller.abort(this.cancelled);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const status = this.status;
    this.finish({
      status,
      body:
        this.chunks.length === 1
          ? (this.chunks[0]?.toString('utf8') ?? '')
          : Buffer.concat(this.chunks).toString('utf8'),
      durationMs: performance.now() - this.started,
      errorCode: status >= 400 ? 1000 + status : undefined,
      error: undefined,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const k6 = this.timedOut
      ? { code: K6_ERROR_CODES.requestTimeout, message: 'request timeout' }
      : k6ErrorFor(error);
    this.finish({
      status: 0,
      body: '',
      durationMs: performance.now() - this.started,
      errorCode: k6.code,
      error: k6.message,
    });
  }

  private finish(answer: HttpAnswer): void {
    clearTimeout(this.timer);
    this.done(this, answer);
  }
}

export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, Target>();
  private readonly inFlight = new Set<Exchange>();

  constructor(private readonly connections: number) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.connections,
        pipelining: 1,
        keepAliveTimeout: 60_000,
        // Our own timer bounds the whole request; undici's would cut it with other codes.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** The flows use a handful of URLs: parse each once. */
  private target(url: string): Target {
    let target = this.targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      this.targets.set(url, target);
    }
    return target;
  }

  /** Sends one request; never throws (a failure is status 0 with k6's error code). */
  send(options: SendOptions): Promise<HttpAnswer> {
    const target = this.target(options.url);
    return new Promise<HttpAnswer>((resolveAnswer) => {
      let settled = false;
      const exchange = new Exchange(options.timeoutMs, (self, answer) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(self);
        resolveAnswer(answer);
      });
      this.inFlight.add(exchange);
      try {
        this.pool(target.origin).dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: options.method as Dispatcher.HttpMethod,
            headers: options.headers,
            body: options.body ?? null,
          },
          exchange,
        );
      } catch (error) {
        exchange.onResponseError(undefined as unknown as Dispatcher.DispatchController, error as Error);
      }
    });
  }

  /** Aborts every request still in flight (the graceful stop ran out). */
  abortAll(): void {
    for (const exchange of this.inFlight)
      exchange.cancel(new Error('interrupted at the end of gracefulStop'));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
    this.pools.clear();
  }
}

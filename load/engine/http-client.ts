/**
 * HTTP for the engine, on undici's dispatcher API (this is the engine's hot path: no fetch(), no
 * AbortSignal, no Promise and no timer per request):
 *
 * - One keep-alive connection per VU, as in k6 (`Connection`: an undici `Client`, pipelining 1), so
 *   a VU never waits behind another's request; a pool of sockets connected ahead (`preconnect`) so
 *   the first second of a high rate does not pay for hundreds of TCP handshakes at once.
 * - A total per-request timeout, enforced by one sweep timer over the requests in flight.
 * - Errors turned into k6's status 0 + error code
 *   (https://grafana.com/docs/k6/latest/javascript-api/error-codes/).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { BodyChunks } from '../../core/index.ts';

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

/** What a request's end hands back: status 0 and k6's error when no answer came. */
export type AnswerCallback = (answer: HttpAnswer) => void;

export interface SendOptions {
  method: string;
  /** Absolute URL; its origin must be the client's. */
  url: string;
  headers: Record<string, string> | string[];
  body?: string;
  timeoutMs: number;
}

/** How often the timeout sweep runs: a request times out at most this late. */
const SWEEP_MS = 10;

/**
 * A request's life. A timeout or abortAll() before the request reached a socket aborts it as soon
 * as undici hands over its controller; whatever happens, `done` runs exactly once.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private cancelled: Error | undefined;
  private status = 0;
  private readonly body = new BodyChunks();
  private settled = false;
  readonly started = performance.now();
  timedOut = false;

  constructor(
    readonly deadline: number,
    private readonly owner: HttpClient,
    private readonly done: AnswerCallback,
  ) {}

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
    this.body.add(chunk);
  }

  onResponseEnd(): void {
    const status = this.status;
    this.finish({
      status,
      body: this.body.text(),
      durationMs: performance.now() - this.started,
      errorCode: status >= 400 ? 1000 + status : undefined,
      error: undefined,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
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
    if (this.settled) return;
    this.settled = true;
    this.owner.settled(this);
    this.done(answer);
  }
}

/** Sockets connected ahead of the load, handed to the first connections that need one. */
class SocketStock {
  private readonly sockets: Socket[] = [];

  /** Connects `count` sockets to `origin` (http only); resolves once all are connected or failed. */
  async fill(origin: string, count: number): Promise<void> {
    const url = new URL(origin);
    if (url.protocol !== 'http:' || count <= 0) return;
    const port = Number(url.port || 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<void>((resolveSocket) => {
            const socket = netConnect({ host, port, noDelay: true, keepAlive: true });
            const drop = (): void => {
              const at = this.sockets.indexOf(socket);
              if (at >= 0) this.sockets.splice(at, 1);
            };
            socket.once('connect', () => {
              this.sockets.push(socket);
              resolveSocket();
            });
            socket.once('error', () => resolveSocket());
            socket.once('close', drop);
          }),
      ),
    );
  }

  /** A live connected socket, or undefined. */
  take(): Socket | undefined {
    for (;;) {
      const socket = this.sockets.pop();
      if (socket === undefined) return undefined;
      if (!socket.destroyed && socket.readyState === 'open') {
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        return socket;
      }
    }
  }

  destroy(): void {
    for (const socket of this.sockets.splice(0)) socket.destroy();
  }
}

/** One keep-alive connection to one origin (a VU's, or the preflight's): at most one request at a time. */
export class Connection {
  constructor(
    private readonly http: HttpClient,
    private readonly client: Client,
    private readonly origin: string,
  ) {}

  /**
   * Sends one request to `path` on this connection's origin; `done` runs once with the answer
   * (never throws: a failure is status 0 with k6's error code).
   */
  send(
    method: string,
    path: string,
    headers: Record<string, string> | string[],
    body: string | undefined,
    timeoutMs: number,
    done: AnswerCallback,
  ): void {
    const exchange = new Exchange(performance.now() + timeoutMs, this.http, done);
    this.http.track(exchange);
    try {
      this.client.dispatch(
        { origin: this.origin, path, method: method as Dispatcher.HttpMethod, headers, body: body ?? null },
        exchange,
      );
    } catch (error) {
      exchange.onResponseError(undefined, error as Error);
    }
  }
}

export class HttpClient {
  private readonly clients: Client[] = [];
  private readonly inFlight = new Set<Exchange>();
  private readonly stock = new SocketStock();
  private readonly connector = buildConnector({});
  private sweeper: NodeJS.Timeout | undefined;

  /** A new keep-alive connection to `origin` (connected on its first request, or from the stock). */
  connection(origin: string): Connection {
    const stock = this.stock;
    const connector = this.connector;
    const client = new Client(origin, {
      pipelining: 1,
      keepAliveTimeout: 60_000,
      // The sweep bounds the whole request; undici's timers would cut it with other codes.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (options, callback) => {
        const socket = stock.take();
        // undici expects the callback later than the call (it is still marking the client connecting).
        if (socket !== undefined) process.nextTick(callback, null, socket);
        else connector(options, callback);
      },
    });
    this.clients.push(client);
    return new Connection(this, client, origin);
  }

  /** Connects up to `count` sockets to `origin` ahead of the load (failures are left to the requests). */
  preconnect(origin: string, count: number): Promise<void> {
    return this.stock.fill(origin, count);
  }

  /** Sends one request on a connection of its own (the preflight); never rejects. */
  send(options: SendOptions): Promise<HttpAnswer> {
    const url = new URL(options.url);
    const connection = this.connection(url.origin);
    return new Promise<HttpAnswer>((resolveAnswer) =>
      connection.send(
        options.method,
        `${url.pathname}${url.search}`,
        options.headers,
        options.body,
        options.timeoutMs,
        resolveAnswer,
      ),
    );
  }

  /** @internal A request started: the sweep watches its deadline. */
  track(exchange: Exchange): void {
    this.inFlight.add(exchange);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** @internal A request ended. */
  settled(exchange: Exchange): void {
    this.inFlight.delete(exchange);
  }

  private sweep(): void {
    if (this.inFlight.size === 0) return;
    const now = performance.now();
    for (const exchange of this.inFlight) {
      if (exchange.deadline <= now && !exchange.timedOut) {
        exchange.timedOut = true;
        exchange.cancel(new Error('request timeout'));
      }
    }
  }

  /** Aborts every request still in flight (the graceful stop ran out). */
  abortAll(): void {
    for (const exchange of [...this.inFlight])
      exchange.cancel(new Error('interrupted at the end of gracefulStop'));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.stock.destroy();
    await Promise.all(this.clients.splice(0).map((c) => c.destroy()));
  }
}

import type { OutgoingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { BodyChunks } from '../core/index.ts';

export interface PeerResponse {
  /** HTTP status, or 503 when the peer could not be reached or did not answer in time. */
  status: number;
  body: Record<string, unknown>;
  /** Why no real answer came back, when none did. */
  failure?: 'circuit_open' | 'unreachable' | 'timeout';
  /** The network error's text, when there was one. */
  networkError?: string;
}

export interface PeerAddress {
  hostname: string;
  port: number;
}

const CALL_TIMEOUT_MS = 60_000;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** The JSON answer of a peer, or a 503 saying why none came. Never throws; `done` runs once. */
class PeerExchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private readonly chunks = new BodyChunks();
  private settled = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly done: (response: PeerResponse) => void,
  ) {}

  /** Present so undici sees the v7 handler API (without it, it asks for the legacy onConnect). */
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.add(chunk);
  }

  onResponseEnd(): void {
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(this.chunks.text());
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      body = { error: 'peer answered a body that is not JSON' };
    }
    this.settle({ status: this.status, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    const code = (error as { code?: string }).code;
    if (code !== undefined && TIMEOUT_CODES.has(code)) {
      const text = `no answer within ${this.timeoutMs}ms`;
      this.settle({ status: 503, body: { error: text }, failure: 'timeout', networkError: text });
      return;
    }
    // undici wraps the socket's error (ECONNREFUSED …): its text is the one worth showing.
    const cause = (error as { cause?: unknown }).cause;
    const message = cause instanceof Error && cause.message ? cause.message : error.message;
    this.settle({ status: 503, body: { error: message }, failure: 'unreachable', networkError: message });
  }

  private settle(response: PeerResponse): void {
    if (this.settled) return;
    this.settled = true;
    this.done(response);
  }
}

/**
 * Service-to-service HTTP over one keep-alive undici Pool per peer (a socket per concurrent call,
 * reused: a hop costs a request/response on an open connection, not a TCP handshake). undici's
 * dispatcher API: no Promise, stream or timer per request, head and body in one write.
 */
export class PeerClient {
  private readonly pools = new Map<string, Pool>();

  /** `timeoutMs` bounds the wait for the answer's head and each pause in its body (tests shorten it). */
  constructor(private readonly timeoutMs = CALL_TIMEOUT_MS) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        pipelining: 1,
        keepAliveTimeout: 60_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /**
   * POSTs a JSON body and parses the JSON answer; never throws (failures become 503 answers).
   * `headers` is sent as given, so the caller includes content-type and content-length.
   */
  post(to: PeerAddress, path: string, json: string, headers: OutgoingHttpHeaders): Promise<PeerResponse> {
    const flat: string[] = [];
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) flat.push(name, v);
      else flat.push(name, String(value));
    }
    const origin = `http://${to.hostname.includes(':') ? `[${to.hostname}]` : to.hostname}:${to.port}`;
    return new Promise((resolve) => {
      const exchange = new PeerExchange(this.timeoutMs, resolve);
      try {
        this.pool(origin).dispatch({ origin, path, method: 'POST', headers: flat, body: json }, exchange);
      } catch (error) {
        exchange.onResponseError(undefined, error as Error);
      }
    });
  }

  /** Drops the keep-alive sockets to peers (calls in flight fail as unreachable). */
  close(): void {
    for (const pool of this.pools.values()) void pool.destroy().catch(() => undefined);
    this.pools.clear();
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { MetricDef, ServiceName } from '../catalog/index.ts';
import { HarnessError, LOOPBACK } from '../core/index.ts';
import type {
  Behaviour,
  BehaviourFactory,
  LogFields,
  Operation,
  OperationResult,
  ServiceCall,
} from './behaviour.ts';
import { CircuitBreakers } from './circuit-breakers.ts';
import {
  FAULT_NAMES,
  FaultSet,
  parseFault,
  type Fault,
  type FaultName,
  type FaultParseResult,
} from './fault-set.ts';
import { PeerClient, type PeerAddress, type PeerResponse } from './peer-client.ts';
import { ServiceMetrics } from './service-metrics.ts';
import { ServiceTelemetry, type LogLevel } from './service-telemetry.ts';
import { clientSpanName, serverSpanName } from './span-names.ts';

const PROPAGATOR = new W3CTraceContextPropagator();
const JSON_HEADERS = { 'content-type': 'application/json' } as const;
/** Request bodies above this are refused: the fleet's payloads are tiny. */
const MAX_BODY_BYTES = 1_000_000;
const NO_TRACE = '';

export interface MockServiceOptions {
  service: ServiceName;
  host: string;
  port: number;
  behaviour: BehaviourFactory;
  metricDefs: readonly MetricDef[];
  instrumentation: boolean;
  otlpHttpEndpoint: string | undefined;
  logDir: string | undefined;
  logsViaOtlp: boolean;
  logsToFile: boolean;
  spanExporter: SpanExporter | undefined;
  logExporter: LogRecordExporter | undefined;
  exportTimeoutMs: number;
  /** Where a peer listens; undefined = not reachable from here (calls answer 503). */
  resolvePeer: (service: ServiceName) => PeerAddress | undefined;
}

/** Answers for the fault API, shaped as docs/fleet-api.md says. */
export type FaultApiAnswer = { status: number; body: Record<string, unknown> };

/**
 * One mock Phoenix service: a plain node:http server with the middleware every Phoenix service
 * has (request metrics, a server span extracted from `traceparent`, a JSON log line per request),
 * the behaviour that makes it this service, and the fault-injection API.
 */
export class MockService {
  readonly service: ServiceName;
  readonly metrics: ServiceMetrics;
  readonly faults = new FaultSet();
  private readonly telemetry: ServiceTelemetry | undefined;
  private readonly behaviour: Behaviour;
  private readonly routes = new Map<string, Operation>();
  /** Span names computed once (the hot path only looks them up). */
  private readonly serverSpanNames = new Map<string, string>();
  private readonly clientSpanNames = new Map<ServiceName, string>();
  private readonly breakers: CircuitBreakers;
  private readonly peers = new PeerClient();
  private readonly server: Server;
  private readonly instrumented: boolean;
  private requestSeq = 0;
  private boundPort: number;

  constructor(private readonly options: MockServiceOptions) {
    this.service = options.service;
    this.instrumented = options.instrumentation;
    this.metrics = new ServiceMetrics(options.service, options.metricDefs, options.instrumentation);
    this.behaviour = options.behaviour({ service: this.service, metrics: this.metrics, faults: this.faults });
    if (this.behaviour.requestCounter) this.metrics.addRequestCounter(this.behaviour.requestCounter);
    for (const op of this.behaviour.operations) {
      this.routes.set(op.path, op);
      this.serverSpanNames.set(op.path, serverSpanName(this.service, op.path));
    }
    for (const peer of this.behaviour.peers)
      this.clientSpanNames.set(peer, clientSpanName(this.service, peer));
    this.breakers = new CircuitBreakers(this.behaviour.peers, this.metrics);
    if (options.instrumentation) {
      this.telemetry = new ServiceTelemetry({
        service: options.service,
        otlpHttpEndpoint: options.otlpHttpEndpoint,
        logDir: options.logDir,
        logsViaOtlp: options.logsViaOtlp,
        logsToFile: options.logsToFile,
        spanExporter: options.spanExporter,
        logExporter: options.logExporter,
        exportTimeoutMs: options.exportTimeoutMs,
      });
      this.metrics.zeroInitialise({ service: this.service });
      this.breakers.init();
      this.behaviour.init?.();
    }
    this.boundPort = options.port;
    this.server = createServer({ keepAlive: true }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Its base URL (over loopback when it listens on every interface). */
  get url(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? LOOPBACK : this.options.host;
    return `http://${host}:${this.boundPort}`;
  }

  get logFile(): string | undefined {
    return this.telemetry?.logFile;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        reject(
          new HarnessError(
            `${this.service} cannot listen on ${this.options.host}:${this.options.port}: ${error.code === 'EADDRINUSE' ? 'the port is taken' : error.message}`,
            {
              where: 'mock-services',
              hint: 'free the port or let the fleet choose one (omit it from `ports`)',
              cause: error,
            },
          ),
        );
      };
      const onListening = () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address && typeof address === 'object') this.boundPort = address.port;
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(this.options.port, this.options.host);
    });
  }

  // ---------------------------------------------------------------- faults

  /** Validates and switches on one fault (`{ name, ...params }`), with its side effects. */
  async setFault(input: unknown): Promise<FaultParseResult> {
    const parsed = parseFault(input, {
      service: this.service,
      peers: this.behaviour.peers,
      metricNames: this.metrics.names(),
      requestLabelNames: this.metrics.requestLabelNames(),
    });
    if (!parsed.ok) return parsed;
    const rejected = this.behaviour.checkFault?.(parsed.fault);
    if (rejected) return { ok: false, ...rejected };
    const previous = this.faults.set(parsed.fault);
    await this.applySideEffects(parsed.fault.name, previous, parsed.fault);
    return parsed;
  }

  /** Clears one fault, or all when no name is given. */
  async clearFaults(name?: FaultName): Promise<void> {
    const names = name ? [name] : this.faults.list().map((f) => f.name);
    for (const n of names) {
      const previous = this.faults.clear(n);
      if (previous) await this.applySideEffects(n, previous, undefined);
    }
  }

  activeFaults(): Fault[] {
    return this.faults.list();
  }

  private async applySideEffects(name: FaultName, before: Fault | undefined, after: Fault | undefined) {
    if (name === 'omit-metric') {
      if (before) this.metrics.show(before['metric'] as string);
      if (after) this.metrics.hide(after['metric'] as string);
    } else if (name === 'high-cardinality-label') {
      await this.metrics.setExtraLabel(after ? (after['label'] as string) : undefined);
    } else if (name === 'circuit-breaker-open') {
      const from = before?.['target'] as ServiceName | undefined;
      const to = after?.['target'] as ServiceName | undefined;
      if (from && from !== to) this.breakers.close(from);
      if (to) this.breakers.open(to);
    }
  }

  // ---------------------------------------------------------------- HTTP

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const op = this.routes.get(path);
    if (op && req.method === 'POST') {
      this.readBody(req, (text) => void this.handle(op, req, res, text));
      return;
    }
    if (path === '/metrics') return void this.serveMetrics(res);
    if (path === '/healthz') return send(res, 200, { status: 'ok', service: this.service });
    if (path === '/admin/flush') {
      req.resume();
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST for /admin/flush' });
      return void this.flushAnswer(res);
    }
    if (path === '/admin/faults' || path.startsWith('/admin/faults/')) {
      this.readBody(req, (text) => void this.admin(req.method ?? 'GET', path, text, res));
      return;
    }
    // Not an operation of this service, so not counted: the `method` label only takes operation names.
    req.resume();
    send(res, op ? 405 : 404, {
      error: op ? `use POST for ${path}` : `no route ${req.method ?? ''} ${path}`,
    });
  }

  private readBody(req: IncomingMessage, done: (text: string | undefined) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      // An oversized body reaches the handler as undefined and is answered 400 there (and counted).
      if (size > MAX_BODY_BYTES) return done(undefined);
      done(
        chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      );
    });
  }

  private async serveMetrics(res: ServerResponse): Promise<void> {
    // `down` fault: Prometheus marks the target down while requests keep working.
    if (this.faults.down) return send(res, 503, { error: `${this.service} is down (fault "down")` });
    const body = await this.metrics.render();
    res.writeHead(200, { 'content-type': this.metrics.contentType });
    res.end(body);
  }

  /** `POST /admin/flush`: exports buffered spans and logs and writes pending log lines, then answers. */
  private async flushAnswer(res: ServerResponse): Promise<void> {
    try {
      await this.flush();
      send(res, 200, { service: this.service, flushed: true });
    } catch (error) {
      send(res, 500, { error: `${this.service}: flush failed: ${(error as Error).message}` });
    }
  }

  private async admin(
    method: string,
    path: string,
    text: string | undefined,
    res: ServerResponse,
  ): Promise<void> {
    const answer = await this.adminAnswer(method, path, text);
    send(res, answer.status, answer.body);
  }

  /** The fault API (GET/POST/DELETE /admin/faults, DELETE /admin/faults/<name>). */
  async adminAnswer(method: string, path: string, text: string | undefined): Promise<FaultApiAnswer> {
    const state = () => ({ service: this.service, active: this.activeFaults(), available: FAULT_NAMES });
    const name =
      path.length > '/admin/faults/'.length
        ? decodeURIComponent(path.slice('/admin/faults/'.length))
        : undefined;
    if (name !== undefined) {
      if (method !== 'DELETE') return { status: 405, body: { error: `use DELETE for ${path}` } };
      if (!(FAULT_NAMES as string[]).includes(name)) {
        return { status: 400, body: { error: `unknown fault "${name}"`, available: FAULT_NAMES } };
      }
      await this.clearFaults(name as FaultName);
      return { status: 200, body: state() };
    }
    if (method === 'GET') return { status: 200, body: state() };
    if (method === 'DELETE') {
      await this.clearFaults();
      return { status: 200, body: state() };
    }
    if (method !== 'POST')
      return { status: 405, body: { error: `${method} is not supported on /admin/faults` } };
    let input: unknown;
    try {
      input = JSON.parse(text ?? '');
    } catch {
      return { status: 400, body: { error: 'malformed JSON body', field: 'body' } };
    }
    const result = await this.setFault(input);
    if (!result.ok) {
      const { ok: _ok, ...body } = result;
      return { status: 400, body };
    }
    return { status: 200, body: state() };
  }

  /** The middleware around every operation: span, faults, metrics, log line. */
  private async handle(
    op: Operation,
    req: IncomingMessage,
    res: ServerResponse,
    text: string | undefined,
  ): Promise<void> {
    const started = performance.now();
    const faults = this.faults;
    const headers = req.headers;
    const correlationId = headerValue(headers['x-correlation-id']) ?? randomUUID();
    const call = new Call(this, correlationId);
    let span: Span | undefined;
    if (this.telemetry) {
      const parent = PROPAGATOR.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      span = this.telemetry.tracer.startSpan(
        this.serverSpanNames.get(op.path) ?? serverSpanName(this.service, op.path),
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': 'POST',
            'url.path': op.path,
            'http.route': op.path,
            'correlation.id': correlationId,
            'phoenix.operation': op.name,
          },
        },
        parent,
      );
      call.otel = trace.setSpan(parent, span);
      const sc = span.spanContext();
      call.traceId = sc.traceId;
      call.spanId = sc.spanId;
    } else {
      call.traceId = traceIdOf(headerValue(headers['traceparent'])) ?? NO_TRACE;
    }
    this.metrics.inFlight(1);
    let result: OperationResult;
    try {
      if (faults.latencyMs > 0) await delay(faults.latencyMs);
      if (faults.errorGate?.hit()) {
        result = { status: 500, body: { error: `${this.service}: injected error (fault "error-rate")` } };
      } else {
        const body = text === undefined ? undefined : parseObject(text);
        if (text === undefined) {
          result = {
            status: 400,
            body: { error: `body larger than ${MAX_BODY_BYTES} bytes`, field: 'body' },
          };
        } else if (body === undefined) {
          result = {
            status: 400,
            body: { error: 'malformed JSON body: expected a JSON object', field: 'body' },
          };
        } else {
          call.body = body;
          result = await op.handle(call);
        }
      }
    } catch (error) {
      result = {
        status: 500,
        body: { error: `${this.service}: ${error instanceof Error ? error.message : String(error)}` },
      };
    }
    const status = result.status;
    const statusText = String(status);
    const json = JSON.stringify({ ...result.body, trace_id: call.traceId, correlation_id: correlationId });
    const bytes = Buffer.byteLength(json);
    // Raw header list: cheaper for node:http than an object it has to walk.
    res.writeHead(status, [
      'content-type',
      'application/json',
      'content-length',
      String(bytes),
      'x-correlation-id',
      correlationId,
    ]);
    res.end(json);
    const seconds = (performance.now() - started) / 1000;
    this.metrics.inFlight(-1);
    if (!this.instrumented) return;
    const times = faults.doubleCount ? 2 : 1;
    const requestId = faults.highCardinalityLabel ? `${this.service}-${++this.requestSeq}` : '';
    this.metrics.countRequest(op.name, statusText, seconds, times, requestId, bytes);
    if (this.behaviour.requestCounter) {
      this.metrics.countServiceRequest(
        this.behaviour.requestCounter,
        { ...(call.requestLabels ?? op.requestLabels), status: statusText },
        times,
        requestId,
      );
    }
    if (span) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500)
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(result.body['error'] ?? '') });
      span.end();
    }
    call.log(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', `${op.name} answered ${statusText}`, {
      method: op.name,
      status,
      duration_ms: Math.round(seconds * 100_000) / 100,
      ...call.logFields,
    });
  }

  /**
   * An outgoing call with a client span, `traceparent` (unless a fault says otherwise) and
   * `x-correlation-id`. The `retry-calls` fault sends it twice (a retried hop) and keeps the second answer.
   */
  async callPeer(
    call: Call,
    target: ServiceName,
    operation: string,
    payload: Record<string, unknown>,
  ): Promise<PeerResponse> {
    if (this.faults.retryCalls) await this.callPeerOnce(call, target, operation, payload);
    return this.callPeerOnce(call, target, operation, payload);
  }

  private async callPeerOnce(
    call: Call,
    target: ServiceName,
    operation: string,
    payload: Record<string, unknown>,
  ): Promise<PeerResponse> {
    const path = `/internal/${operation}`;
    let span: Span | undefined;
    const json = JSON.stringify(payload);
    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      'x-correlation-id': call.correlationId,
    };
    if (this.telemetry && call.otel) {
      span = this.telemetry.tracer.startSpan(
        this.clientSpanNames.get(target) ?? clientSpanName(this.service, target),
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': 'POST',
            'peer.service': target,
            'url.path': path,
            'correlation.id': call.correlationId,
          },
        },
        call.otel,
      );
      if (this.faults.regenerateTraceparent) {
        headers['traceparent'] = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
      } else if (!this.faults.dropTraceparent) {
        PROPAGATOR.inject(trace.setSpan(call.otel, span), headers, defaultTextMapSetter);
      }
    }
    let response: PeerResponse;
    const address = this.options.resolvePeer(target);
    if (this.breakers.isOpen(target)) {
      response = {
        status: 503,
        body: { error: `circuit breaker to ${target} is open` },
        failure: 'circuit_open',
      };
    } else if (!address) {
      response = {
        status: 503,
        body: { error: `${target} is not reachable from ${this.service}` },
        failure: 'unreachable',
      };
    } else {
      response = await this.peers.post(address, path, json, headers);
    }
    if (response.failure) span?.setAttribute('error.type', response.failure);
    if (span) {
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500)
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${target} answered ${response.status}` });
      span.end();
    }
    return response;
  }

  writeLog(call: Call, level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!this.telemetry || this.faults.dropLogs) return;
    const context = {
      traceId: call.traceId,
      spanId: call.spanId,
      correlationId: call.correlationId,
      otel: call.otel,
    };
    this.telemetry.log(level, msg, context, fields);
    // `duplicate-logs`: the line is shipped twice.
    if (this.faults.duplicateLogs) this.telemetry.log(level, msg, context, fields);
  }

  async flush(timeoutMs = 10_000): Promise<void> {
    await this.telemetry?.flush(timeoutMs);
  }

  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then flushes and closes. */
  async close(graceMs = 5_000, flushTimeoutMs = 5_000): Promise<void> {
    await this.stopServing(graceMs);
    await this.shutdownTelemetry(flushTimeoutMs);
  }

  /** Stops accepting and waits for in-flight requests (up to `graceMs`, then cuts the connections). */
  async stopServing(graceMs = 5_000): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    this.peers.close();
  }

  /** Flushes spans and logs (bounded by `flushTimeoutMs`) and closes the log file. */
  async shutdownTelemetry(flushTimeoutMs = 5_000): Promise<void> {
    await this.telemetry?.shutdown(flushTimeoutMs);
  }
}

/** The per-request state behind `ServiceCall`. */
class Call implements ServiceCall {
  body: Record<string, unknown> = {};
  traceId = NO_TRACE;
  spanId = NO_TRACE;
  otel: Context | undefined;
  requestLabels: Record<string, string> | undefined;
  logFields: LogFields | undefined;

  constructor(
    private readonly owner: MockService,
    readonly correlationId: string,
  ) {}

  call(target: ServiceName, operation: string, payload: Record<string, unknown>): Promise<PeerResponse> {
    return this.owner.callPeer(this, target, operation, payload);
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    this.owner.writeLog(this, level, msg, fields);
  }
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function headerValue(value: IncomingHttpHeaders[string]): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}

/** The trace id of a W3C traceparent header, when instrumentation is off and no span exists. */
function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent && traceparent.length >= 55 ? traceparent.slice(3, 35) : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

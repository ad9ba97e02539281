import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { MetricDef, ServiceName } from '../catalog/index.ts';
import type { BehaviourFactory } from './behaviour.ts';
import { CircuitBreakers } from './circuit-breakers.ts';
import { FaultSet, type Fault, type FaultName, type FaultParseResult } from './fault-set.ts';
import type { PeerAddress } from './peer-client.ts';
import { AdminApi } from './service/admin-api.ts';
import { FaultControl } from './service/fault-control.ts';
import { HttpServer } from './service/http-server.ts';
import { OperationHandler } from './service/operation-handler.ts';
import { PeerCaller } from './service/peer-caller.ts';
import { RequestLog } from './service/request-log.ts';
import { RequestSpans } from './service/request-spans.ts';
import { Router } from './service/router.ts';
import { ServiceMetrics } from './service-metrics.ts';
import { ServiceTelemetry } from './service-telemetry.ts';

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

/**
 * One mock Phoenix service: a plain node:http server with the middleware every Phoenix service
 * has (request metrics, a server span extracted from `traceparent`, a JSON log line per request),
 * the behaviour that makes it this service, and the fault-injection API. The parts live in
 * service/: http-server (listen, close), router (dispatch), operation-handler (the middleware),
 * admin-api (/healthz, /metrics, /admin/*), fault-control, peer-caller, request-spans,
 * propagation, request-log.
 */
export class MockService {
  readonly service: ServiceName;
  readonly metrics: ServiceMetrics;
  readonly faults = new FaultSet();
  private readonly telemetry: ServiceTelemetry | undefined;
  private readonly control: FaultControl;
  private readonly peers: PeerCaller;
  private readonly server: HttpServer;

  constructor(options: MockServiceOptions) {
    const { service, instrumentation } = options;
    this.service = service;
    this.metrics = new ServiceMetrics(service, options.metricDefs, instrumentation);
    const behaviour = options.behaviour({ service, metrics: this.metrics, faults: this.faults });
    if (behaviour.requestCounter) this.metrics.addRequestCounter(behaviour.requestCounter);
    const breakers = new CircuitBreakers(behaviour.peers, this.metrics);
    if (instrumentation) {
      this.telemetry = new ServiceTelemetry({
        service,
        otlpHttpEndpoint: options.otlpHttpEndpoint,
        logDir: options.logDir,
        logsViaOtlp: options.logsViaOtlp,
        logsToFile: options.logsToFile,
        spanExporter: options.spanExporter,
        logExporter: options.logExporter,
        exportTimeoutMs: options.exportTimeoutMs,
      });
      this.metrics.zeroInitialise({ service });
      breakers.init();
      behaviour.init?.();
    }
    const spans = this.telemetry && new RequestSpans(this.telemetry.tracer, service, behaviour);
    this.control = new FaultControl(service, this.faults, behaviour, this.metrics, breakers);
    this.peers = new PeerCaller({
      service,
      faults: this.faults,
      breakers,
      spans,
      resolvePeer: options.resolvePeer,
    });
    const handler = new OperationHandler({
      service,
      faults: this.faults,
      metrics: this.metrics,
      behaviour,
      instrumented: instrumentation,
      spans,
      peers: this.peers,
      log: new RequestLog(this.telemetry, this.faults),
    });
    const admin = new AdminApi({
      service,
      faults: this.faults,
      control: this.control,
      metrics: this.metrics,
      flush: () => this.flush(),
    });
    const router = new Router(behaviour.operations, handler, admin);
    this.server = new HttpServer(service, options.host, options.port, (req, res) =>
      router.dispatch(req, res),
    );
  }

  get port(): number {
    return this.server.port;
  }

  /** Its base URL (over loopback when it listens on every interface). */
  get url(): string {
    return this.server.url;
  }

  get logFile(): string | undefined {
    return this.telemetry?.logFile;
  }

  listen(): Promise<void> {
    return this.server.listen();
  }

  /** Validates and switches on one fault (`{ name, ...params }`), with its side effects. */
  setFault(input: unknown): Promise<FaultParseResult> {
    return this.control.set(input);
  }

  /** Clears one fault, or all when no name is given. */
  clearFaults(name?: FaultName): Promise<void> {
    return this.control.clear(name);
  }

  activeFaults(): Fault[] {
    return this.control.active();
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
    await this.server.close(graceMs);
    this.peers.close();
  }

  /** Flushes spans and logs (bounded by `flushTimeoutMs`) and closes the log file. */
  async shutdownTelemetry(flushTimeoutMs = 5_000): Promise<void> {
    await this.telemetry?.shutdown(flushTimeoutMs);
  }
}

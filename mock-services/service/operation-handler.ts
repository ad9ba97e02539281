import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Span } from '@opentelemetry/api';
import type { ServiceName } from '../../catalog/index.ts';
import type { Behaviour, Operation, OperationResult } from '../behaviour.ts';
import type { FaultSet } from '../fault-set.ts';
import { parseJsonObject } from '../json-object.ts';
import type { ServiceMetrics } from '../service-metrics.ts';
import { Call } from './call.ts';
import { MAX_BODY_BYTES } from './http-io.ts';
import type { PeerCaller } from './peer-caller.ts';
import { correlationIdOf, traceIdOf } from './propagation.ts';
import type { RequestLog } from './request-log.ts';
import type { RequestSpans } from './request-spans.ts';

export interface OperationHandlerOptions {
  service: ServiceName;
  faults: FaultSet;
  metrics: ServiceMetrics;
  behaviour: Pick<Behaviour, 'requestCounter'>;
  /** False: no spans, no logs, no metric updates beyond in-flight (the overhead baseline). */
  instrumented: boolean;
  /** Undefined when instrumentation is off. */
  spans: RequestSpans | undefined;
  peers: PeerCaller;
  log: RequestLog;
}

/**
 * The middleware around every operation, as every Phoenix service has it: a server span from
 * `traceparent`, the request faults (`latency`, `error-rate`), the JSON body check, the answer
 * with `trace_id`/`correlation_id`, the request metrics and one log line.
 */
export class OperationHandler {
  private requestSeq = 0;

  constructor(private readonly options: OperationHandlerOptions) {}

  /** Handles a POST to `op` whose body is `text` (undefined = larger than allowed). */
  async handle(
    op: Operation,
    req: IncomingMessage,
    res: ServerResponse,
    text: string | undefined,
  ): Promise<void> {
    const { service, faults, metrics, behaviour, spans } = this.options;
    const started = performance.now();
    const headers = req.headers;
    const correlationId = correlationIdOf(headers);
    const call = new Call(this.options.peers, this.options.log, correlationId);
    let span: Span | undefined;
    if (spans) span = spans.startServer(op, correlationId, headers, call);
    else call.traceId = traceIdOf(headers);
    metrics.inFlight(1);
    const result = await this.run(op, call, text);
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
    metrics.inFlight(-1);
    if (!this.options.instrumented) return;
    const times = faults.doubleCount ? 2 : 1;
    const requestId = faults.highCardinalityLabel ? `${service}-${++this.requestSeq}` : '';
    metrics.countRequest(op.name, statusText, seconds, times, requestId, bytes);
    if (behaviour.requestCounter) {
      metrics.countServiceRequest(
        behaviour.requestCounter,
        { ...(call.requestLabels ?? op.requestLabels), status: statusText },
        times,
        requestId,
      );
    }
    if (span && spans) spans.endServer(span, status, result.body);
    this.options.log.answered(call, op.name, status, seconds, call.logFields);
  }

  /** The operation's answer after the request faults and the body check; a throw becomes a 500. */
  private async run(op: Operation, call: Call, text: string | undefined): Promise<OperationResult> {
    const { service, faults } = this.options;
    try {
      if (faults.latencyMs > 0) await delay(faults.latencyMs);
      if (faults.errorGate?.hit())
        return { status: 500, body: { error: `${service}: injected error (fault "error-rate")` } };
      if (text === undefined)
        return { status: 400, body: { error: `body larger than ${MAX_BODY_BYTES} bytes`, field: 'body' } };
      const body = parseJsonObject(text);
      if (body === undefined)
        return { status: 400, body: { error: 'malformed JSON body: expected a JSON object', field: 'body' } };
      call.body = body;
      return await op.handle(call);
    } catch (error) {
      return {
        status: 500,
        body: { error: `${service}: ${error instanceof Error ? error.message : String(error)}` },
      };
    }
  }
}

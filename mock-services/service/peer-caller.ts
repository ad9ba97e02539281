import type { OutgoingHttpHeaders } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { ServiceName } from '../../catalog/index.ts';
import type { CircuitBreakers } from '../circuit-breakers.ts';
import type { FaultSet } from '../fault-set.ts';
import { PeerClient, type PeerAddress, type PeerResponse } from '../peer-client.ts';
import type { LogContext } from '../service-telemetry.ts';
import { injectTraceparent } from './propagation.ts';
import type { RequestSpans } from './request-spans.ts';

export interface PeerCallerOptions {
  service: ServiceName;
  faults: FaultSet;
  breakers: CircuitBreakers;
  /** Undefined when instrumentation is off (no client spans, no `traceparent`). */
  spans: RequestSpans | undefined;
  /** Where a peer listens; undefined = not reachable from here (calls answer 503). */
  resolvePeer: (service: ServiceName) => PeerAddress | undefined;
}

/** The request a peer call is made for: its correlation id and trace context. */
export type Caller = Pick<LogContext, 'correlationId' | 'otel'>;

/**
 * A service's outgoing calls: client span, `traceparent` (unless a fault says otherwise) and
 * `x-correlation-id`; an open breaker or an unknown peer answers 503 without a request.
 */
export class PeerCaller {
  private readonly client = new PeerClient();

  constructor(private readonly options: PeerCallerOptions) {}

  /** POSTs to `<target>/internal/<operation>`; `retry-calls` sends it twice (a retried hop) and keeps the second answer. */
  async call(
    caller: Caller,
    target: ServiceName,
    operation: string,
    payload: Record<string, unknown>,
  ): Promise<PeerResponse> {
    if (this.options.faults.retryCalls) await this.callOnce(caller, target, operation, payload);
    return this.callOnce(caller, target, operation, payload);
  }

  private async callOnce(
    caller: Caller,
    target: ServiceName,
    operation: string,
    payload: Record<string, unknown>,
  ): Promise<PeerResponse> {
    const { service, faults, breakers, spans, resolvePeer } = this.options;
    const path = `/internal/${operation}`;
    const json = JSON.stringify(payload);
    const headers: OutgoingHttpHeaders = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      'x-correlation-id': caller.correlationId,
    };
    let span: Span | undefined;
    if (spans && caller.otel) {
      span = spans.startClient(target, path, caller.correlationId, caller.otel);
      injectTraceparent(headers, caller.otel, span, faults);
    }
    let response: PeerResponse;
    const address = resolvePeer(target);
    if (breakers.isOpen(target)) {
      response = {
        status: 503,
        body: { error: `circuit breaker to ${target} is open` },
        failure: 'circuit_open',
      };
    } else if (!address) {
      response = {
        status: 503,
        body: { error: `${target} is not reachable from ${service}` },
        failure: 'unreachable',
      };
    } else {
      response = await this.client.post(address, path, json, headers);
    }
    if (span && spans) spans.endClient(span, target, response);
    return response;
  }

  /** Drops the keep-alive sockets to peers. */
  close(): void {
    this.client.close();
  }
}

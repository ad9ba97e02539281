import { SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceName } from '../../catalog/index.ts';
import type { Behaviour, Operation } from '../behaviour.ts';
import type { PeerResponse } from '../peer-client.ts';
import { clientSpanName, serverSpanName } from '../span-names.ts';
import { extractParent } from './propagation.ts';

/** Where a server span's context lands: the request state that log lines and peer calls read. */
export interface TraceFields {
  traceId: string;
  spanId: string;
  otel: Context | undefined;
}

/**
 * The spans of one service's requests: a server span per operation (child of the caller's
 * `traceparent`) and a client span per peer call, named and attributed as catalog/flows.ts says.
 */
export class RequestSpans {
  /** Span names computed once (the hot path only looks them up). */
  private readonly serverNames = new Map<string, string>();
  private readonly clientNames = new Map<ServiceName, string>();

  constructor(
    private readonly tracer: Tracer,
    private readonly service: ServiceName,
    behaviour: Pick<Behaviour, 'operations' | 'peers'>,
  ) {
    for (const op of behaviour.operations) this.serverNames.set(op.path, serverSpanName(service, op.path));
    for (const peer of behaviour.peers) this.clientNames.set(peer, clientSpanName(service, peer));
  }

  /** Starts the server span of `op` under the caller's trace and fills `into` with its ids and context. */
  startServer(op: Operation, correlationId: string, headers: IncomingHttpHeaders, into: TraceFields): Span {
    const parent = extractParent(headers);
    const span = this.tracer.startSpan(
      this.serverNames.get(op.path) ?? serverSpanName(this.service, op.path),
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
    into.otel = trace.setSpan(parent, span);
    const sc = span.spanContext();
    into.traceId = sc.traceId;
    into.spanId = sc.spanId;
    return span;
  }

  /** Ends a server span with the answer's status (ERROR on 5xx, with the answer's error text). */
  endServer(span: Span, status: number, body: Record<string, unknown>): void {
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(body['error'] ?? '') });
    span.end();
  }

  /** Starts the client span of a call to `target` under the request's context. */
  startClient(target: ServiceName, path: string, correlationId: string, parent: Context): Span {
    return this.tracer.startSpan(
      this.clientNames.get(target) ?? clientSpanName(this.service, target),
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'POST',
          'peer.service': target,
          'url.path': path,
          'correlation.id': correlationId,
        },
      },
      parent,
    );
  }

  /** Ends a client span with the peer's answer (`error.type` when no real answer came; ERROR on 5xx). */
  endClient(span: Span, target: ServiceName, response: PeerResponse): void {
    if (response.failure) span.setAttribute('error.type', response.failure);
    span.setAttribute('http.response.status_code', response.status);
    if (response.status >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR, message: `${target} answered ${response.status}` });
    span.end();
  }
}

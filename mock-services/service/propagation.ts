import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { FaultSet } from '../fault-set.ts';
import { headerValue } from './http-io.ts';

const PROPAGATOR = new W3CTraceContextPropagator();
/** The trace and span id of a request that carries no trace. */
export const NO_TRACE = '';

/** The caller's trace context from `traceparent`/`tracestate` (the root context when there is none). */
export function extractParent(headers: IncomingHttpHeaders): Context {
  return PROPAGATOR.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/**
 * Adds `traceparent` for a call made under `span`, unless a fault says otherwise:
 * `drop-traceparent` sends none, `regenerate-traceparent` sends an unrelated one.
 */
export function injectTraceparent(
  headers: OutgoingHttpHeaders,
  parent: Context,
  span: Span,
  faults: Pick<FaultSet, 'dropTraceparent' | 'regenerateTraceparent'>,
): void {
  if (faults.regenerateTraceparent) {
    headers['traceparent'] = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
  } else if (!faults.dropTraceparent) {
    PROPAGATOR.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
  }
}

/** The trace id of the request's `traceparent`, when instrumentation is off and no span exists. */
export function traceIdOf(headers: IncomingHttpHeaders): string {
  const traceparent = headerValue(headers['traceparent']);
  return traceparent && traceparent.length >= 55 ? traceparent.slice(3, 35) : NO_TRACE;
}

/** The request's `x-correlation-id`, or a fresh one when it has none. */
export function correlationIdOf(headers: IncomingHttpHeaders): string {
  return headerValue(headers['x-correlation-id']) ?? randomUUID();
}

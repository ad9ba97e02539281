import type { OutgoingHttpHeaders } from 'node:http';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { traceparent } from '../testing.ts';
import { correlationIdOf, extractParent, injectTraceparent, traceIdOf } from './propagation.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const NO_FAULTS = { dropTraceparent: false, regenerateTraceparent: false };

describe('trace context in and out of a service', () => {
  it('reads the trace id of a traceparent, and none from a missing or short one', () => {
    expect(traceIdOf({ traceparent: traceparent(TRACE_ID, SPAN_ID) })).toBe(TRACE_ID);
    expect(traceIdOf({})).toBe('');
    expect(traceIdOf({ traceparent: '00-abc' })).toBe('');
  });

  it('keeps the caller’s correlation id and makes one up when there is none', () => {
    expect(correlationIdOf({ 'x-correlation-id': 'corr-1' })).toBe('corr-1');
    expect(correlationIdOf({ 'x-correlation-id': '' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationIdOf({})).not.toBe(correlationIdOf({}));
  });

  it('extracts the caller’s span as parent and injects the current span downstream', () => {
    const parent = extractParent({ traceparent: traceparent(TRACE_ID, SPAN_ID) });
    expect(trace.getSpanContext(parent)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
    const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: 'aa'.repeat(8), traceFlags: 1 });
    const headers: OutgoingHttpHeaders = {};
    injectTraceparent(headers, parent, span, NO_FAULTS);
    expect(headers['traceparent']).toBe(traceparent(TRACE_ID, 'aa'.repeat(8)));
  });

  it('sends no traceparent under drop-traceparent and an unrelated one under regenerate-traceparent', () => {
    const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    const dropped: OutgoingHttpHeaders = {};
    injectTraceparent(dropped, ROOT_CONTEXT, span, { ...NO_FAULTS, dropTraceparent: true });
    expect(dropped).toEqual({});
    const regenerated: OutgoingHttpHeaders = {};
    injectTraceparent(regenerated, ROOT_CONTEXT, span, { ...NO_FAULTS, regenerateTraceparent: true });
    expect(regenerated['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(regenerated['traceparent']).not.toContain(TRACE_ID);
  });
});

import { SpanKind } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { KB_SERVICES, flowByName, type FlowName, type ServiceName } from '../catalog/index.ts';
import { startFleet, type StartedFleet } from './start-fleet.ts';
import { postJson, traceparent } from './testing.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const CORRELATION = 'corr-propagation-1';

/** A fleet whose spans and log records land in memory, one exporter pair per service. */
async function inMemoryFleet(services: ServiceName[]) {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const fleet = await startFleet({
    services,
    spanExporterFactory: () => spans,
    logExporterFactory: () => logs,
  });
  return { fleet, spans, logs };
}

const serviceOf = (span: ReadableSpan) => String(span.resource.attributes['service.name']);
const label = (span: ReadableSpan) => `${serviceOf(span)} ${span.name}`;

/** The flow's catalog spans for the services a request actually reached (`<service> <span name>`). */
function expectedSpans(flow: FlowName, onPath: ReadonlySet<string>): string[] {
  return flowByName(flow)
    .spans.filter(
      (s) => onPath.has(s.service) && (s.kind !== 'client' || onPath.has(s.name.replace(/^call /, ''))),
    )
    .map((s) => `${s.service} ${s.name}`)
    .sort();
}
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('trace context propagation through the fleet', () => {
  let fleet: StartedFleet | undefined;
  afterEach(async () => {
    await fleet?.[Symbol.asyncDispose]();
    fleet = undefined;
  });

  it('keeps one trace with intact parentage over orchestrator → data-router → mind-kb (kb_query)', async () => {
    const started = await inMemoryFleet(['orchestrator-service', 'data-router', 'mind-kb']);
    fleet = started.fleet;
    const answer = await postJson(
      `${fleet.entryUrl}/api/kb/query`,
      { query: 'what do I remember about rivers', kb: 'mind' },
      { traceparent: traceparent(TRACE_ID, PARENT_SPAN), 'x-correlation-id': CORRELATION },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ kb: 'mind', trace_id: TRACE_ID, correlation_id: CORRELATION });
    expect(answer.headers.get('x-correlation-id')).toBe(CORRELATION);
    await fleet.flush();

    const spans = started.spans.getFinishedSpans();
    expect(spans.map(label).sort()).toEqual(
      expectedSpans('kb_query', new Set(['orchestrator-service', 'data-router', 'mind-kb'])),
    );
    for (const span of spans) {
      expect(span.spanContext().traceId, span.name).toBe(TRACE_ID);
      expect(span.attributes['correlation.id'], span.name).toBe(CORRELATION);
    }
    const byName = (service: string, name: string) =>
      spans.find((s) => serviceOf(s) === service && s.name === name)!;
    const entry = byName('orchestrator-service', 'POST /api/kb/query');
    const callRouter = byName('orchestrator-service', 'call data-router');
    const route = byName('data-router', 'POST /internal/route');
    const callKb = byName('data-router', 'call mind-kb');
    const query = byName('mind-kb', 'POST /internal/query');
    expect(parentOf(entry)).toBe(PARENT_SPAN);
    expect(parentOf(callRouter)).toBe(entry.spanContext().spanId);
    expect(parentOf(route)).toBe(callRouter.spanContext().spanId);
    expect(parentOf(callKb)).toBe(route.spanContext().spanId);
    expect(parentOf(query)).toBe(callKb.spanContext().spanId);
    expect(entry.kind).toBe(SpanKind.SERVER);
    expect(callKb.kind).toBe(SpanKind.CLIENT);
    expect(callKb.attributes).toMatchObject({ 'peer.service': 'mind-kb', 'http.request.method': 'POST' });
    expect(callKb.attributes['http.response.status_code']).toBe(200);
    expect(query.attributes).toMatchObject({
      'http.route': '/internal/query',
      'http.response.status_code': 200,
    });

    // One log record per service, each carrying the trace and its own server span.
    const records = started.logs.getFinishedLogRecords();
    expect(records.map((r) => String(r.resource.attributes['service.name'])).sort()).toEqual(
      ['data-router', 'mind-kb', 'orchestrator-service'].sort(),
    );
    for (const r of records) {
      expect(r.spanContext?.traceId).toBe(TRACE_ID);
      const line = JSON.parse(String(r.body)) as Record<string, unknown>;
      expect(line).toMatchObject({ trace_id: TRACE_ID, correlation_id: CORRELATION, level: 'info' });
      expect(r.attributes['level']).toBe('info');
    }
  });

  it('breaks the trace at the hop where drop-traceparent is on', async () => {
    const started = await inMemoryFleet(['orchestrator-service', 'data-router', 'mind-kb']);
    fleet = started.fleet;
    await fleet.setFault('data-router', { name: 'drop-traceparent' });
    const answer = await postJson(
      `${fleet.entryUrl}/api/kb/query`,
      { query: 'broken hop', kb: 'mind' },
      { traceparent: traceparent(TRACE_ID, PARENT_SPAN), 'x-correlation-id': CORRELATION },
    );
    expect(answer.status).toBe(200);
    await fleet.flush();
    const spans = started.spans.getFinishedSpans();
    const kbSpan = spans.find((s) => serviceOf(s) === 'mind-kb')!;
    expect(kbSpan.spanContext().traceId).not.toBe(TRACE_ID);
    expect(parentOf(kbSpan)).toBeUndefined();
    // Upstream of the broken hop the trace is whole; the correlation id still crosses it.
    for (const s of spans.filter((x) => serviceOf(x) !== 'mind-kb'))
      expect(s.spanContext().traceId).toBe(TRACE_ID);
    expect(kbSpan.attributes['correlation.id']).toBe(CORRELATION);
  });

  it('starts an unrelated trace downstream under regenerate-traceparent', async () => {
    const started = await inMemoryFleet(['orchestrator-service', 'data-router', 'mind-kb']);
    fleet = started.fleet;
    await fleet.setFault('orchestrator-service', { name: 'regenerate-traceparent' });
    await postJson(
      `${fleet.entryUrl}/api/kb/query`,
      { query: 'regenerated', kb: 'mind' },
      { traceparent: traceparent(TRACE_ID, PARENT_SPAN) },
    );
    await fleet.flush();
    const spans = started.spans.getFinishedSpans();
    const route = spans.find((s) => s.name === 'POST /internal/route')!;
    const kb = spans.find((s) => s.name === 'POST /internal/query')!;
    expect(route.spanContext().traceId).not.toBe(TRACE_ID);
    expect(parentOf(route)).toBeDefined();
    expect(spans.some((s) => s.spanContext().spanId === parentOf(route))).toBe(false);
    expect(kb.spanContext().traceId).toBe(route.spanContext().traceId);
  });

  it('starts a new trace when the request has no traceparent, and generates a correlation id', async () => {
    const started = await inMemoryFleet(['orchestrator-service', 'data-router', 'mind-kb']);
    fleet = started.fleet;
    const answer = await postJson(`${fleet.entryUrl}/api/kb/query`, { query: 'fresh', kb: 'mind' });
    expect(answer.status).toBe(200);
    expect(answer.body['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.body['correlation_id']).toMatch(/^[0-9a-f-]{36}$/);
    await fleet.flush();
    const spans = started.spans.getFinishedSpans();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([answer.body['trace_id']]));
  });

  it('covers every service of plan_and_execute in one trace', async () => {
    const flow = flowByName('plan_and_execute');
    const started = await inMemoryFleet([...flow.services, ...KB_SERVICES]);
    fleet = started.fleet;
    const answer = await postJson(
      `${fleet.entryUrl}/api/process`,
      { query: 'plan my week', parameters: {} },
      { traceparent: traceparent(TRACE_ID, PARENT_SPAN), 'x-correlation-id': CORRELATION },
    );
    expect(answer.status).toBe(200);
    await fleet.flush();
    const steps = (answer.body['plan'] as { steps: { service: string }[] }).steps;
    const kbs = steps.map((s) => s.service).filter((s) => s.endsWith('-kb'));
    expect(kbs.length).toBeGreaterThanOrEqual(1);
    expect(kbs.length).toBeLessThanOrEqual(3);
    const expectedServices = new Set<string>([...flow.services, ...kbs]);
    const spans = started.spans.getFinishedSpans();
    expect(new Set(spans.map(serviceOf))).toEqual(expectedServices);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([TRACE_ID]));
    // Every span except the entry has its parent inside the trace: no orphan roots.
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    for (const s of spans)
      if (s.name !== 'POST /api/process') expect(ids.has(parentOf(s)!), s.name).toBe(true);
    expect(spans.map(label).sort()).toEqual(expectedSpans('plan_and_execute', expectedServices));
    const logged = started.logs
      .getFinishedLogRecords()
      .filter((r) => r.spanContext?.traceId === TRACE_ID)
      .map((r) => String(r.resource.attributes['service.name']));
    expect(new Set(logged)).toEqual(expectedServices);
  });
});

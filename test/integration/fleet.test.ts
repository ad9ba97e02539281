import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KB_SERVICES, flowByName, requiredSeries, type ServiceName } from '../../catalog/index.ts';
import { SERVICE_LABEL, pollUntil } from '../../core/index.ts';
import { postJson, startFleet, traceparent, type StartedFleet } from '../../mock-services/index.ts';
import { startLocalStack, type StartedStack } from '../../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  type BackendClients,
  type JaegerTrace,
} from '../../validators/index.ts';
import { serviceLinesOfTrace, streams } from './fixtures/victorialogs.ts';

const INGEST_TIMEOUT_MS = 45_000;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface SentRequest {
  traceId: string;
  parentSpanId: string;
  correlationId: string;
  /** Services the request must have reached (the flow's fixed services plus the KBs its plan named). */
  services: Set<ServiceName>;
  started: Date;
}

/** One plan_and_execute with a known traceparent; returns what the backends must then hold. */
async function sendPlanAndExecute(fleet: StartedFleet, query: string): Promise<SentRequest> {
  const sent = { traceId: hex(16), parentSpanId: hex(8), correlationId: `it-${hex(4)}`, started: new Date() };
  const answer = await postJson(
    `${fleet.entryUrl}/api/process`,
    { query, parameters: {} },
    { traceparent: traceparent(sent.traceId, sent.parentSpanId), 'x-correlation-id': sent.correlationId },
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body['trace_id']).toBe(sent.traceId);
  const steps = (answer.body['plan'] as { steps: { service: ServiceName }[] }).steps;
  const kbs = steps.map((s) => s.service).filter((s) => (KB_SERVICES as readonly string[]).includes(s));
  return { ...sent, services: new Set([...flowByName('plan_and_execute').services, ...kbs]) };
}

const serviceOf = (trace: JaegerTrace, processId: string) => trace.processes[processId]?.serviceName ?? '?';

describe('the mock fleet on the real stack (Collector, Jaeger, VictoriaLogs, Prometheus)', () => {
  let stack: StartedStack;
  let fleet: StartedFleet;
  let clients: BackendClients;
  let request: SentRequest;
  const fleetLogDir = mkdtempSync(join(tmpdir(), 'fleet-logs-'));

  beforeAll(async () => {
    stack = await startLocalStack({
      outDir: 'out',
      fleetLogDir,
      startupTimeoutMs: 60_000,
      log: () => undefined,
    });
    fleet = await startFleet({
      otlpHttpEndpoint: stack.component('otel-collector').getUrl(),
      // One log path only, so the log store holds each line once (the Collector also tails its own fleet log dir).
      logsViaOtlp: true,
      logsToFile: false,
    });
    stack.setScrapeTargets(fleet.scrapeTargets());
    clients = createClients(endpointsFromStack(stack.endpoints()));
    request = await sendPlanAndExecute(fleet, 'integration: plan my week');
    await fleet.flush();
  });

  afterAll(async () => {
    await fleet?.[Symbol.asyncDispose]();
    await stack?.[Symbol.asyncDispose]();
    rmSync(fleetLogDir, { recursive: true, force: true });
  });

  const victoriaLogs = () => stack.component('victorialogs').getUrl();

  /** The records of one service's streams for one trace id, from VictoriaLogs. */
  const storedLines = (service: ServiceName, traceId: string, since: Date) =>
    serviceLinesOfTrace(victoriaLogs(), service, traceId, since);

  /** Services of `expected` that have no log line of the trace in VictoriaLogs yet (polled until none or the deadline). */
  const missingLogs = async (expected: Iterable<ServiceName>, traceId: string, since: Date) => {
    const outcome = await pollUntil({
      description: 'log lines of every service in VictoriaLogs',
      probe: async () => {
        const found = await Promise.all(
          [...expected].map(async (s) => [s, (await storedLines(s, traceId, since)).length] as const),
        );
        return found.filter(([, n]) => n === 0).map(([s]) => s);
      },
      until: (missing) => missing.length === 0,
      timeoutMs: INGEST_TIMEOUT_MS,
      intervalMs: 1000,
    });
    return outcome.last;
  };

  it('stores one trace in Jaeger with a span from every service on the path and intact parentage', async () => {
    const jaeger = clients.jaeger!;
    const outcome = await pollUntil({
      description: `trace ${request.traceId} in Jaeger`,
      probe: () => jaeger.getTrace(request.traceId),
      until: (t) =>
        t !== undefined &&
        new Set(t.spans.map((s) => serviceOf(t, s.processID))).size >= request.services.size,
      timeoutMs: INGEST_TIMEOUT_MS,
      intervalMs: 500,
    });
    const trace = outcome.last;
    expect(trace, `Jaeger at ${jaeger.baseUrl}`).toBeDefined();
    const services = new Set(trace!.spans.map((s) => serviceOf(trace!, s.processID)));
    expect([...services].sort()).toEqual([...request.services].sort());
    const ids = new Set(trace!.spans.map((s) => s.spanID));
    for (const span of trace!.spans) {
      const parent = span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
      const where = `${serviceOf(trace!, span.processID)} ${span.operationName}`;
      if (span.operationName === 'POST /api/process') expect(parent, where).toBe(request.parentSpanId);
      else expect(ids.has(parent ?? ''), `${where} has its parent in the trace`).toBe(true);
      expect(span.tags.find((t) => t.key === 'correlation.id')?.value, where).toBe(request.correlationId);
    }
  });

  it("stores the request's log lines in VictoriaLogs, from each of those services, with its trace id", async () => {
    const missing = await missingLogs(request.services, request.traceId, request.started);
    expect(missing, `services without log lines in VictoriaLogs at ${victoriaLogs()}`).toEqual([]);
    const [record] = await storedLines('data-router', request.traceId, request.started);
    // The seed's Loki labels are the stream fields; the trace id is a field, never a stream field.
    expect(record).toMatchObject({
      _stream: '{level="info",service="data-router"}',
      service: 'data-router',
      level: 'info',
      trace_id: request.traceId,
      correlation_id: request.correlationId,
    });
    const line = JSON.parse(record!._msg!) as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'data-router', trace_id: request.traceId });
    const stored = await streams(victoriaLogs(), {
      start: request.started,
      end: new Date(Date.now() + 5_000),
    });
    expect(
      stored.every((s) => /^\{level="\w+",service="[\w-]+"\}$/.test(s)),
      stored.join(' '),
    ).toBe(true);
  });

  it('carries log lines written to files to VictoriaLogs too (the Collector tails <logDir>/<service>/<service>.log)', async () => {
    const services: ServiceName[] = ['orchestrator-service', 'data-router', 'soul-kb'];
    await using fileFleet = await startFleet({
      services,
      otlpHttpEndpoint: stack.component('otel-collector').getUrl(),
      logDir: fleetLogDir,
      logsViaOtlp: false,
      logsToFile: true,
    });
    const traceId = hex(16);
    const started = new Date();
    const answer = await postJson(
      `${fileFleet.entryUrl}/api/kb/query`,
      { query: 'from a file', kb: 'soul' },
      { traceparent: traceparent(traceId, hex(8)) },
    );
    expect(answer.status).toBe(200);
    await fileFleet.flush();
    expect(await missingLogs(services, traceId, started)).toEqual([]);
  });

  it('lets Prometheus scrape every catalog metric of the phase 1 and 2 services', async () => {
    const prometheus = clients.prometheus!;
    const expected = requiredSeries(2).filter(({ metric }) => metric.presence !== 'on-event');
    const names = [...new Set(expected.map(({ metric }) => metric.name))];
    const outcome = await pollUntil({
      description: 'every phase 1–2 catalog metric in Prometheus',
      probe: async () => {
        const seen = new Set<string>();
        for (const name of names) {
          const samples = await prometheus.query(
            `count by (${SERVICE_LABEL}) ({__name__=~"${name}(_bucket|_sum|_count)?", job="phoenix-services"})`,
          );
          for (const s of samples) seen.add(`${name} ${s.metric[SERVICE_LABEL]}`);
        }
        return expected.map(({ metric, service }) => `${metric.name} ${service}`).filter((k) => !seen.has(k));
      },
      until: (missing) => missing.length === 0,
      timeoutMs: INGEST_TIMEOUT_MS,
      intervalMs: 1000,
    });
    expect(outcome.last?.slice(0, 20), 'metric + service pairs missing in Prometheus').toEqual([]);
  });

  it('yields a broken trace when data-router drops traceparent', async () => {
    await fleet.setFault('data-router', { name: 'drop-traceparent' });
    try {
      const broken = await sendPlanAndExecute(fleet, 'integration: plan my week');
      await fleet.flush();
      const jaeger = clients.jaeger!;
      // Upstream of the hop the trace is whole: it ends at data-router's client spans.
      const upstream = new Set<ServiceName>(
        [...broken.services].filter((s) => s !== 'tools-service' && !s.endsWith('-kb')),
      );
      const outcome = await pollUntil({
        description: `trace ${broken.traceId} in Jaeger`,
        probe: () => jaeger.getTrace(broken.traceId),
        until: (t) =>
          t !== undefined && new Set(t.spans.map((s) => serviceOf(t, s.processID))).size >= upstream.size,
        timeoutMs: INGEST_TIMEOUT_MS,
        intervalMs: 500,
      });
      const trace = outcome.last!;
      expect(trace).toBeDefined();
      // A moment for stragglers, so "absent" means absent rather than late.
      await new Promise((r) => setTimeout(r, 3_000));
      const final = (await jaeger.getTrace(broken.traceId))!;
      const services = new Set(final.spans.map((s) => serviceOf(final, s.processID)));
      expect([...services].sort()).toEqual([...upstream].sort());
      const clientSpans = final.spans.filter(
        (s) => serviceOf(final, s.processID) === 'data-router' && s.operationName.startsWith('call '),
      );
      expect(clientSpans.length).toBeGreaterThanOrEqual(2);
    } finally {
      await fleet.clearFaults('data-router');
    }
  });
});

/**
 * Quantity, not only presence: a request has exactly the spans and log lines its flow produces at
 * each hop. A retried hop, a span exported twice and a line shipped twice fail, naming the service.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowAtPhase, flowByName, type FlowName } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import type { JaegerSpan } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { logsCheck } from './logs.ts';
import { FakeJaeger, buildTrace } from './testing/fake-jaeger.ts';
import { FakeLogStore } from './testing/fake-log-store.ts';
import { analyzeTrace, tracesCheck } from './traces.ts';

const entry = (flow: FlowName): LedgerEntry => ({
  traceId: randomBytes(16).toString('hex'),
  correlationId: 'run-1-1',
  flow,
  status: 200,
  startMs: Date.now(),
  durationMs: 5,
});

const ctx = (clients: ValidationContext['clients'], entries: LedgerEntry[]): ValidationContext => ({
  runId: 'run',
  phase: 4,
  endpoints: {},
  clients,
  ingestTimeoutMs: 200,
  ledger: ledgerFromEntries(entries),
  window: { start: new Date(Date.now() - 60_000), end: new Date() },
});

/** The trace of a request whose `from → to` hop was retried: a second client span and server span. */
function withRetriedHop(flow: FlowName, e: LedgerEntry, from: string, to: string) {
  const { trace } = buildTrace(flowAtPhase(flowByName(flow), 4), e);
  const service = (s: JaegerSpan) => trace.processes[s.processID]?.serviceName;
  const client = trace.spans.find((s) => service(s) === from && s.operationName === `call ${to}`);
  const server = trace.spans.find((s) => service(s) === to && s.references[0]?.spanID === client?.spanID);
  if (!client || !server) throw new Error(`no ${from} → ${to} hop in the trace`);
  const again = { ...client, spanID: randomBytes(8).toString('hex') };
  const served = {
    ...server,
    spanID: randomBytes(8).toString('hex'),
    references: [{ refType: 'CHILD_OF' as const, traceID: e.traceId, spanID: again.spanID }],
  };
  trace.spans.push(again, served);
  return trace;
}

describe('traces: exactly the spans the flow produces', () => {
  it('a retried hop (two client spans, two server spans) is a duplicate naming both services', () => {
    const e = entry('llm_generate');
    const trace = withRetriedHop('llm_generate', e, 'orchestrator-service', 'llm-service');
    const verdict = analyzeTrace(trace, e, flowAtPhase(flowByName('llm_generate'), 4));
    expect(verdict.duplicateSpans).toEqual([
      'orchestrator-service: 2 × call llm-service (expected 1)',
      'llm-service: 2 × POST /internal/generate (expected 1)',
    ]);
    expect(verdict.missingSpans).toEqual([]);
  });

  it('a span stored twice (exported twice) is named by its service and span id', () => {
    const e = entry('llm_generate');
    const { trace } = buildTrace(flowAtPhase(flowByName('llm_generate'), 4), e);
    const safety = trace.spans.find((s) => s.operationName === 'POST /internal/ethics_check');
    if (!safety) throw new Error('no safety span');
    trace.spans.push({ ...safety });
    const verdict = analyzeTrace(trace, e, flowAtPhase(flowByName('llm_generate'), 4));
    expect(verdict.duplicateSpans).toEqual([
      'safety-service: 2 × POST /internal/ethics_check (expected 1)',
      `safety-service: span ${safety.spanID} (POST /internal/ethics_check) stored 2 times (exported twice?)`,
    ]);
  });

  it('a KB called twice by the plan is a duplicate, though KB calls are variable', () => {
    const e = entry('kb_query');
    const trace = withRetriedHop('kb_query', e, 'data-router', 'mind-kb');
    const verdict = analyzeTrace(trace, e, flowAtPhase(flowByName('kb_query'), 4));
    expect(verdict.duplicateSpans).toEqual([
      'data-router: 2 × call mind-kb (expected 1)',
      'mind-kb: 2 × POST /internal/query (expected 1)',
    ]);
  });

  it('tracesCheck fails structure naming the retried hop', async () => {
    const e = entry('llm_generate');
    const jaeger = new FakeJaeger().add(
      withRetriedHop('llm_generate', e, 'orchestrator-service', 'llm-service'),
    );
    const structure = (await tracesCheck(ctx({ jaeger }, [e]))).find((r) => r.id === 'traces.structure');
    expect(structure?.status).toBe('fail');
    expect(structure?.message).toBe(
      `1 of 1 traces lack expected services or spans, or repeat them: ${e.traceId} (llm_generate): orchestrator-service: 2 × call llm-service (expected 1); llm-service: 2 × POST /internal/generate (expected 1)`,
    );
  });
});

describe('logs: exactly the lines the flow writes', () => {
  const logRequest = (store: FakeLogStore, e: LedgerEntry, twice?: string) => {
    const flow = flowAtPhase(flowByName(e.flow), 4);
    for (const service of flow.services) {
      store.add(service, e.traceId, {}, Date.now() - 1_000);
      if (service === twice) store.add(service, e.traceId, {}, Date.now() - 1_000);
    }
  };

  it('a line shipped twice fails completeness naming the service', async () => {
    const store = new FakeLogStore();
    const [a, b] = [entry('llm_generate'), entry('llm_generate')];
    logRequest(store, a);
    logRequest(store, b as LedgerEntry, 'llm-service');
    const results = await logsCheck(ctx({ logs: store }, [a, b as LedgerEntry]));
    const completeness = results.find((r) => r.id === 'logs.completeness');
    expect(completeness?.status).toBe('fail');
    expect(completeness?.message).toBe(
      `VictoriaLogs at http://fake-victorialogs: llm-service: more log lines than its flow writes for 1 of 2 requests (e.g. 2 for ${b?.traceId}, expected 1: a line shipped twice, or a hop run twice)`,
    );
  });

  it('one line per service per request passes', async () => {
    const store = new FakeLogStore();
    const e = entry('llm_generate');
    logRequest(store, e);
    const results = await logsCheck(ctx({ logs: store }, [e]));
    expect(results.find((r) => r.id === 'logs.completeness')?.status).toBe('pass');
  });
});

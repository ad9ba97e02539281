import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowAtPhase, flowByName } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { logsCheck } from './logs.ts';
import { FakeLoki } from './testing/fake-loki.ts';

const entry = (flow: LedgerEntry['flow']): LedgerEntry => ({
  traceId: randomBytes(16).toString('hex'),
  correlationId: 'c',
  flow,
  status: 200,
  startMs: Date.now(),
  durationMs: 1,
});

/** Log lines a correct fleet writes for a request: one per service on the path (one KB for variable hops). */
function logRequest(
  loki: FakeLoki,
  e: LedgerEntry,
  options: { skip?: string; traceIdAt?: Record<string, string> } = {},
): void {
  const flow = flowAtPhase(flowByName(e.flow), 4);
  const kbs = new Set((flow.variableHops ?? []).flatMap((h) => h.anyOf));
  for (const service of [...flow.services, ...(kbs.size ? ['mind-kb'] : [])]) {
    if (service === options.skip) continue;
    loki.add(service, options.traceIdAt?.[service] ?? e.traceId, {}, Date.now() - 1_000);
  }
}

function ctx(loki: FakeLoki, entries: LedgerEntry[]): ValidationContext {
  return {
    runId: 'r',
    phase: 4,
    endpoints: {},
    clients: { loki },
    ingestTimeoutMs: 200,
    ledger: ledgerFromEntries(entries),
    window: { start: new Date(Date.now() - 60_000), end: new Date() },
  };
}

const byId = async (c: ValidationContext) => Object.fromEntries((await logsCheck(c)).map((r) => [r.id, r]));

describe('logsCheck', () => {
  it('passes when every request has lines from each service on its path', async () => {
    const loki = new FakeLoki();
    const entries = [entry('plan_and_execute'), entry('kb_query'), entry('llm_generate')];
    for (const e of entries) logRequest(loki, e);
    const results = await byId(ctx(loki, entries));
    for (const r of Object.values(results)) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
  });

  it('names the service that dropped its logs and how many requests it left without lines', async () => {
    const loki = new FakeLoki();
    const entries = [entry('plan_and_execute'), entry('plan_and_execute')];
    for (const e of entries) logRequest(loki, e, { skip: 'reflection' });
    const r = (await byId(ctx(loki, entries)))['logs.completeness'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(/^reflection: no log lines for 2 of 2 requests/);
  });

  it('reports lines whose trace id matches no request (a hop that regenerated traceparent)', async () => {
    const loki = new FakeLoki();
    const e = entry('kb_query');
    logRequest(loki, e, { traceIdAt: { 'mind-kb': randomBytes(16).toString('hex') } });
    const r = (await byId(ctx(loki, [e])))['logs.completeness'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(
      'mind-kb|body-kb|heart-kb|social-kb|soul-kb: no log lines for 1 of 1 requests',
    );
    expect(r?.message).toContain('mind-kb wrote lines for 1 trace id(s) that match no request of the run');
  });

  it('fails on a forbidden high-cardinality label, and on a label value outside the allowed set', async () => {
    const loki = new FakeLoki();
    const e = entry('llm_generate');
    logRequest(loki, e);
    loki.add('llm-service', e.traceId, { trace_id: e.traceId, level: 'INFO' });
    const results = await byId(ctx(loki, [e]));
    expect(results['logs.forbidden-labels']?.status).toBe('fail');
    expect(results['logs.forbidden-labels']?.message).toContain(
      'high-cardinality label(s) trace_id (1 values)',
    );
    expect(results['logs.labels']?.status).toBe('fail');
    expect(results['logs.labels']?.message).toContain('label "level" has value(s) "INFO" outside');
  });
});

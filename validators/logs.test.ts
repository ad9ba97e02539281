import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowAtPhase, flowByName } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import { BackendError, type LogStoreKind } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { logsCheck } from './logs.ts';
import { FakeLogStore } from './testing/fake-log-store.ts';

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
  store: FakeLogStore,
  e: LedgerEntry,
  options: { skip?: string; traceIdAt?: Record<string, string> } = {},
): void {
  const flow = flowAtPhase(flowByName(e.flow), 4);
  const kbs = new Set((flow.variableHops ?? []).flatMap((h) => h.anyOf));
  for (const service of [...flow.services, ...(kbs.size ? ['mind-kb'] : [])]) {
    if (service === options.skip) continue;
    store.add(service, options.traceIdAt?.[service] ?? e.traceId, {}, Date.now() - 1_000);
  }
}

function ctx(store: FakeLogStore | undefined, entries: LedgerEntry[]): ValidationContext {
  return {
    runId: 'r',
    phase: 4,
    endpoints: {},
    clients: store ? { logs: store } : {},
    ingestTimeoutMs: 200,
    ledger: ledgerFromEntries(entries),
    window: { start: new Date(Date.now() - 60_000), end: new Date() },
  };
}

const byId = async (c: ValidationContext) => Object.fromEntries((await logsCheck(c)).map((r) => [r.id, r]));

const KINDS: { kind: LogStoreKind; product: string; base: string }[] = [
  { kind: 'victorialogs', product: 'VictoriaLogs', base: 'http://fake-victorialogs' },
  { kind: 'loki', product: 'Loki', base: 'http://fake-loki' },
];

describe.each(KINDS)('logsCheck on $product', ({ kind, product, base }) => {
  it('passes when every request has lines from each service on its path', async () => {
    const store = new FakeLogStore(kind);
    const entries = [entry('plan_and_execute'), entry('kb_query'), entry('llm_generate')];
    for (const e of entries) logRequest(store, e);
    const results = await byId(ctx(store, entries));
    for (const r of Object.values(results)) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(results['logs.labels']?.title).toBe(
      `${product} has the required stream labels, with allowed values`,
    );
  });

  it('fault drop-logs: names the service that dropped its logs and how many requests it left without lines', async () => {
    const store = new FakeLogStore(kind);
    const entries = [entry('plan_and_execute'), entry('plan_and_execute')];
    for (const e of entries) logRequest(store, e, { skip: 'reflection' });
    const r = (await byId(ctx(store, entries)))['logs.completeness'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      new RegExp(`^${product} at ${base}: reflection: no log lines for 2 of 2 requests`),
    );
  });

  it('a request without lines in a merged ledger is named with its runner; the other runner is whole', async () => {
    const store = new FakeLogStore(kind);
    const kept = { ...entry('llm_generate'), runner: 'worker-1' };
    const lost = { ...entry('llm_generate'), runner: 'worker-2' };
    logRequest(store, kept);
    logRequest(store, lost, { skip: 'llm-service' });
    const completeness = (await byId(ctx(store, [kept, lost])))['logs.completeness'];
    expect(completeness?.status).toBe('fail');
    expect(completeness?.message).toContain(
      `llm-service: no log lines for 1 of 2 requests; e.g. ${lost.traceId} (llm_generate) lacks llm-service`,
    );
    expect(completeness?.evidence.perRunner).toEqual({
      'worker-1': { sent: 1, logged: 1 },
      'worker-2': { sent: 1, logged: 0 },
    });
  });

  it('reports lines whose trace id matches no request (a hop that regenerated traceparent)', async () => {
    const store = new FakeLogStore(kind);
    const e = entry('kb_query');
    logRequest(store, e, { traceIdAt: { 'mind-kb': randomBytes(16).toString('hex') } });
    const r = (await byId(ctx(store, [e])))['logs.completeness'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(
      'mind-kb|body-kb|heart-kb|social-kb|soul-kb: no log lines for 1 of 1 requests',
    );
    expect(r?.message).toContain('mind-kb wrote lines for 1 trace id(s) that match no request of the run');
  });

  it('fault high-cardinality-label: fails on trace_id as a stream label, naming it', async () => {
    const store = new FakeLogStore(kind);
    const e = entry('llm_generate');
    logRequest(store, e);
    store.add('llm-service', e.traceId, { trace_id: e.traceId });
    const r = (await byId(ctx(store, [e])))['logs.forbidden-labels'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      new RegExp(
        `^${product} at ${base} indexes high-cardinality stream label\\(s\\) trace_id \\(1 values\\)`,
      ),
    );
    expect(r?.observed).toBe('trace_id');
  });

  it('fails on a stream label value outside the allowed set, and on a missing required label', async () => {
    const store = new FakeLogStore(kind);
    const e = entry('llm_generate');
    logRequest(store, e);
    store.add('llm-service', e.traceId, { level: 'INFO' });
    const labels = (await byId(ctx(store, [e])))['logs.labels'];
    expect(labels?.status).toBe('fail');
    expect(labels?.message).toBe(
      `${product} at ${base}: stream label "level" has value(s) "INFO" outside ["debug","info","warn","error"]`,
    );

    const noLevel = new FakeLogStore(kind);
    noLevel.lines.push({
      labels: { service: 'llm-service' },
      traceId: e.traceId,
      timeMs: Date.now(),
      line: '',
    });
    const missing = (await byId(ctx(noLevel, [e])))['logs.labels'];
    expect(missing?.status).toBe('fail');
    expect(missing?.message).toContain('stream label "level" is missing (stream labels: service)');
  });

  it('reports an unreachable store as an error naming it, not as missing lines', async () => {
    const store = new FakeLogStore(kind);
    const failure = new BackendError(
      product,
      `${base}/x`,
      `could not reach ${product} at ${base}/x (ECONNREFUSED)`,
    );
    store.lineCountsByTraceId = () => Promise.reject(failure);
    store.streamLabelNames = () => Promise.reject(failure);
    const results = await byId(ctx(store, [entry('llm_generate')]));
    for (const id of ['logs.labels', 'logs.forbidden-labels', 'logs.completeness']) {
      expect(results[id]?.status, id).toBe('error');
      expect(results[id]?.message).toContain(`could not reach ${product} at ${base}/x`);
    }
  });
});

describe('logsCheck without a log store', () => {
  it('skips every check, saying what it needs', async () => {
    const results = await logsCheck(ctx(undefined, []));
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['logs.labels', 'skip'],
      ['logs.forbidden-labels', 'skip'],
      ['logs.completeness', 'skip'],
    ]);
    expect(results[0]?.message).toContain('needs the log store endpoint (VictoriaLogs or Loki)');
  });
});

describe('logsCheck on empty evidence: examined nothing is a failure, never a pass', () => {
  it('fails the label checks when the store has no stream in the run window', async () => {
    const c = ctx(new FakeLogStore('victorialogs'), [entry('kb_query')]);
    const results = await byId(c);
    const span = `from ${c.window?.start.toISOString()} to `;
    for (const id of ['logs.labels', 'logs.forbidden-labels']) {
      expect(results[id], id).toMatchObject({ status: 'fail', examined: 0 });
      expect(results[id]?.message).toMatch(
        new RegExp(
          `^VictoriaLogs at http://fake-victorialogs has no log stream ${span.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S+: no stream label to check$`,
        ),
      );
    }
  });

  it('fails completeness when the ledger holds no requests', async () => {
    const store = new FakeLogStore('loki');
    logRequest(store, entry('kb_query'));
    const results = await byId(ctx(store, []));
    expect(results['logs.completeness']).toMatchObject({ status: 'fail', examined: 0 });
    expect(results['logs.completeness']?.message).toBe(
      'the ledger (in memory) holds no requests: no traffic was sent, so there is no log line to look up in Loki at http://fake-loki',
    );
  });

  it('records how many requests and stream labels it examined', async () => {
    const store = new FakeLogStore('victorialogs');
    const entries = [entry('kb_query'), entry('llm_generate')];
    for (const e of entries) logRequest(store, e);
    const results = await byId(ctx(store, entries));
    expect(results['logs.completeness']?.examined).toBe(2);
    expect(results['logs.labels']?.examined).toBeGreaterThan(0);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowAtPhase, flowByName } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import { LokiClient, type JaegerTrace, type LokiVectorSample } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { logsCheck } from './logs.ts';
import { FakeJaeger, buildTrace } from './testing/fake-jaeger.ts';
import { FakeLogStore } from './testing/fake-log-store.ts';
import { tracesCheck } from './traces.ts';

// The paths the validators take at 100k requests: batched Jaeger lookups, Loki chunks split in halves.

const entry = (flow: LedgerEntry['flow'], n: number): LedgerEntry => ({
  traceId: randomBytes(16).toString('hex'),
  correlationId: `run-1-${n}`,
  flow,
  status: 200,
  startMs: Date.now(),
  durationMs: 5,
});

/** A FakeJaeger that also answers several ids per request, as JaegerClient does. */
class BatchingJaeger extends FakeJaeger {
  batches: number[] = [];

  async getTraces(traceIds: readonly string[]): Promise<Map<string, JaegerTrace>> {
    this.batches.push(traceIds.length);
    const found = new Map<string, JaegerTrace>();
    for (const id of traceIds) {
      const trace = await this.getTrace(id);
      if (trace) found.set(id, trace);
    }
    return found;
  }
}

/**
 * The real LokiClient (its chunking and halving) over in-memory lines: its instant queries over
 * more than `maxSeries` trace ids fail the way Loki's do.
 */
class LimitedLoki extends LokiClient {
  queries = 0;
  readonly store = new FakeLogStore('loki');

  constructor(private readonly maxSeries: number) {
    super({ baseUrl: 'http://fake-loki' });
  }

  add(service: string, traceId: string, timeMs: number): void {
    this.store.add(service, traceId, {}, timeMs);
  }

  override async queryInstant(logql: string, time: Date): Promise<LokiVectorSample[]> {
    this.queries += 1;
    const m = /^sum by \(trace_id\) \(count_over_time\(\{service="([^"]+)"\} \[(\d+)s\]\)\)$/.exec(logql);
    if (!m?.[1] || !m[2]) throw new Error(`LimitedLoki cannot answer ${logql}`);
    const from = time.getTime() - Number(m[2]) * 1000;
    const counts = new Map<string, number>();
    for (const l of this.store.lines) {
      if (l.labels.service !== m[1] || l.timeMs <= from || l.timeMs > time.getTime()) continue;
      counts.set(l.traceId, (counts.get(l.traceId) ?? 0) + 1);
    }
    const samples = [...counts].map(([traceId, n]) => ({
      metric: { trace_id: traceId },
      value: [time.getTime() / 1000, String(n)] as [number, string],
    }));
    if (samples.length > this.maxSeries)
      throw new Error(
        `Loki answered 400 at http://fake-loki/loki/api/v1/query: maximum number of series (${this.maxSeries}) reached for a single query`,
      );
    return samples;
  }
}

const ctx = (overrides: Partial<ValidationContext>, entries: LedgerEntry[]): ValidationContext => ({
  runId: 'run',
  phase: 4,
  endpoints: {},
  clients: {},
  ingestTimeoutMs: 2_000,
  ledger: ledgerFromEntries(entries),
  window: { start: new Date(Date.now() - 60_000), end: new Date() },
  ...overrides,
});

describe('validators at scale', () => {
  it('looks traces up in batches when the client can, retrying the late ones', async () => {
    const jaeger = new BatchingJaeger(1);
    const entries = Array.from({ length: 250 }, (_, i) => entry('llm_generate', i));
    for (const e of entries) jaeger.add(buildTrace(flowAtPhase(flowByName(e.flow), 4), e).trace);
    const results = await tracesCheck(ctx({ clients: { jaeger } }, entries));
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    // First pass: 100 + 100 + 50 ids, all invisible yet; the retry pass finds them.
    expect(jaeger.batches).toEqual([100, 100, 50, 100, 100, 50]);
  });

  it('still reports the missing traces by id when batched', async () => {
    const jaeger = new BatchingJaeger();
    const entries = [entry('kb_query', 1), entry('kb_query', 2)];
    const first = entries[0] as LedgerEntry;
    jaeger.add(buildTrace(flowAtPhase(flowByName('kb_query'), 4), first).trace);
    const results = await tracesCheck(ctx({ clients: { jaeger }, ingestTimeoutMs: 300 }, entries));
    const completeness = results.find((r) => r.id === 'traces.completeness');
    expect(completeness?.status).toBe('fail');
    expect(completeness?.evidence.traceIds).toEqual([entries[1]?.traceId]);
  });

  it("halves a Loki chunk that exceeds max_query_series, and finds every request's lines", async () => {
    const loki = new LimitedLoki(3);
    const now = Date.now();
    const entries = Array.from({ length: 8 }, (_, i) => entry('llm_generate', i));
    entries.forEach((e, i) => {
      // Spread over 8 s, so halving a chunk to 2 s keeps each query within 3 trace ids.
      for (const service of ['orchestrator-service', 'safety-service', 'llm-service'])
        loki.add(service, e.traceId, now - 20_000 + i * 1_000);
    });
    const results = await logsCheck(
      ctx(
        { clients: { logs: loki }, window: { start: new Date(now - 25_000), end: new Date(now) } },
        entries,
      ),
    );
    const completeness = results.find((r) => r.id === 'logs.completeness');
    expect(completeness?.status, completeness?.message).toBe('pass');
    expect(loki.queries).toBeGreaterThan(3);
  });
});

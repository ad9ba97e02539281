import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flowAtPhase, flowByName, type FlowName } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { FakeJaeger, buildTrace } from './testing/fake-jaeger.ts';
import { analyzeTrace, tracesCheck } from './traces.ts';

function entry(flow: FlowName, n = 1): LedgerEntry {
  return {
    traceId: randomBytes(16).toString('hex'),
    correlationId: `run-1-${n}`,
    flow,
    status: 200,
    startMs: Date.now(),
    durationMs: 5,
  };
}

function ctx(
  jaeger: FakeJaeger,
  entries: LedgerEntry[],
  overrides: Partial<ValidationContext> = {},
): ValidationContext {
  return {
    runId: 'run',
    phase: 4,
    endpoints: {},
    clients: { jaeger },
    ingestTimeoutMs: 2_000,
    ledger: ledgerFromEntries(entries),
    ...overrides,
  };
}

const byId = (results: Awaited<ReturnType<typeof tracesCheck>>) =>
  Object.fromEntries(results.map((r) => [r.id, r]));

describe('analyzeTrace', () => {
  const flow = flowAtPhase(flowByName('plan_and_execute'), 4);

  it('finds nothing wrong with a correct trace', () => {
    const e = entry('plan_and_execute');
    const { trace } = buildTrace(flow, e, { kbs: ['mind-kb', 'soul-kb'] });
    expect(analyzeTrace(trace, e, flow)).toMatchObject({
      missingServices: [],
      missingSpans: [],
      brokenHops: [],
      orphanSpans: [],
      correlationMismatches: [],
      missingAttributes: [],
      variableHopProblems: [],
    });
  });

  it('at phase 1, does not require the calls to KBs (phase-2 services) the plan may or may not make', () => {
    const e = entry('plan_and_execute');
    const { trace } = buildTrace(flow, e, { kbs: ['mind-kb'] });
    const phase1 = flowAtPhase(flowByName('plan_and_execute'), 1);
    expect(analyzeTrace(trace, e, phase1)).toMatchObject({
      missingSpans: [],
      missingServices: [],
      brokenHops: [],
    });
  });

  it('names the hop that broke propagation', () => {
    const e = entry('plan_and_execute');
    const { trace } = buildTrace(flow, e, { kbs: ['mind-kb'], breakHop: 'data-router → mind-kb' });
    const verdict = analyzeTrace(trace, e, flow);
    expect(verdict.brokenHops).toEqual(['data-router → mind-kb']);
  });

  it('reports a span whose correlation id differs from the ledger', () => {
    const e = entry('kb_query');
    const kbFlow = flowAtPhase(flowByName('kb_query'), 4);
    const { trace } = buildTrace(kbFlow, e, { correlationId: 'someone-else' });
    expect(analyzeTrace(trace, e, kbFlow).correlationMismatches[0]).toContain('"someone-else"');
  });
});

describe('tracesCheck', () => {
  it('passes when every ledger trace is in Jaeger, complete, even if it arrives late', async () => {
    const jaeger = new FakeJaeger(1);
    const entries = [entry('plan_and_execute', 1), entry('kb_query', 2), entry('llm_generate', 3)];
    for (const e of entries) jaeger.add(buildTrace(flowAtPhase(flowByName(e.flow), 4), e).trace);
    const results = byId(await tracesCheck(ctx(jaeger, entries)));
    for (const r of Object.values(results)) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(results['traces.completeness']?.evidence.perFlow).toEqual({
      plan_and_execute: { sent: 1, traced: 1 },
      kb_query: { sent: 1, traced: 1 },
      llm_generate: { sent: 1, traced: 1 },
    });
  });

  it('a lost request of a merged ledger fails completeness, naming it and the runner that sent it (streamed ledger)', async () => {
    const jaeger = new FakeJaeger();
    const kept = { ...entry('kb_query', 1), runner: 'worker-1' };
    const lost = { ...entry('kb_query', 2), runner: 'worker-2' };
    jaeger.add(buildTrace(flowAtPhase(flowByName('kb_query'), 4), kept).trace);
    const results = byId(await tracesCheck(ctx(jaeger, [kept, lost], { ingestTimeoutMs: 50 })));
    const completeness = results['traces.completeness'];
    expect(completeness?.status).toBe('fail');
    expect(completeness?.message).toMatch(
      new RegExp(
        `^1 of 2 requests have no trace in Jaeger at http://fake-jaeger after \\d+ms \\(completeness 50\\.00%\\); missing: ${lost.traceId}$`,
      ),
    );
    expect(completeness?.evidence.perRunner).toEqual({
      'worker-1': { sent: 1, traced: 1 },
      'worker-2': { sent: 1, traced: 0 },
    });
  });

  it('says the trace store overflowed when the run sent more requests than it keeps traces', async () => {
    const entries = [1, 2, 3].map((n) => entry('kb_query', n));
    const message = async (traceStoreCapacity: number) => {
      // A store keeping 2 traces has evicted the oldest of the run's 3.
      const jaeger = new FakeJaeger();
      for (const e of entries.slice(1))
        jaeger.add(buildTrace(flowAtPhase(flowByName('kb_query'), 4), e).trace);
      const results = byId(
        await tracesCheck(ctx(jaeger, entries, { ingestTimeoutMs: 50, traceStoreCapacity })),
      );
      expect(results['traces.completeness']?.status).toBe('fail');
      return results['traces.completeness']?.message ?? '';
    };
    expect(await message(2)).toMatch(
      /; this run sent 3 requests and the trace store keeps only the newest 2 traces, so the oldest were evicted before they could be checked: run it with --trace-store badger \(stack\.traceStore\), which keeps every trace on disk$/,
    );
    // Within the store's capacity, a missing trace is just missing.
    expect(await message(3)).not.toContain('trace store');
  });

  it('asks again for a trace whose lookup failed, even when the first pass outlasted the ingest deadline', async () => {
    const jaeger = new FakeJaeger();
    const e = entry('kb_query', 1);
    jaeger.add(buildTrace(flowAtPhase(flowByName('kb_query'), 4), e).trace);
    const lookUp = jaeger.getTrace.bind(jaeger);
    let calls = 0;
    // The first lookup times out (Jaeger busy storing), after the whole ingest deadline.
    jaeger.getTrace = async (id) => {
      calls += 1;
      if (calls === 1) {
        await new Promise((r) => setTimeout(r, 30));
        throw new Error('timeout of 10000ms exceeded');
      }
      return lookUp(id);
    };
    const results = byId(await tracesCheck(ctx(jaeger, [e], { ingestTimeoutMs: 10 })));
    expect(calls).toBe(2);
    expect(results['traces.completeness']).toMatchObject({
      status: 'pass',
      message: 'all 1 requests of the ledger have their trace in Jaeger',
    });
  });

  it('fails completeness, listing the missing trace ids, with the last error seen', async () => {
    const jaeger = new FakeJaeger();
    const present = entry('kb_query', 1);
    const lost = entry('kb_query', 2);
    jaeger.add(buildTrace(flowAtPhase(flowByName('kb_query'), 4), present).trace);
    const results = byId(await tracesCheck(ctx(jaeger, [present, lost], { ingestTimeoutMs: 300 })));
    const completeness = results['traces.completeness'];
    expect(completeness?.status).toBe('fail');
    expect(completeness?.message).toContain(`1 of 2 requests have no trace in Jaeger at http://fake-jaeger`);
    expect(completeness?.message).toContain(`missing: ${lost.traceId}`);
    expect(completeness?.observed).toBe('1 found (50.00%)');
  });

  it('fails propagation naming the broken hop and how many traces it broke', async () => {
    const jaeger = new FakeJaeger();
    const entries = [entry('plan_and_execute', 1), entry('plan_and_execute', 2)];
    for (const e of entries)
      jaeger.add(
        buildTrace(flowAtPhase(flowByName(e.flow), 4), e, { breakHop: 'data-router → mind-kb' }).trace,
      );
    const results = byId(await tracesCheck(ctx(jaeger, entries)));
    expect(results['traces.propagation']?.status).toBe('fail');
    expect(results['traces.propagation']?.message).toMatch(
      /^data-router → mind-kb did not propagate traceparent \(2 traces\)/,
    );
    // The structure check sees the KB missing from the request's trace.
    expect(results['traces.structure']?.status).toBe('fail');
  });

  it('fails the attribute check naming the span and the attribute', async () => {
    const jaeger = new FakeJaeger();
    const e = entry('llm_generate');
    jaeger.add(
      buildTrace(flowAtPhase(flowByName('llm_generate'), 4), e, { dropAttribute: 'peer.service' }).trace,
    );
    const results = byId(await tracesCheck(ctx(jaeger, [e])));
    expect(results['traces.attributes']?.status).toBe('fail');
    expect(results['traces.attributes']?.message).toContain(
      'orchestrator-service: call safety-service: peer.service',
    );
  });

  it('skips, saying why, without a ledger or without Jaeger', async () => {
    const noLedger = await tracesCheck({
      runId: 'r',
      phase: 1,
      endpoints: {},
      clients: { jaeger: new FakeJaeger() },
      ingestTimeoutMs: 10,
    });
    expect(noLedger.every((r) => r.status === 'skip' && r.message.includes('ledger'))).toBe(true);
    const noJaeger = await tracesCheck({
      runId: 'r',
      phase: 1,
      endpoints: {},
      clients: {},
      ingestTimeoutMs: 10,
    });
    expect(noJaeger.every((r) => r.status === 'skip' && r.message.includes('Jaeger'))).toBe(true);
  });
});

describe('tracesCheck on empty evidence: examined nothing is a failure, never a pass', () => {
  it('fails every traces check when the ledger holds no requests', async () => {
    const results = await tracesCheck(ctx(new FakeJaeger(), []));
    expect(results).toHaveLength(5);
    for (const r of results) {
      expect(r, r.id).toMatchObject({ status: 'fail', examined: 0 });
      expect(r.message).toBe(
        'the ledger (in memory) holds no requests: no traffic was sent, so there is no trace to look up in Jaeger at http://fake-jaeger',
      );
    }
  });

  it('fails structure, propagation, correlation and attributes when no trace was found to examine', async () => {
    const e = entry('kb_query');
    const results = byId(await tracesCheck(ctx(new FakeJaeger(), [e], { ingestTimeoutMs: 100 })));
    expect(results['traces.completeness']).toMatchObject({ status: 'fail', examined: 1 });
    for (const id of ['traces.structure', 'traces.propagation', 'traces.correlation', 'traces.attributes']) {
      expect(results[id], id).toMatchObject({ status: 'fail', examined: 0 });
      expect(results[id]?.message).toBe(
        'no trace to examine: none of the 1 requests of the ledger has its trace in Jaeger at http://fake-jaeger (see traces.completeness)',
      );
    }
  });

  it('records the requests looked up and the traces examined', async () => {
    const jaeger = new FakeJaeger();
    const entries = [entry('kb_query', 1), entry('kb_query', 2)];
    for (const e of entries) jaeger.add(buildTrace(flowAtPhase(flowByName(e.flow), 4), e).trace);
    for (const r of await tracesCheck(ctx(jaeger, entries))) expect(r.examined, r.id).toBe(2);
  });
});

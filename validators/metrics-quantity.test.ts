/**
 * Metrics agree with the ledger on how many, also after failures: accounting keeps comparing the
 * hops it can after a 5xx; a service names itself in `service`; on-event metrics are checked after
 * the drills that produce them.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_RULES, type Phase } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { evaluateGate } from './gate.ts';
import { downstreamMismatches, expectedCounts, metricsCheck, metricsOnEventCheck } from './metrics.ts';
import { FakePrometheus } from './testing/fake-prometheus.ts';

const NOW = Date.now() / 1000;

function ledger(spec: [LedgerEntry['flow'], number, number][]): LedgerEntry[] {
  let i = 0;
  return spec.flatMap(([flow, status, n]) =>
    Array.from({ length: n }, () => ({
      traceId: `${i++}`.padStart(32, '0'),
      correlationId: `r-${i}`,
      flow,
      status,
      startMs: 0,
      durationMs: 1,
    })),
  );
}

/** One requests counter that went from 0 to `n` during the run. */
function counted(prom: FakePrometheus, service: string, method: string, status: string, n: number): void {
  prom.add(
    'phoenix_service_requests_total',
    { service, method, status, phoenix_service: service, job: 'phoenix-services' },
    [
      [NOW - 90, 0],
      [NOW - 1, n],
    ],
    'counter',
  );
}

function ctx(prom: FakePrometheus, entries: LedgerEntry[], extra: Partial<ValidationContext> = {}) {
  prom.targetList = [
    {
      labels: { phoenix_service: 'orchestrator-service' },
      scrapePool: 'phoenix-services',
      scrapeUrl: 'http://o:1/metrics',
      health: 'up',
      lastError: '',
      lastScrape: new Date().toISOString(),
    },
  ];
  return {
    runId: 'r',
    phase: 1,
    endpoints: {},
    clients: { prometheus: prom },
    ingestTimeoutMs: 300,
    ledger: ledgerFromEntries(entries),
    window: { start: new Date((NOW - 60) * 1000), end: new Date(Date.now() - 5_000) },
    ...extra,
  } satisfies ValidationContext;
}

const find = async (c: ValidationContext, id: string) => (await metricsCheck(c)).find((r) => r.id === id);

describe('accounting after a 5xx: the hops stay compared, within bounds', () => {
  it('bounds a hop some failed request went through: at least its successes, at most one per request', () => {
    const { downstream } = expectedCounts(
      new Map([
        ['kb_query|200', 30],
        ['kb_query|500', 10],
        ['llm_generate|200', 5],
      ]),
    );
    expect(downstream.get('data-router|route')).toEqual({ ok: 30, max: 40, exact: false });
    expect(downstream.get('llm-service|generate')).toEqual({ ok: 5, max: 5, exact: true });
    expect(
      downstreamMismatches(
        'data-router',
        downstream,
        new Map([
          ['data-router|route|200', 20],
          ['data-router|route|500', 5],
        ]),
      ),
    ).toEqual([
      'data-router counted 20 route requests with status 200, the ledger implies at least 30 (its successful requests)',
    ]);
  });

  it('fails naming a retried hop after some requests failed (the old code stopped comparing)', async () => {
    const prom = new FakePrometheus();
    counted(prom, 'orchestrator-service', 'kb_query', '200', 30);
    counted(prom, 'orchestrator-service', 'kb_query', '500', 10);
    counted(prom, 'data-router', 'route', '200', 60);
    counted(prom, 'data-router', 'route', '500', 20);
    const r = await find(
      ctx(
        prom,
        ledger([
          ['kb_query', 200, 30],
          ['kb_query', 500, 10],
        ]),
      ),
      'metrics.accounting',
    );
    expect(r?.status).toBe('fail');
    expect(r?.message).toBe(
      'data-router counted 80 route requests, the ledger allows at most 40 (one per request whose flow calls it: a retried hop?) (after failed requests, 1 downstream operation(s) were compared within bounds, not exactly: data-router route)',
    );
  });

  it('passes when the failed requests stopped before or at the hop, and flows without failures stay exact', async () => {
    const prom = new FakePrometheus();
    counted(prom, 'orchestrator-service', 'kb_query', '200', 30);
    counted(prom, 'orchestrator-service', 'kb_query', '500', 10);
    counted(prom, 'data-router', 'route', '200', 30);
    counted(prom, 'data-router', 'route', '500', 6);
    counted(prom, 'orchestrator-service', 'llm_generate', '200', 5);
    counted(prom, 'safety-service', 'ethics_check', '200', 5);
    counted(prom, 'llm-service', 'generate', '200', 6);
    const entries = ledger([
      ['kb_query', 200, 30],
      ['kb_query', 500, 10],
      ['llm_generate', 200, 5],
    ]);
    const r = await find(ctx(prom, entries), 'metrics.accounting');
    // llm_generate had no failure: its hops are exact, so llm-service's extra request is named.
    expect(r?.message).toBe(
      'llm-service counted 6 generate requests with status 200, the ledger implies 5 (after failed requests, 1 downstream operation(s) were compared within bounds, not exactly: data-router route)',
    );
    prom.data = prom.data.filter((s) => s.labels.service !== 'llm-service');
    counted(prom, 'llm-service', 'generate', '200', 5);
    expect((await find(ctx(prom, entries), 'metrics.accounting'))?.status).toBe('pass');
  });
});

describe('a service names itself in `service`', () => {
  it('fails labels naming the target whose series say another service', async () => {
    const prom = new FakePrometheus();
    prom.add(
      'phoenix_service_requests_total',
      { service: 'data-router', method: 'generate', status: '200', phoenix_service: 'llm-service' },
      1,
      'counter',
    );
    const r = await find(ctx(prom, []), 'metrics.labels');
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(
      'phoenix_service_requests_total scraped from llm-service (phoenix_service) says service="data-router" (1 series): a service must name itself',
    );
  });

  it('reads the target from the configured service label (staging: job)', async () => {
    const prom = new FakePrometheus();
    prom.add(
      'phoenix_service_requests_total',
      { service: 'mind-kb', method: 'query', status: '200', job: 'body-kb' },
      1,
      'counter',
    );
    const r = await find(ctx(prom, [], { serviceLabel: 'job' }), 'metrics.labels');
    expect(r?.message).toContain(
      'phoenix_service_requests_total scraped from body-kb (job) says service="mind-kb" (1 series): a service must name itself',
    );
  });
});

describe('metrics.on-event: checked after the drills that produce them', () => {
  const breaker = (prom: FakePrometheus, labels: Record<string, string>, type = 'counter') =>
    prom.add(
      'phoenix_data_router_circuit_breaker_trips_total',
      { phoenix_service: 'data-router', ...labels },
      1,
      type,
    );

  it('checks the type and labels of the on-event metrics the drills produced, naming a wrong one', async () => {
    const prom = new FakePrometheus();
    breaker(prom, { service: 'mind-kb', request_id: 'r-1' }, 'gauge');
    const [r] = await metricsOnEventCheck(ctx(prom, []));
    expect(r).toMatchObject({ id: 'metrics.on-event', status: 'fail', examined: 1 });
    expect(r?.message).toBe(
      'on-event metrics checked in Prometheus at http://fake-prometheus: metric types differ from the catalog: phoenix_data_router_circuit_breaker_trips_total: gauge instead of counter; phoenix_data_router_circuit_breaker_trips_total has unexpected label "request_id" (1 series) (not produced, so not checked: phoenix_circuit_breaker_transitions_total, phoenix_orchestrator_errors_total)',
    );
  });

  it('passes once the drills produced them with the catalog type and labels', async () => {
    const prom = new FakePrometheus();
    breaker(prom, { service: 'mind-kb' });
    const fleet = { setFault: async () => undefined, clearFaults: async () => undefined };
    const [r] = await metricsOnEventCheck(ctx(prom, [], { fleet }));
    expect(r?.status).toBe('pass');
    expect(r?.message).toMatch(
      /^type and labels of 1 on-event metric\(s\) match the catalog after the alert drills: phoenix_data_router_circuit_breaker_trips_total/,
    );
  });

  it('skips, naming them, when no on-event metric appeared', async () => {
    const [r] = await metricsOnEventCheck(ctx(new FakePrometheus(), []));
    expect(r?.status).toBe('skip');
    expect(r?.message).toMatch(
      /^none of the 3 on-event metrics has a series in Prometheus at http:\/\/fake-prometheus/,
    );
  });

  it('belongs to the phase of the first drill, so a phase-1 gate (no drills) does not require it', async () => {
    const [r] = await metricsOnEventCheck(ctx(new FakePrometheus(), []));
    const firstDrill = Math.min(...ALERT_RULES.filter((a) => a.trigger).map((a) => a.phase));
    expect(r?.phase).toBe(firstDrill);
    expect(evaluateGate(r ? [r] : [], 1)).toMatchObject({ verdict: 'pass', skippedRequired: [] });
    expect(evaluateGate(r ? [r] : [], firstDrill as Phase)).toMatchObject({
      verdict: 'fail',
      skippedRequired: ['metrics.on-event'],
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { METRICS, SERVICE_NAMES, allowedValuesOn, type ServiceName } from '../catalog/index.ts';
import { sumOf, type Sample } from './prometheus-text.ts';
import { startFleet, type FleetOptions, type StartedFleet } from './start-fleet.ts';
import { postJson, scrape } from './testing.ts';

const REQUESTS = 'phoenix_service_requests_total';

describe('metrics of the mock fleet', () => {
  let fleet: StartedFleet | undefined;
  const start = async (options: FleetOptions = {}) => {
    fleet = await startFleet({ threads: 1, ...options });
    return fleet;
  };
  const url = (service: ServiceName) => fleet!.services.get(service)!.url;
  const samplesOf = (service: ServiceName) => scrape(url(service));
  afterEach(async () => {
    await fleet?.[Symbol.asyncDispose]();
    fleet = undefined;
  });

  it('exposes every catalog metric of every service from the first scrape, with allowed label values', async () => {
    await start();
    for (const service of SERVICE_NAMES) {
      const samples = await samplesOf(service);
      for (const def of METRICS.filter((m) => m.services.includes(service) && m.presence !== 'on-event')) {
        const mine = samples.filter((s) => s.name === def.name || s.name.startsWith(`${def.name}_`));
        expect(mine.length, `${service} ${def.name}`).toBeGreaterThan(0);
      }
      expectWithinCatalog(service, samples);
    }
  });

  it('counts each received request exactly once, by operation and status, at every service on its path', async () => {
    await start();
    const queries = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const kbCalls = new Map<string, number>();
    for (const query of queries) {
      const answer = await postJson(`${fleet!.entryUrl}/api/process`, { query, parameters: {} });
      expect(answer.status).toBe(200);
      for (const step of (answer.body['plan'] as { steps: { service: string }[] }).steps) {
        if (step.service.endsWith('-kb')) kbCalls.set(step.service, (kbCalls.get(step.service) ?? 0) + 1);
      }
    }
    expect((await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: 'q', kb: 'soul' })).status).toBe(200);
    kbCalls.set('soul-kb', (kbCalls.get('soul-kb') ?? 0) + 1);
    expect((await postJson(`${fleet!.entryUrl}/api/llm/generate`, { prompt: 'hi' })).status).toBe(200);
    expect((await postJson(`${fleet!.entryUrl}/api/process`, '{not json')).status).toBe(400);
    // Scrapes, health checks and the fault API are not requests of the service.
    await fetch(`${url('data-router')}/healthz`);
    await fetch(`${url('data-router')}/admin/faults`);
    await samplesOf('data-router');

    const n = queries.length;
    const count = async (service: ServiceName, method: string, status = '200') =>
      sumOf(await samplesOf(service), REQUESTS, { service, method, status });
    expect(await count('orchestrator-service', 'plan_and_execute')).toBe(n);
    expect(await count('orchestrator-service', 'plan_and_execute', '400')).toBe(1);
    expect(await count('orchestrator-service', 'kb_query')).toBe(1);
    expect(await count('orchestrator-service', 'llm_generate')).toBe(1);
    expect(await count('safety-service', 'ethics_check')).toBe(n + 1);
    expect(await count('llm-service', 'plan')).toBe(n);
    expect(await count('llm-service', 'generate')).toBe(1);
    expect(await count('context-manager', 'context')).toBe(n);
    expect(await count('data-router', 'route')).toBe(n + 1);
    expect(await count('tools-service', 'invoke')).toBe(n);
    expect(await count('executor', 'execute')).toBe(n);
    expect(await count('reflection', 'reflect')).toBe(n);
    for (const kb of ['mind-kb', 'body-kb', 'heart-kb', 'social-kb', 'soul-kb'] as const) {
      expect(await count(kb, 'query'), kb).toBe(kbCalls.get(kb) ?? 0);
      const own = sumOf(await samplesOf(kb), 'phoenix_kb_queries_total', {
        kb: kb.replace('-kb', ''),
        status: '200',
      });
      expect(own, kb).toBe(kbCalls.get(kb) ?? 0);
    }
    // The services' own request counters agree with the middleware.
    const orchestrator = await samplesOf('orchestrator-service');
    expect(
      sumOf(orchestrator, 'phoenix_orchestrator_requests_total', {
        method: 'plan_and_execute',
        status: '200',
      }),
    ).toBe(n);
    expect(sumOf(orchestrator, 'phoenix_orchestrator_requests_total', { status: '400' })).toBe(1);
    expect(sumOf(await samplesOf('safety-service'), 'phoenix_safety_requests_total')).toBe(n + 1);
    expect(
      sumOf(await samplesOf('llm-service'), 'phoenix_llm_requests_total', { model: 'phoenix-large' }),
    ).toBe(n);
    expect(sumOf(await samplesOf('executor'), 'phoenix_executor_requests_total', { status: '200' })).toBe(n);
    const router = await samplesOf('data-router');
    expect(sumOf(router, 'phoenix_data_router_requests_total', { target_service: 'tools-service' })).toBe(n);
    expect(sumOf(router, 'phoenix_data_router_requests_total')).toBe(
      n + [...kbCalls.values()].reduce((a, b) => a + b, 0),
    );
    for (const service of SERVICE_NAMES) expectWithinCatalog(service, await samplesOf(service));
  });

  it('counts twice under double-count', async () => {
    await start({ services: ['orchestrator-service', 'data-router', 'mind-kb'] });
    await fleet!.setFault('mind-kb', { name: 'double-count' });
    for (let i = 0; i < 3; i++)
      await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: `q${i}`, kb: 'mind' });
    const kb = await samplesOf('mind-kb');
    expect(sumOf(kb, REQUESTS, { method: 'query', status: '200' })).toBe(6);
    expect(sumOf(kb, 'phoenix_kb_queries_total', { status: '200' })).toBe(6);
    expect(sumOf(await samplesOf('data-router'), REQUESTS, { status: '200' })).toBe(3);
  });

  it('answers 500 for exactly the error-rate fraction and counts them as 5xx along the path', async () => {
    await start({ services: ['orchestrator-service', 'data-router', 'mind-kb'] });
    await fleet!.setFault('mind-kb', { name: 'error-rate', rate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: `q${i}`, kb: 'mind' })).status,
      );
    }
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
    expect(sumOf(await samplesOf('mind-kb'), REQUESTS, { status: '500' })).toBe(5);
    expect(sumOf(await samplesOf('data-router'), REQUESTS, { status: '500' })).toBe(5);
    const orchestrator = await samplesOf('orchestrator-service');
    expect(sumOf(orchestrator, REQUESTS, { method: 'kb_query', status: '500' })).toBe(5);
    expect(sumOf(orchestrator, 'phoenix_orchestrator_errors_total', { error_type: 'upstream_error' })).toBe(
      5,
    );
  });

  it('hides a metric under omit-metric and shows it again, still counting, when cleared', async () => {
    await start({ services: ['orchestrator-service', 'data-router', 'mind-kb'] });
    await fleet!.setFault('data-router', { name: 'omit-metric', metric: 'phoenix_data_router_routes_total' });
    await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: 'q', kb: 'mind' });
    expect((await samplesOf('data-router')).some((s) => s.name === 'phoenix_data_router_routes_total')).toBe(
      false,
    );
    await fleet!.clearFaults('data-router', 'omit-metric');
    expect(
      sumOf(await samplesOf('data-router'), 'phoenix_data_router_routes_total', { service: 'mind-kb' }),
    ).toBe(1);
  });

  it('adds a per-request label under high-cardinality-label and keeps the totals when cleared', async () => {
    await start({ services: ['orchestrator-service', 'data-router', 'mind-kb'] });
    await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: 'before', kb: 'mind' });
    await fleet!.setFault('mind-kb', { name: 'high-cardinality-label' });
    for (let i = 0; i < 3; i++)
      await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: `q${i}`, kb: 'mind' });
    const during = (await samplesOf('mind-kb')).filter((s) => s.name === REQUESTS && s.labels['request_id']);
    expect(new Set(during.map((s) => s.labels['request_id'])).size).toBe(3);
    expect(sumOf(await samplesOf('mind-kb'), 'phoenix_kb_queries_total', { status: '200' })).toBe(4);
    await fleet!.clearFaults('mind-kb');
    const after = await samplesOf('mind-kb');
    expect(after.some((s) => s.labels['request_id'] !== undefined)).toBe(false);
    expect(sumOf(after, REQUESTS, { method: 'query', status: '200' })).toBe(4);
  });

  it('answers 503 on /metrics under down while requests keep working', async () => {
    await start({ services: ['reflection'] });
    await fleet!.setFault('reflection', { name: 'down' });
    expect((await fetch(`${url('reflection')}/metrics`)).status).toBe(503);
    expect((await postJson(`${url('reflection')}/internal/reflect`, { query: 'q' })).status).toBe(200);
    await fleet!.clearFaults();
    expect(sumOf(await samplesOf('reflection'), REQUESTS, { status: '200' })).toBe(1);
  });

  it('opens and recovers a circuit breaker, with its state, transitions and trips', async () => {
    await start({ services: ['orchestrator-service', 'data-router', 'mind-kb'] });
    await fleet!.setFault('data-router', { name: 'circuit-breaker-open', target: 'mind-kb' });
    let router = await samplesOf('data-router');
    expect(sumOf(router, 'phoenix_circuit_breaker_state', { service: 'mind-kb' })).toBe(1);
    expect(sumOf(router, 'phoenix_circuit_breaker_state', { service: 'soul-kb' })).toBe(0);
    expect(sumOf(router, 'phoenix_data_router_circuit_breaker_trips_total', { service: 'mind-kb' })).toBe(1);
    const failed = await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: 'q', kb: 'mind' });
    expect(failed.status).toBe(503);
    expect(sumOf(await samplesOf('mind-kb'), REQUESTS)).toBe(0);
    expect(
      sumOf(await samplesOf('orchestrator-service'), 'phoenix_orchestrator_errors_total', {
        error_type: 'upstream_error',
      }),
    ).toBe(1);
    await fleet!.clearFaults('data-router');
    router = await samplesOf('data-router');
    expect(sumOf(router, 'phoenix_circuit_breaker_state', { service: 'mind-kb' })).toBe(0);
    const transitions = router.filter(
      (s) => s.name === 'phoenix_circuit_breaker_transitions_total' && s.value > 0,
    );
    expect(transitions.map((s) => `${s.labels['from_state']}>${s.labels['to_state']}`).sort()).toEqual([
      'closed>open',
      'half_open>closed',
      'open>half_open',
    ]);
    expect((await postJson(`${fleet!.entryUrl}/api/kb/query`, { query: 'q', kb: 'mind' })).status).toBe(200);
  });

  it('blocks requests at safety-service under block-requests (403 upstream, blocked counter)', async () => {
    await start({ services: ['orchestrator-service', 'safety-service', 'llm-service'] });
    await fleet!.setFault('safety-service', { name: 'block-requests', rate: 1, reason: 'pii' });
    const answer = await postJson(`${fleet!.entryUrl}/api/llm/generate`, { prompt: 'my card number is …' });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ reason: 'pii', failed_service: 'safety-service' });
    expect(
      sumOf(await samplesOf('safety-service'), 'phoenix_safety_blocked_requests_total', { reason: 'pii' }),
    ).toBe(1);
    const orchestrator = await samplesOf('orchestrator-service');
    expect(sumOf(orchestrator, 'phoenix_orchestrator_ethics_checks_total', { result: 'denied' })).toBe(1);
    expect(sumOf(orchestrator, REQUESTS, { method: 'llm_generate', status: '403' })).toBe(1);
    await expect(
      fleet!.setFault('safety-service', { name: 'block-requests', rate: 1, reason: 'boredom' }),
    ).rejects.toThrow(/unknown block reason "boredom"/);
  });

  it('multiplies the cost under expensive-model', async () => {
    await start({ services: ['llm-service'] });
    const generate = () =>
      postJson(`${url('llm-service')}/internal/generate`, { prompt: 'same prompt', model: 'phoenix-large' });
    await generate();
    const cost = () =>
      samplesOf('llm-service').then((s) =>
        sumOf(s, 'phoenix_llm_cost_dollars_total', { model: 'phoenix-large' }),
      );
    const once = await cost();
    expect(once).toBeGreaterThan(0);
    await fleet!.setFault('llm-service', { name: 'expensive-model', factor: 1000 });
    await generate();
    expect((await cost()) - once).toBeCloseTo(once * 1000, 10);
  });

  it('adds the latency fault to every request', async () => {
    await start({ services: ['reflection'] });
    await fleet!.setFault('reflection', { name: 'latency', ms: 120 });
    const started = Date.now();
    await postJson(`${url('reflection')}/internal/reflect`, { query: 'q' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    const samples = await samplesOf('reflection');
    expect(sumOf(samples, 'phoenix_service_request_duration_seconds_sum')).toBeGreaterThanOrEqual(0.115);
  });

  it('does no metric work with instrumentation off', async () => {
    await start({ services: ['reflection'], instrumentation: false });
    await postJson(`${url('reflection')}/internal/reflect`, { query: 'q' });
    expect(sumOf(await samplesOf('reflection'), REQUESTS)).toBe(0);
  });
});

/** Every label value within the catalog's values for this service, and series within the budget. */
function expectWithinCatalog(service: ServiceName, samples: readonly Sample[]): void {
  for (const def of METRICS.filter((m) => m.services.includes(service))) {
    const mine = samples.filter(
      (s) => s.name === def.name || (def.type === 'histogram' && s.name.startsWith(`${def.name}_`)),
    );
    expect(mine.length, `${service} ${def.name} series`).toBeLessThanOrEqual(def.cardinalityBudget);
    for (const sample of mine) {
      for (const label of def.labels) {
        const allowed = allowedValuesOn(def, label, service);
        if (allowed) expect(allowed, `${service} ${def.name}{${label}}`).toContain(sample.labels[label]);
      }
    }
  }
}

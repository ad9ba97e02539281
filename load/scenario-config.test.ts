/**
 * The pure parts of scenarios/lib (config, stages, thresholds, flows, headers, text summary),
 * tested in Node: k6 runs the same files, so what holds here holds in the scenarios.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BASE_URL,
  parseDurationMs,
  parseScenarioConfig,
  ScenarioConfigError,
  type ScenarioConfig,
} from '../scenarios/lib/config.ts';
import { checksFor, FLOWS, flowRequest, parseJson, pickWeighted } from '../scenarios/lib/flows.ts';
import { correlationId, flowHeaders, traceparent } from '../scenarios/lib/headers.ts';
import { executorFor, expectedIterations, splitDuration, vuPool } from '../scenarios/lib/stages.ts';
import { renderTextSummary, type SummaryData } from '../scenarios/lib/summary-text.ts';
import { sloThresholds, toK6Thresholds } from '../scenarios/lib/thresholds.ts';

const FIXTURE_SUMMARY = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/k6-smoke-summary.json', import.meta.url)), 'utf8'),
) as SummaryData & { phoenix: { thresholds: [] } };

function durationOf(stages: readonly { duration: string }[]): number {
  return stages.reduce((ms, s) => ms + (parseDurationMs(s.duration) ?? NaN), 0);
}

describe('scenario config from __ENV', () => {
  it('has a default for everything, so `k6 run scenarios/smoke.ts` works bare', () => {
    const config = parseScenarioConfig('smoke', {});
    expect(config).toMatchObject({
      baseUrl: DEFAULT_BASE_URL,
      runId: undefined,
      rate: 2,
      duration: '10s',
      durationMs: 10_000,
      vus: undefined,
      authToken: undefined,
      summaryPath: './summary.json',
      sloOverride: { p95Ms: undefined, p99Ms: undefined },
    });
  });

  it('reads every variable', () => {
    const config = parseScenarioConfig('load', {
      BASE_URL: 'https://staging.example/phoenix/',
      RUN_ID: 'r-1',
      RATE: '12.5',
      DURATION: '1m30s',
      VUS: '8',
      MAX_VUS: '20',
      AUTH_TOKEN: 'tok',
      SUMMARY_PATH: '/tmp/s.json',
      REQUEST_TIMEOUT: '2s',
      SLO_P95_MS: '1',
    });
    expect(config).toMatchObject({
      baseUrl: 'https://staging.example/phoenix',
      runId: 'r-1',
      rate: 12.5,
      durationMs: 90_000,
      vus: 8,
      maxVus: 20,
      authToken: 'tok',
      summaryPath: '/tmp/s.json',
      requestTimeout: '2s',
      sloOverride: { p95Ms: 1, p99Ms: undefined },
    });
  });

  it('names every bad variable at once, with what is allowed', () => {
    let error: unknown;
    try {
      parseScenarioConfig('load', {
        RATE: '-3',
        DURATION: 'soon',
        VUS: '2.5',
        BASE_URL: 'localhost:8080',
        RUN_ID: 'a/b',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioConfigError);
    expect((error as ScenarioConfigError).issues).toEqual([
      'BASE_URL="localhost:8080": must be an http(s) URL such as http://127.0.0.1:8080',
      `RUN_ID="a/b": only letters, digits, '.', '_' and '-' (it names out/<run-id>/)`,
      'RATE="-3": must be a positive number',
      'DURATION="soon": must be a k6 duration such as 30s, 5m or 1m30s',
      'VUS="2.5": must be a positive integer',
    ]);
  });

  it('refuses runs shorter than k6 accepts', () => {
    expect(() => parseScenarioConfig('smoke', { DURATION: '500ms' })).toThrow(
      'DURATION="500ms": must be at least 1s',
    );
  });

  it('parses k6 durations', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1h2m3s')).toBe(3_723_000);
    expect(parseDurationMs('45')).toBe(45_000);
    expect(parseDurationMs('1.5s')).toBe(1_500);
    expect(parseDurationMs('3 days')).toBeUndefined();
  });
});

function configFor(scenario: ScenarioConfig['scenario'], env: Record<string, string> = {}): ScenarioConfig {
  return parseScenarioConfig(scenario, env);
}

describe('stages', () => {
  it('spans exactly DURATION in every ramping scenario', () => {
    for (const scenario of ['load', 'stress', 'spike', 'soak'] as const) {
      const executor = executorFor(configFor(scenario, { DURATION: '7s', RATE: '10' }));
      expect(executor.executor, scenario).toBe('ramping-arrival-rate');
      if (executor.executor === 'ramping-arrival-rate')
        expect(durationOf(executor.stages), scenario).toBe(7_000);
    }
  });

  it('holds RATE under load, climbs to 3x under stress and jumps to 5x in a spike', () => {
    const peak = (scenario: 'load' | 'stress' | 'spike') => {
      const e = executorFor(configFor(scenario, { RATE: '10' }));
      return e.executor === 'ramping-arrival-rate' ? Math.max(...e.stages.map((s) => s.target)) : e.rate;
    };
    expect([peak('load'), peak('stress'), peak('spike')]).toEqual([10, 30, 50]);
  });

  it('turns fractional rates into whole iterations per minute, as k6 requires', () => {
    expect(executorFor(configFor('smoke', { RATE: '2.5' }))).toMatchObject({ rate: 150, timeUnit: '1m' });
    const spike = executorFor(configFor('spike', { RATE: '0.5' }));
    expect(spike).toMatchObject({ timeUnit: '1m' });
    if (spike.executor === 'ramping-arrival-rate')
      expect(Math.max(...spike.stages.map((s) => s.target))).toBe(150);
    expect(executorFor(configFor('load', { RATE: '4' }))).toMatchObject({ timeUnit: '1s' });
  });

  it('runs smoke on one VU', () => {
    expect(executorFor(configFor('smoke'))).toMatchObject({ executor: 'constant-arrival-rate', maxVUs: 1 });
  });

  it('sizes the VU pool from the peak rate unless VUS and MAX_VUS say otherwise', () => {
    expect(vuPool(configFor('load', { RATE: '100' }))).toEqual({ preAllocatedVUs: 20, maxVUs: 200 });
    expect(vuPool(configFor('spike', { RATE: '100' }))).toEqual({ preAllocatedVUs: 100, maxVUs: 1000 });
    expect(vuPool(configFor('load', { RATE: '100', VUS: '7', MAX_VUS: '9' }))).toEqual({
      preAllocatedVUs: 7,
      maxVUs: 9,
    });
  });

  it('knows how many iterations a shape schedules', () => {
    expect(expectedIterations(executorFor(configFor('smoke', { RATE: '2', DURATION: '10s' })))).toBe(20);
    expect(expectedIterations(executorFor(configFor('load', { RATE: '100', DURATION: '100s' })))).toBe(9_000);
    expect(expectedIterations(executorFor(configFor('smoke', { RATE: '0.5', DURATION: '1m' })))).toBe(30);
  });

  it('splits durations into whole milliseconds that add up', () => {
    expect(splitDuration(1_000, [1, 1, 1])).toEqual(['333ms', '333ms', '334ms']);
  });
});

describe('thresholds as SLOs', () => {
  it('sets p95 and p99 latency and the error budget per flow, and checks, each with a reason', () => {
    const list = sloThresholds(configFor('load'), 'strict');
    const k6 = toK6Thresholds(list);
    expect(k6['http_req_duration{flow:kb_query}']).toEqual(['p(95)<300', 'p(99)<600']);
    expect(k6['http_req_failed{flow:plan_and_execute}']).toEqual(['rate<0.01']);
    expect(k6['checks']).toEqual(['rate>0.99']);
    // 1m at 20/s with 6 s ramps each way: 1080 iterations, 0.1% of them may drop.
    expect(k6['dropped_iterations']).toEqual(['count<=1']);
    for (const t of list) {
      expect(t.reason.length, `${t.metric} ${t.expression}`).toBeGreaterThan(10);
      expect(t.expression, 'never an average').not.toMatch(/avg/);
    }
  });

  it('relaxes latency above the planned rate, and applies SLO_P95_MS overrides everywhere', () => {
    const stress = toK6Thresholds(sloThresholds(configFor('stress'), 'degraded'));
    expect(stress['http_req_duration{flow:kb_query}']).toEqual(['p(99)<1800']);
    expect(stress['dropped_iterations']).toBeUndefined();
    const impossible = toK6Thresholds(sloThresholds(configFor('spike', { SLO_P95_MS: '1' }), 'degraded'));
    expect(impossible['http_req_duration{flow:llm_generate}']).toContain('p(95)<1');
  });
});

describe('flows', () => {
  it('mixes flows by weight', () => {
    const picks = Array.from({ length: 100 }, (_, i) => pickWeighted(FLOWS, i / 100).name);
    const count = (name: string) => picks.filter((p) => p === name).length;
    expect([count('plan_and_execute'), count('kb_query'), count('llm_generate')]).toEqual([60, 25, 15]);
  });

  it('passes its checks on a correct answer (docs/fleet-api.md) and fails them on a wrong one', () => {
    const sent = { traceId: 'c'.repeat(32), correlationId: 'r-1-0', kb: 'heart' };
    const kb = flowRequest('kb_query', 0.5);
    expect(kb).toEqual({
      body: { query: 'what does the heart kb know about monitoring?', kb: 'heart' },
      kb: 'heart',
    });
    const good = parseJson(
      JSON.stringify({ kb: 'heart', results: [], trace_id: sent.traceId, correlation_id: 'r-1-0' }),
    );
    const verdicts = (body: unknown, status = 200) =>
      Object.entries(checksFor('kb_query')).map(([name, check]) => [name, check({ status, body, sent })]);
    expect(Object.fromEntries(verdicts(good))).toEqual({
      'the orchestrator answered 200': true,
      'the response echoes our correlation id': true,
      'the response carries our trace id': true,
      'the answer comes from the kb we asked': true,
      'the kb returned a list of results': true,
    });
    expect(verdicts(parseJson('<html>oops</html>'), 502).every(([, ok]) => ok === false)).toBe(true);
  });

  it('checks that the plan has at least one step', () => {
    const check = checksFor('plan_and_execute')['the plan has at least one step'];
    const sent = { traceId: 'c'.repeat(32), correlationId: 'x' };
    expect(check?.({ status: 200, body: { plan: { steps: [{ id: 1 }] } }, sent })).toBe(true);
    expect(check?.({ status: 200, body: { plan: { steps: [] } }, sent })).toBe(false);
  });
});

describe('request headers', () => {
  it('carries a W3C traceparent, our correlation id and the bearer token', () => {
    const identity = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      correlationId: 'r-3-7',
    };
    expect(flowHeaders(identity, 'tok')).toEqual({
      'Content-Type': 'application/json',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'X-Correlation-ID': 'r-3-7',
      Authorization: 'Bearer tok',
    });
    expect(flowHeaders(identity, undefined)).not.toHaveProperty('Authorization');
  });

  it('refuses ids W3C forbids', () => {
    expect(() => traceparent('0'.repeat(32), '00f067aa0ba902b7')).toThrow(/invalid trace id/);
    expect(() => traceparent('4bf92f3577b34da6a3ce929d0e0e4736', 'XYZ')).toThrow(/invalid parent id/);
  });

  it('keeps correlation ids unique when an iteration sends more than one request', () => {
    expect([0, 1, 2].map((n) => correlationId('run', 4, 9, n))).toEqual([
      'run-4-9',
      'run-4-9-1',
      'run-4-9-2',
    ]);
  });
});

describe('the text summary', () => {
  it('shows each flow against its SLO, the checks, and each broken threshold with its reason', () => {
    const text = renderTextSummary(FIXTURE_SUMMARY, {
      scenario: 'smoke',
      runId: 'fixture-run',
      baseUrl: 'http://127.0.0.1:8080',
      summaryPath: 'summary.json',
      thresholds: sloThresholds(configFor('smoke', { SLO_P95_MS: '0.001' }), 'strict'),
    });
    expect(text).toContain('Phoenix smoke: run fixture-run against http://127.0.0.1:8080');
    expect(text).toMatch(/plan_and_execute\s+1\s+0\.00%/);
    expect(text).toContain('✓ the response carries our trace id');
    expect(text).toContain('thresholds: 10/13 held');
    expect(text).toContain(
      '✗ http_req_duration{flow:kb_query} p(95)<0.001: 19 of 20 kb_query requests answer within 0.001ms',
    );
  });
});

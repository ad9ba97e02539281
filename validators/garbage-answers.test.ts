/**
 * A backend that answers garbage (HTML, a wrong shape, a wrong tenant's error) makes the checks that
 * read it end `error`, naming the endpoint: never `pass` on an empty list, never a `fail` that blames
 * the system under test. Real clients, a loopback stand-in backend.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import { JaegerClient, PrometheusClient } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { metricsCheck } from './metrics.ts';
import { AnswerServer, GARBAGE } from './testing/answer-server.ts';
import { tracesCheck } from './traces.ts';

const server = new AnswerServer();
let base: string;

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => server.reset());

const entry = (): LedgerEntry => ({
  traceId: randomBytes(16).toString('hex'),
  correlationId: 'run-1-1',
  flow: 'kb_query',
  status: 200,
  startMs: Date.now(),
  durationMs: 5,
});

const ctx = (clients: ValidationContext['clients'], entries: LedgerEntry[]): ValidationContext => ({
  runId: 'run',
  phase: 1,
  endpoints: {},
  clients,
  ingestTimeoutMs: 300,
  ledger: ledgerFromEntries(entries),
  window: { start: new Date(Date.now() - 60_000), end: new Date() },
});

describe('checks whose backend answers garbage end `error`, naming the endpoint', () => {
  it('traces: Jaeger answering an HTML page makes every traces check `error`, not a missing-trace `fail`', async () => {
    server.answer('/api/traces', GARBAGE.html);
    const e = entry();
    const results = await tracesCheck(ctx({ jaeger: new JaegerClient({ baseUrl: base }) }, [e]));
    expect(results).toHaveLength(5);
    for (const r of results) {
      expect(r.status, r.id).toBe('error');
      expect(r.message).toBe(
        `could not look 1 of 1 traces up in Jaeger at ${base}: Jaeger answered HTML instead of JSON at ${base}/api/traces: <!DOCTYPE html><html><title>Sign in</title></html>`,
      );
    }
  });

  it('traces: a wrong tenant (Jaeger `errors` other than "not found") is `error`, not "no trace"', async () => {
    server.answer('/api/traces', {
      body: { data: null, errors: [{ code: 403, msg: 'tenant not allowed' }] },
    });
    const results = await tracesCheck(ctx({ jaeger: new JaegerClient({ baseUrl: base }) }, [entry()]));
    const completeness = results.find((r) => r.id === 'traces.completeness');
    expect(completeness?.status).toBe('error');
    expect(completeness?.message).toContain(
      `Jaeger answered errors at ${base}/api/traces: 403 tenant not allowed`,
    );
  });

  it('metrics: Prometheus answering a wrong shape for its targets makes metrics.targets `error` naming the endpoint', async () => {
    server.answer('/api/v1/targets', { body: { status: 'success', data: { activeTargets: {} } } });
    const results = await metricsCheck(ctx({ prometheus: new PrometheusClient({ baseUrl: base }) }, []));
    const targets = results.find((r) => r.id === 'metrics.targets');
    expect(targets?.status).toBe('error');
    expect(targets?.message).toBe(
      `Every scrape target is up: could not query Prometheus: Prometheus answered an unexpected body at ${base}/api/v1/targets: ✖ Invalid input: expected array, received object → at data.activeTargets (body: {"status":"success","data":{"activeTargets":{}}})`,
    );
  });
});

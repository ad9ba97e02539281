/**
 * Contract tests of PrometheusClient: a loopback server answers with the bodies the Prometheus HTTP
 * API documents (https://prometheus.io/docs/prometheus/latest/querying/api/), and with garbage: an
 * HTML page, a truncated body, a wrong shape, a 200 `{"status":"error"}` (a multi-tenant proxy
 * without the tenant), an empty body. Garbage is always an error naming Prometheus and the endpoint.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { BackendError } from './http.ts';
import { PrometheusClient } from './prometheus.ts';

const server = new AnswerServer();
let base: string;
const client = () => new PrometheusClient({ baseUrl: base });
const ok = (data: unknown) => ({ body: { status: 'success', data } });
const TARGET = {
  labels: { job: 'phoenix-services', phoenix_service: 'llm-service' },
  scrapePool: 'phoenix-services',
  scrapeUrl: 'http://127.0.0.1:1/metrics',
  health: 'up',
  lastError: '',
  lastScrape: '2026-01-01T00:00:00Z',
  lastScrapeDuration: 0.001,
};

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => server.reset());

describe('PrometheusClient contract (documented Prometheus API answers)', () => {
  it('contract: an instant vector → samples; a scalar → one sample without labels', async () => {
    server.answer(
      '/api/v1/query',
      ok({ resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1700000000, '3'] }] }),
    );
    await expect(client().query('x')).resolves.toEqual([{ metric: { a: 'b' }, value: [1700000000, '3'] }]);
    server.answer('/api/v1/query', ok({ resultType: 'scalar', result: [1700000000, '1'] }));
    await expect(client().query('scalar(x)')).resolves.toEqual([{ metric: {}, value: [1700000000, '1'] }]);
  });

  it('contract: targets, metadata, label values and series parse as documented', async () => {
    server.answer('/api/v1/targets', ok({ activeTargets: [TARGET], droppedTargets: [] }));
    server.answer('/api/v1/metadata', ok({ up: [{ type: 'gauge', help: 'up', unit: '' }] }));
    server.answer('/api/v1/label/__name__/values', ok(['up']));
    server.answer('/api/v1/series', ok([{ __name__: 'up', job: 'x' }]));
    const [target] = await client().targets();
    expect(target).toMatchObject({ health: 'up', scrapePool: 'phoenix-services' });
    await expect(client().metadata()).resolves.toEqual({ up: [{ type: 'gauge', help: 'up', unit: '' }] });
    await expect(client().labelValues('__name__')).resolves.toEqual(['up']);
    await expect(client().series('up')).resolves.toEqual([{ __name__: 'up', job: 'x' }]);
  });

  it('garbage: an HTML page is an error naming Prometheus and the endpoint', async () => {
    server.answer('/api/v1/query', GARBAGE.html);
    const promise = client().query('up');
    await expect(promise).rejects.toBeInstanceOf(BackendError);
    await expect(promise).rejects.toThrowError(
      `Prometheus answered HTML instead of JSON at ${base}/api/v1/query: <!DOCTYPE html>`,
    );
  });

  it('garbage: a truncated answer is an error naming the endpoint', async () => {
    server.answer('/api/v1/targets', {
      body: JSON.stringify(ok({ activeTargets: [TARGET] }).body).slice(0, 60),
    });
    await expect(client().targets()).rejects.toThrowError(
      `Prometheus answered an unexpected body at ${base}/api/v1/targets: not JSON (truncated answer?)`,
    );
  });

  it('garbage: a wrong shape is an error naming the endpoint and the field, never an empty list', async () => {
    server.answer('/api/v1/targets', ok({ activeTargets: {} }));
    await expect(client().targets()).rejects.toThrowError(
      `Prometheus answered an unexpected body at ${base}/api/v1/targets: ✖ Invalid input: expected array, received object → at data.activeTargets`,
    );
    server.answer('/api/v1/query', ok({ resultType: 'vector' }));
    await expect(client().query('up')).rejects.toThrowError(
      `Prometheus answered an unexpected body at ${base}/api/v1/query: ✖ Invalid input: expected array, received undefined → at data.result`,
    );
  });

  it('garbage: a 200 {"status":"error"} (a multi-tenant proxy without the tenant) is an error', async () => {
    server.answer('/api/v1/metadata', {
      body: { status: 'error', errorType: 'unauthorized', error: 'no org id' },
    });
    await expect(client().metadata()).rejects.toThrowError(
      `Prometheus answered an error at ${base}/api/v1/metadata: unauthorized: no org id`,
    );
  });

  it('garbage: an empty 200, or a vector where raw samples (a matrix) are needed, is an error', async () => {
    server.answer('/api/v1/label/__name__/values', GARBAGE.empty);
    await expect(client().labelValues('__name__')).rejects.toThrowError(
      `Prometheus answered an unexpected body at ${base}/api/v1/label/__name__/values: an empty body where JSON was expected`,
    );
    server.answer('/api/v1/query', ok({ resultType: 'vector', result: [] }));
    await expect(client().queryRaw('up[60s]')).rejects.toThrowError(
      `Prometheus answered an unexpected body at ${base}/api/v1/query: expected a matrix for up[60s], got a vector`,
    );
  });
});

/**
 * Contract tests of LokiClient: a tiny HTTP server answers with the bodies Loki's HTTP API
 * reference documents (https://grafana.com/docs/loki/latest/reference/loki-http-api/) — instant
 * and range queries (streams, matrix, vector), labels and label values — and with the failures a
 * Loki (or what stands in front of it) gives: an HTML page, a 5xx, a 401 "no org id" for a
 * multi-tenant Loki asked without X-Scope-OrgID, a 400 parse error, max_query_series. Loki itself
 * is AGPL: it is never run here.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from './http.ts';
import { LokiClient } from './loki.ts';

interface Seen {
  path: string;
  params: URLSearchParams;
  headers: IncomingMessage['headers'];
}

type Answer = { status?: number; type?: string; body: unknown };
type Route = (params: URLSearchParams) => Answer;

const json = (body: unknown): Answer => ({ body });

// Bodies as Loki's API reference shows them.
const LABELS = { status: 'success', data: ['level', 'service'] };
const LABEL_VALUES = { status: 'success', data: ['llm-service', 'mind-kb'] };
const STREAMS = {
  status: 'success',
  data: {
    resultType: 'streams',
    result: [
      {
        stream: { service: 'phoenix-harness-probe', level: 'info' },
        values: [
          ['1700000000000000000', 'pipeline probe run-1-abc'],
          [
            '1700000000500000000',
            'pipeline probe run-1-abc again',
            { structuredMetadata: { trace_id: 'aaa1' }, parsed: {} },
          ],
        ],
      },
    ],
    stats: { summary: { bytesProcessedPerSecond: 1 } },
  },
};
const MATRIX = {
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: { service: 'mind-kb' },
        values: [
          [1700000000, '3'],
          [1700000060, '1'],
        ],
      },
      { metric: { service: 'body-kb' }, values: [[1700000000, '2']] },
    ],
    stats: {},
  },
};
const vector = (samples: [string, number][]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: samples.map(([traceId, n]) => ({
      metric: { trace_id: traceId },
      value: [1700000000.5, String(n)],
    })),
    stats: {},
  },
});

let server: Server;
let base: string;
let routes: Record<string, Route>;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, params: url.searchParams, headers: req.headers });
    const route = routes[url.pathname];
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    const answer = route(url.searchParams);
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  routes = {};
  seen.length = 0;
});

const client = (headers?: Record<string, string>) =>
  new LokiClient({ baseUrl: base, ...(headers ? { headers } : {}) });
const window = { start: new Date(1_700_000_000_000), end: new Date(1_700_000_020_000) };

describe('LokiClient contract (documented Loki API answers)', () => {
  it('contract: /labels → stream label names, asked with the window in nanoseconds and the tenant header', async () => {
    routes['/loki/api/v1/labels'] = () => json(LABELS);
    await expect(client({ 'X-Scope-OrgID': 'tenant-1' }).streamLabelNames(window)).resolves.toEqual([
      'level',
      'service',
    ]);
    expect(seen[0]?.params.get('start')).toBe('1700000000000000000');
    expect(seen[0]?.params.get('end')).toBe('1700000020000000000');
    expect(seen[0]?.headers['x-scope-orgid']).toBe('tenant-1');
  });

  it('contract: /labels without data (an empty Loki) → no labels', async () => {
    routes['/loki/api/v1/labels'] = () => json({ status: 'success' });
    await expect(client().streamLabelNames(window)).resolves.toEqual([]);
  });

  it('contract: /label/<name>/values → the values', async () => {
    routes['/loki/api/v1/label/service/values'] = () => json(LABEL_VALUES);
    await expect(client().streamLabelValues('service', window)).resolves.toEqual(['llm-service', 'mind-kb']);
  });

  it('contract: instant query vector → line counts per trace id, from the per-service LogQL', async () => {
    routes['/loki/api/v1/query'] = () =>
      json(
        vector([
          ['aaa1', 2],
          ['bbb2', 1],
        ]),
      );
    const counts = await client().lineCountsByTraceId('llm-service', window);
    expect([...counts]).toEqual([
      ['aaa1', 2],
      ['bbb2', 1],
    ]);
    expect(seen[0]?.params.get('query')).toBe(
      'sum by (trace_id) (count_over_time({service="llm-service"} [20s]))',
    );
    expect(seen[0]?.params.get('time')).toBe('1700000020000000000');
  });

  it('contract: a 400 "maximum number of series" halves the chunk, and the halves add up', async () => {
    routes['/loki/api/v1/query'] = (p) =>
      /\[20s\]/.test(p.get('query') ?? '')
        ? {
            status: 400,
            type: 'text/plain',
            body: 'maximum number of series (500) reached for a single query; consider reducing query cardinality',
          }
        : json(vector([['aaa1', 1]]));
    const counts = await client().lineCountsByTraceId('llm-service', window);
    expect(counts.get('aaa1')).toBe(2);
    expect(seen.map((s) => /\[(\d+s)\]/.exec(s.params.get('query') ?? '')?.[1])).toEqual([
      '20s',
      '10s',
      '10s',
    ]);
  });

  it('contract: query_range streams → lines with their labels and structured metadata', async () => {
    routes['/loki/api/v1/query_range'] = () => json(STREAMS);
    const lines = await client().linesWithTraceId('aaa1', window, 'phoenix-harness-probe');
    expect(seen[0]?.params.get('query')).toBe('{service="phoenix-harness-probe"} | trace_id="aaa1"');
    expect(lines).toEqual([
      {
        line: 'pipeline probe run-1-abc',
        labels: { service: 'phoenix-harness-probe', level: 'info' },
        fields: {},
      },
      {
        line: 'pipeline probe run-1-abc again',
        labels: { service: 'phoenix-harness-probe', level: 'info' },
        fields: { trace_id: 'aaa1' },
      },
    ]);
  });

  it('contract: a panel query counts lines of streams, and series of a matrix', async () => {
    routes['/loki/api/v1/query_range'] = (p) =>
      json((p.get('query') ?? '').startsWith('sum') ? MATRIX : STREAMS);
    await expect(client().runPanelQuery('{service="phoenix-harness-probe"}', window)).resolves.toEqual({
      query: '{service="phoenix-harness-probe"}',
      matched: 2,
    });
    const metric = 'sum by (service) (count_over_time({service=~".+-kb"}[5m]))';
    await expect(client().runPanelQuery(metric, window)).resolves.toEqual({ query: metric, matched: 2 });
  });

  it("contract: a 400 parse error is the panel query's parse failure, with Loki's message", async () => {
    routes['/loki/api/v1/query_range'] = () => ({
      status: 400,
      type: 'text/plain',
      body: 'parse error at line 1, col 21: syntax error: unexpected $end, expecting } or ,',
    });
    await expect(client().parsePanelQuery('{service="llm-service"')).resolves.toEqual({
      ok: false,
      error: 'parse error at line 1, col 21: syntax error: unexpected $end, expecting } or ,',
    });
  });

  it('contract: query_range asked for streams but answered a matrix is an error, not an empty list', async () => {
    routes['/loki/api/v1/query_range'] = () => json(MATRIX);
    await expect(client().queryRange('sum(rate({a="b"}[1m]))', window)).rejects.toThrowError(
      `Loki answered an unexpected body at ${base}/loki/api/v1/query_range: expected streams for sum(rate({a="b"}[1m])), got a matrix`,
    );
  });

  it('contract: an HTML page (a login page or the wrong port) is an error naming Loki and the URL', async () => {
    routes['/loki/api/v1/labels'] = () => ({
      type: 'text/html',
      body: '<!DOCTYPE html><title>Sign in</title>',
    });
    const promise = client().streamLabelNames(window);
    await expect(promise).rejects.toBeInstanceOf(BackendError);
    await expect(promise).rejects.toThrowError(
      `Loki answered HTML instead of JSON at ${base}/loki/api/v1/labels`,
    );
  });

  it('contract: a 5xx is an error naming Loki, the URL and its body', async () => {
    routes['/loki/api/v1/query'] = () => ({
      status: 503,
      type: 'text/plain',
      body: 'too many outstanding requests',
    });
    await expect(client().lineCountsByTraceId('llm-service', window)).rejects.toThrowError(
      `Loki answered 503 at ${base}/loki/api/v1/query: too many outstanding requests`,
    );
  });

  it('contract: a multi-tenant Loki without X-Scope-OrgID answers 401 "no org id": an error with a credentials hint', async () => {
    routes['/loki/api/v1/labels'] = () => ({ status: 401, type: 'text/plain', body: 'no org id\n' });
    const error = await client()
      .streamLabelNames(window)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `Loki answered 401 at ${base}/loki/api/v1/labels: no org id`,
    );
    expect((error as BackendError).status).toBe(401);
    expect(String((error as BackendError).hint)).toContain('check the credentials/headers');
  });

  it('contract: a JSON body of the wrong shape is an error, never an empty result', async () => {
    routes['/loki/api/v1/query'] = () =>
      json({ status: 'success', data: { resultType: 'vector', result: 'nope' } });
    await expect(client().lineCountsByTraceId('llm-service', window)).rejects.toThrowError(
      /^Loki answered an unexpected body at .*\/loki\/api\/v1\/query: /,
    );
    routes['/loki/api/v1/labels'] = () => json({ status: 'error', error: 'boom' });
    await expect(client().streamLabelNames(window)).rejects.toThrowError(
      `Loki answered an error at ${base}/loki/api/v1/labels: boom`,
    );
  });

  it('contract: a truncated answer is an error naming the endpoint, not fewer lines', async () => {
    routes['/loki/api/v1/query_range'] = () => ({
      body: JSON.stringify(STREAMS).slice(0, 80),
    });
    await expect(client().linesWithTraceId('aaa1', window)).rejects.toThrowError(
      `Loki answered an unexpected body at ${base}/loki/api/v1/query_range: not JSON (truncated answer?)`,
    );
  });

  it('contract: an empty 200 where a query answer is needed is an error, not zero counts', async () => {
    routes['/loki/api/v1/query'] = () => ({ body: '' });
    await expect(client().lineCountsByTraceId('llm-service', window)).rejects.toThrowError(
      `Loki answered an unexpected body at ${base}/loki/api/v1/query: an empty body where JSON was expected`,
    );
  });
});

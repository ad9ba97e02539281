/**
 * Contract tests of VictoriaLogsClient: a tiny HTTP server answers with the bodies VictoriaLogs'
 * querying API documents (https://docs.victoriametrics.com/victorialogs/querying/) and 1.52.1 gives
 * (JSON lines from /select/logsql/query; `{values:[{value,hits}]}` from /streams,
 * /stream_field_names and /stream_field_values; `{hits:[…]}` from /hits; a Prometheus-style vector
 * from /stats_query), and with failures: HTML, a truncated JSON line, a wrong shape, a 5xx, a 400
 * from LogsQL's parser. test/integration/log-stores.test.ts runs the same client against the real binary.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from './http.ts';
import { UntranslatableQueryError } from './log-store.ts';
import { VictoriaLogsClient, parseStreamLabels } from './victorialogs.ts';

type Answer = { status?: number; type?: string; body: string };
type Route = (form: URLSearchParams) => Answer;

const jsonLines = (rows: object[]): Answer => ({
  type: 'application/stream+json',
  body: rows.map((r) => `${JSON.stringify(r)}\n`).join(''),
});
const json = (body: unknown): Answer => ({ type: 'application/json', body: JSON.stringify(body) });

let server: Server;
let base: string;
let routes: Record<string, Route>;
const seen: { path: string; method: string; form: URLSearchParams }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const form = new URLSearchParams(raw);
      seen.push({ path: url.pathname, method: req.method ?? '', form });
      const route = routes[url.pathname];
      if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('unsupported path\n');
      const answer = route(form);
      res
        .writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' })
        .end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  routes = {};
  seen.length = 0;
});

const client = (chunkMs?: number) =>
  new VictoriaLogsClient({ baseUrl: base, ...(chunkMs === undefined ? {} : { chunkMs }) });
const window = { start: new Date('2026-01-01T00:00:00.000Z'), end: new Date('2026-01-01T00:00:20.000Z') };

describe('VictoriaLogsClient contract (documented VictoriaLogs API answers)', () => {
  it('contract: /stream_field_names and /stream_field_values → stream labels, POSTed with the window', async () => {
    routes['/select/logsql/stream_field_names'] = () =>
      json({
        values: [
          { value: 'service', hits: 4 },
          { value: 'level', hits: 4 },
        ],
      });
    routes['/select/logsql/stream_field_values'] = () => json({ values: [{ value: 'mind-kb', hits: 3 }] });
    await expect(client().streamLabelNames(window)).resolves.toEqual(['level', 'service']);
    await expect(client().streamLabelValues('service', window)).resolves.toEqual(['mind-kb']);
    expect(seen[0]).toMatchObject({ method: 'POST' });
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      query: '*',
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T00:00:20.000Z',
    });
    expect(seen[1]?.form.get('field')).toBe('service');
  });

  it('contract: /select/logsql/query stats rows → line counts per trace id, one half-open query per chunk', async () => {
    routes['/select/logsql/query'] = () =>
      jsonLines([
        { trace_id: 'aaa1', n: '2' },
        { trace_id: 'bbb2', n: '1' },
      ]);
    const counts = await client(15_000).lineCountsByTraceId('llm-service', window);
    expect([...counts]).toEqual([
      ['aaa1', 4],
      ['bbb2', 2],
    ]);
    expect(seen.map((s) => s.form.get('query'))).toEqual([
      '_stream:{service="llm-service"} _time:[2026-01-01T00:00:00.000Z, 2026-01-01T00:00:15.000Z) trace_id:* | stats by (trace_id) count() n',
      '_stream:{service="llm-service"} _time:[2026-01-01T00:00:15.000Z, 2026-01-01T00:00:20.000Z] trace_id:* | stats by (trace_id) count() n',
    ]);
  });

  it('contract: a chunk too big for VictoriaLogs (memory limit) is asked in halves', async () => {
    routes['/select/logsql/query'] = (form) =>
      (form.get('query') ?? '').includes('00:00:00.000Z, 2026-01-01T00:00:20.000Z]')
        ? {
            status: 400,
            type: 'text/plain',
            body: 'cannot execute query: the query requires more than 1GiB of memory for [stats] pipe',
          }
        : jsonLines([{ trace_id: 'aaa1', n: '1' }]);
    const counts = await client().lineCountsByTraceId('llm-service', window);
    expect(counts.get('aaa1')).toBe(2);
    expect(seen).toHaveLength(3);
  });

  it('contract: /select/logsql/query log rows → lines with their stream labels and fields', async () => {
    routes['/select/logsql/query'] = () =>
      jsonLines([
        {
          _msg: 'pipeline probe run-1-abc',
          _stream: '{level="info",service="phoenix-harness-probe"}',
          _stream_id: '0000000000000000dc96c0b68176ed5a1c54de77cb8efed9',
          _time: '2026-01-01T00:00:10.307922291Z',
          level: 'info',
          service: 'phoenix-harness-probe',
          trace_id: 'aaa1',
        },
      ]);
    const lines = await client().linesWithTraceId('aaa1', window, 'phoenix-harness-probe');
    expect(seen[0]?.form.get('query')).toBe('_stream:{service="phoenix-harness-probe"} trace_id:="aaa1"');
    expect(seen[0]?.form.get('limit')).toBe('1000');
    expect(lines).toEqual([
      {
        line: 'pipeline probe run-1-abc',
        labels: { level: 'info', service: 'phoenix-harness-probe' },
        fields: { level: 'info', service: 'phoenix-harness-probe', trace_id: 'aaa1' },
      },
    ]);
  });

  it('contract: an empty /select/logsql/query answer is no rows', async () => {
    routes['/select/logsql/query'] = () => ({ type: 'application/stream+json', body: '' });
    await expect(client().query('trace_id:=none', window)).resolves.toEqual([]);
  });

  it('contract: /streams, /hits and /stats_query parse as documented', async () => {
    routes['/select/logsql/streams'] = () =>
      json({ values: [{ value: '{level="info",service="mind-kb"}', hits: 3 }] });
    routes['/select/logsql/hits'] = () =>
      json({ hits: [{ fields: {}, timestamps: ['2026-01-01T00:00:00Z'], values: [4], total: 4 }] });
    routes['/select/logsql/stats_query'] = () =>
      json({
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: { __name__: 'n', trace_id: 'aaa1' }, value: [1767225600, '2'] }],
        },
      });
    await expect(client().streams('*', window)).resolves.toEqual([
      { value: '{level="info",service="mind-kb"}', hits: 3 },
    ]);
    await expect(client().hits('*', window, '1h')).resolves.toEqual([
      { fields: {}, timestamps: ['2026-01-01T00:00:00Z'], values: [4], total: 4 },
    ]);
    await expect(client().statsQuery('* | stats by (trace_id) count() n', window.end)).resolves.toEqual([
      { metric: { __name__: 'n', trace_id: 'aaa1' }, value: [1767225600, '2'] },
    ]);
  });

  it('contract: a panel selector is translated to LogsQL and its lines counted', async () => {
    routes['/select/logsql/query'] = () => jsonLines([{ logql_count: '7' }]);
    await expect(client().runPanelQuery('{service=~".+-kb"}', window)).resolves.toEqual({
      query: '_stream:{service=~".+-kb"} | stats count() logql_count',
      matched: 7,
    });
  });

  it('contract: a metric panel query counts the series with a sample, looking back its range', async () => {
    routes['/select/logsql/query'] = () =>
      jsonLines([
        { service: 'mind-kb', logql_count: '3' },
        { service: 'body-kb', logql_count: '1' },
      ]);
    const outcome = await client().runPanelQuery(
      'sum by (service) (count_over_time({service=~".+-kb"}[5m]))',
      window,
    );
    expect(outcome).toEqual({
      query: '_stream:{service=~".+-kb"} | stats by (service) count() logql_count',
      matched: 2,
    });
    expect(seen[0]?.form.get('start')).toBe('2025-12-31T23:55:00.000Z');
  });

  it('a panel query with no exact translation throws UntranslatableQueryError, sending nothing', async () => {
    await expect(
      client().runPanelQuery('{service="x"} | json | level="error"', window),
    ).rejects.toBeInstanceOf(UntranslatableQueryError);
    expect(seen).toHaveLength(0);
  });

  it('parses panel LogQL with the LogQL grammar, giving the position of an error', async () => {
    await expect(client().parsePanelQuery('{service="llm-service"}')).resolves.toEqual({ ok: true });
    await expect(client().parsePanelQuery('{service="llm-service"')).resolves.toMatchObject({
      ok: false,
      error: expect.stringMatching(/^parse error at line 1, col 23/) as unknown,
    });
  });

  it('contract: an HTML page is an error naming VictoriaLogs and the endpoint', async () => {
    routes['/select/logsql/stream_field_names'] = () => ({
      type: 'text/html',
      body: '<!DOCTYPE html><html><title>VMUI</title></html>',
    });
    const promise = client().streamLabelNames(window);
    await expect(promise).rejects.toBeInstanceOf(BackendError);
    await expect(promise).rejects.toThrowError(
      `VictoriaLogs answered HTML instead of JSON at ${base}/select/logsql/stream_field_names`,
    );
  });

  it('contract: a truncated JSON line is an error naming the endpoint, not fewer rows', async () => {
    routes['/select/logsql/query'] = () => ({
      type: 'application/stream+json',
      body: '{"trace_id":"aaa1","n":"2"}\n{"trace_id":"bb',
    });
    await expect(client().lineCountsByTraceId('llm-service', window)).rejects.toThrowError(
      `VictoriaLogs answered an unexpected body at ${base}/select/logsql/query: line 2 is not a complete JSON object (truncated answer?)`,
    );
  });

  it('contract: a body of the wrong shape is an error, never an empty list', async () => {
    routes['/select/logsql/stream_field_names'] = () => json({ data: ['service'] });
    await expect(client().streamLabelNames(window)).rejects.toThrowError(
      new RegExp(`^VictoriaLogs answered an unexpected body at ${base}/select/logsql/stream_field_names: `),
    );
    routes['/select/logsql/query'] = () => jsonLines([{ trace_id: 'aaa1', n: 'two' }]);
    await expect(client().lineCountsByTraceId('llm-service', window)).rejects.toThrowError(/line 1: /);
  });

  it('contract: an empty 200 from a JSON endpoint is an error, never no labels', async () => {
    routes['/select/logsql/stream_field_names'] = () => ({ type: 'application/json', body: '' });
    await expect(client().streamLabelNames(window)).rejects.toThrowError(
      `VictoriaLogs answered an unexpected body at ${base}/select/logsql/stream_field_names: an empty body where JSON was expected`,
    );
  });

  it('contract: a stats_query answered {"status":"error"} is an error naming the endpoint', async () => {
    routes['/select/logsql/stats_query'] = () =>
      json({ status: 'error', errorType: 'bad_data', error: 'cannot parse query' });
    await expect(client().statsQuery('* | stats count() n', window.end)).rejects.toThrowError(
      `VictoriaLogs answered an error at ${base}/select/logsql/stats_query: bad_data: cannot parse query`,
    );
  });

  it('contract: a 5xx and a 400 from the LogsQL parser are errors naming VictoriaLogs, the URL and the body', async () => {
    routes['/select/logsql/query'] = () => ({ status: 503, type: 'text/plain', body: 'service unavailable' });
    await expect(client().query('*', window)).rejects.toThrowError(
      `VictoriaLogs answered 503 at ${base}/select/logsql/query: service unavailable`,
    );
    routes['/select/logsql/query'] = () => ({
      status: 400,
      type: 'text/plain',
      body: 'cannot parse `query` arg [bad (((]: unexpected end of query',
    });
    await expect(client().query('bad (((', window)).rejects.toThrowError(
      `VictoriaLogs answered 400 at ${base}/select/logsql/query: cannot parse \`query\` arg [bad (((]`,
    );
  });

  it('an unreachable VictoriaLogs is an error naming it', async () => {
    const closed = new VictoriaLogsClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(closed.streamLabelNames(window)).rejects.toThrowError(
      'could not reach VictoriaLogs at http://127.0.0.1:1/select/logsql/stream_field_names (ECONNREFUSED)',
    );
  });
});

describe('parseStreamLabels', () => {
  it('reads a stream as VictoriaLogs prints it, escapes included', () => {
    expect(parseStreamLabels('{level="info",service="mind-kb",note="a \\"b\\""}')).toEqual({
      level: 'info',
      service: 'mind-kb',
      note: 'a "b"',
    });
    expect(parseStreamLabels('{}')).toEqual({});
  });
});

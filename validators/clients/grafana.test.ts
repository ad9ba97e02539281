import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { GrafanaClient } from './grafana.ts';

let server: Server;
let base: string;
const seen: { url: string; authorization?: string; body?: string }[] = [];

const json = (res: ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });

/** Grafana 10's documented API answers, as far as the client relies on them (no Grafana is run here). */
beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = req.url ?? '';
      seen.push({
        url,
        body,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      if (url === '/api/health') return json(res, 503, { database: 'failing', version: '10.0.0' });
      if (url.startsWith('/api/search?')) return json(res, 200, [{ uid: 'a', title: 'A', type: 'dash-db' }]);
      if (url === '/api/dashboards/uid/missing') return json(res, 404, { message: 'Dashboard not found' });
      if (url === '/api/datasources/uid/phoenix-prometheus/health')
        return json(res, 400, {
          status: 'ERROR',
          message: 'Post "http://127.0.0.1:1/api/v1/query": connection refused',
        });
      if (url === '/api/datasources/uid/phoenix-jaeger/health')
        return json(res, 503, { message: 'Plugin unavailable' });
      if (url === '/api/datasources/proxy/uid/phoenix-jaeger/api/services')
        return json(res, 200, { data: ['x'] });
      if (url === '/api/datasources/uid/phoenix-loki/health') return json(res, 404, { message: 'Not found' });
      if (url === '/api/datasources/proxy/uid/phoenix-loki/loki/api/v1/labels')
        return json(res, 502, { message: 'Bad Gateway' });
      if (url === '/api/ds/query')
        return json(res, 400, { results: { A: { status: 400, error: 'bad_data: 1:5: parse error' } } });
      json(res, 404, { message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('GrafanaClient (contract: Grafana HTTP API responses)', () => {
  const client = () =>
    new GrafanaClient({ baseUrl: base, headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } });

  it('reads a failing health answer (503) instead of throwing, and sends the credentials', async () => {
    await expect(client().health()).resolves.toEqual({ database: 'failing', version: '10.0.0' });
    expect(seen.at(-1)?.authorization).toBe('Basic YWRtaW46YWRtaW4=');
  });

  it('searches dashboards and treats an unknown uid as absent', async () => {
    await expect(client().searchDashboards()).resolves.toEqual([{ uid: 'a', title: 'A', type: 'dash-db' }]);
    expect(seen.at(-1)?.url).toBe('/api/search?type=dash-db&limit=5000');
    await expect(client().dashboard('missing')).resolves.toBeUndefined();
  });

  it("returns a failed plugin health check (400) with Grafana's message", async () => {
    await expect(
      client().datasourceHealth({ uid: 'phoenix-prometheus', type: 'prometheus' }),
    ).resolves.toEqual({
      status: 'ERROR',
      message: 'Post "http://127.0.0.1:1/api/v1/query": connection refused',
      via: 'health',
    });
  });

  it("falls back to a read through Grafana's proxy when the plugin has no health check", async () => {
    await expect(client().datasourceHealth({ uid: 'phoenix-jaeger', type: 'jaeger' })).resolves.toMatchObject(
      {
        status: 'OK',
        via: 'proxy',
      },
    );
    const loki = await client().datasourceHealth({ uid: 'phoenix-loki', type: 'loki' });
    expect(loki).toMatchObject({ status: 'ERROR', via: 'proxy' });
    expect(loki.message).toMatch(
      /Grafana answered 502 at .*\/api\/datasources\/proxy\/uid\/phoenix-loki\/loki\/api\/v1\/labels/,
    );
  });

  it('returns per-query errors of /api/ds/query (answered with 400) as results', async () => {
    const request = {
      from: '0',
      to: '1000',
      queries: [{ refId: 'A', datasource: { uid: 'phoenix-prometheus', type: 'prometheus' }, expr: 'sum(' }],
    };
    await expect(client().query(request)).resolves.toEqual({
      results: { A: { status: 400, error: 'bad_data: 1:5: parse error' } },
    });
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual(request);
  });
});

describe('GrafanaClient refuses garbage', () => {
  const garbage = new AnswerServer();
  beforeAll(() => garbage.start());
  afterAll(() => garbage[Symbol.asyncDispose]());
  const grafana = () => new GrafanaClient({ baseUrl: garbage.url });

  it('an HTML page (a login page of another org) is an error naming Grafana and the endpoint', async () => {
    garbage.answer('/api/search', GARBAGE.html);
    await expect(grafana().searchDashboards()).rejects.toThrowError(
      `Grafana answered HTML instead of JSON at ${garbage.url}/api/search`,
    );
  });

  it('a truncated dashboard is an error, never a dashboard with fewer panels', async () => {
    garbage.answer('/api/dashboards/uid/a', {
      body: JSON.stringify({ dashboard: { uid: 'a', title: 'A', panels: [{ id: 1 }] }, meta: {} }).slice(
        0,
        50,
      ),
    });
    await expect(grafana().dashboard('a')).rejects.toThrowError(
      `Grafana answered an unexpected body at ${garbage.url}/api/dashboards/uid/a: not JSON (truncated answer?)`,
    );
  });

  it('a wrong shape is an error naming the field (a panel target whose expr is not text)', async () => {
    garbage.answer('/api/dashboards/uid/b', {
      body: { dashboard: { uid: 'b', title: 'B', panels: [{ id: 1, targets: [{ expr: 7 }] }] }, meta: {} },
    });
    await expect(grafana().dashboard('b')).rejects.toThrowError(
      `Grafana answered an unexpected body at ${garbage.url}/api/dashboards/uid/b: ✖ Invalid input: expected string, received number → at dashboard.panels[0].targets[0].expr`,
    );
  });

  it('an empty 200 where datasources are needed is an error, not "no datasources"', async () => {
    garbage.answer('/api/datasources', GARBAGE.empty);
    await expect(grafana().datasources()).rejects.toThrowError(
      `Grafana answered an unexpected body at ${garbage.url}/api/datasources: an empty body where JSON was expected`,
    );
  });
});

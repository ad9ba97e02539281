import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../../core/index.ts';
import { BackendError, BackendHttp } from './http.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/json')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url === '/html')
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Login</title>');
    if (req.url === '/boom')
      return void res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream connect error');
    if (req.url === '/headers')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('BackendHttp', () => {
  it('parses JSON', async () => {
    await expect(new BackendHttp('Loki', { baseUrl: base }).get('/json')).resolves.toEqual({ ok: true });
  });

  it('refuses an HTML answer, naming the backend and the URL', async () => {
    const promise = new BackendHttp('Loki', { baseUrl: base }).get('/html');
    await expect(promise).rejects.toBeInstanceOf(BackendError);
    await expect(promise).rejects.toThrowError(`Loki answered HTML instead of JSON at ${base}/html`);
  });

  it('reports a 5xx with its status and body', async () => {
    await expect(new BackendHttp('Prometheus', { baseUrl: base }).get('/boom')).rejects.toThrowError(
      `Prometheus answered 502 at ${base}/boom: upstream connect error`,
    );
  });

  it('reports a refused connection and what to do', async () => {
    const port = await getFreePort();
    const error = await new BackendHttp('Jaeger', { baseUrl: `http://127.0.0.1:${port}` })
      .get('/api/services')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `could not reach Jaeger at http://127.0.0.1:${port}/api/services (ECONNREFUSED)`,
    );
    expect((error as BackendError).hint).toMatch(/is it running/);
  });

  it('treats 404 as absent with getOptional', async () => {
    await expect(
      new BackendHttp('Jaeger', { baseUrl: base }).getOptional('/missing'),
    ).resolves.toBeUndefined();
  });

  it('sends the extra headers (tenant, auth) on every request', async () => {
    const http = new BackendHttp('Loki', {
      baseUrl: base,
      headers: { 'X-Scope-OrgID': 'tenant-a', Authorization: 'Bearer t' },
    });
    await expect(http.get('/headers')).resolves.toMatchObject({
      'x-scope-orgid': 'tenant-a',
      authorization: 'Bearer t',
    });
  });
});

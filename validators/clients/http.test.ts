import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getFreePort } from '../../core/index.ts';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { BackendError, BackendHttp, parseAnswer } from './http.ts';

const server = new AnswerServer();
let base: string;
const Ok = z.object({ ok: z.boolean() });

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => {
  server.reset();
  server.answer('/json', { body: { ok: true } });
  server.answer('/boom', { status: 502, type: 'text/plain', body: 'upstream connect error' });
  server.routes['/headers'] = (req) => ({ body: req.headers });
});

describe('BackendHttp', () => {
  it('parses JSON with the endpoint schema', async () => {
    await expect(new BackendHttp('Loki', { baseUrl: base }).get('/json', Ok)).resolves.toEqual({ ok: true });
  });

  it('refuses an HTML answer, naming the backend and the URL', async () => {
    server.answer('/html', GARBAGE.html);
    const promise = new BackendHttp('Loki', { baseUrl: base }).get('/html', Ok);
    await expect(promise).rejects.toBeInstanceOf(BackendError);
    await expect(promise).rejects.toThrowError(`Loki answered HTML instead of JSON at ${base}/html`);
  });

  it('refuses a truncated JSON answer, naming the backend and the URL', async () => {
    server.answer('/cut', GARBAGE.truncated);
    await expect(new BackendHttp('Prometheus', { baseUrl: base }).get('/cut', Ok)).rejects.toThrowError(
      `Prometheus answered an unexpected body at ${base}/cut: not JSON (truncated answer?) (body: {"status":"success","data":{"resultType":"vec)`,
    );
  });

  it('refuses an empty 200 where JSON is expected', async () => {
    server.answer('/empty', GARBAGE.empty);
    await expect(new BackendHttp('Jaeger', { baseUrl: base }).get('/empty', Ok)).rejects.toThrowError(
      `Jaeger answered an unexpected body at ${base}/empty: an empty body where JSON was expected (body: (empty body))`,
    );
  });

  it('refuses a body of the wrong shape with the field zod found wrong', async () => {
    server.answer('/shape', { body: { ok: 'yes' } });
    const error = await new BackendHttp('Grafana', { baseUrl: base })
      .get('/shape', Ok)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `Grafana answered an unexpected body at ${base}/shape: ✖ Invalid input: expected boolean, received string → at ok (body: {"ok":"yes"})`,
    );
    expect((error as BackendError).hint).toMatch(/wrong tenant/);
  });

  it('refuses a 200 with {"status":"error"}, with its error type and reason', async () => {
    server.answer('/err', { body: { status: 'error', errorType: 'bad_data', error: 'unknown tenant' } });
    await expect(new BackendHttp('Prometheus', { baseUrl: base }).get('/err', Ok)).rejects.toThrowError(
      `Prometheus answered an error at ${base}/err: bad_data: unknown tenant`,
    );
  });

  it('names the endpoint without its query string', async () => {
    server.answer('/api/traces', GARBAGE.html);
    await expect(
      new BackendHttp('Jaeger', { baseUrl: base }).get('/api/traces?traceID=a&traceID=b', Ok),
    ).rejects.toThrowError(`Jaeger answered HTML instead of JSON at ${base}/api/traces: `);
  });

  it('reports a 5xx with its status and body', async () => {
    await expect(new BackendHttp('Prometheus', { baseUrl: base }).get('/boom', Ok)).rejects.toThrowError(
      `Prometheus answered 502 at ${base}/boom: upstream connect error`,
    );
  });

  it('reports a refused connection and what to do', async () => {
    const port = await getFreePort();
    const error = await new BackendHttp('Jaeger', { baseUrl: `http://127.0.0.1:${port}` })
      .get('/api/services', Ok)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `could not reach Jaeger at http://127.0.0.1:${port}/api/services (ECONNREFUSED)`,
    );
    expect((error as BackendError).hint).toMatch(/is it running/);
  });

  it('treats 404 as absent with getOptional', async () => {
    await expect(
      new BackendHttp('Jaeger', { baseUrl: base }).getOptional('/missing', Ok),
    ).resolves.toBeUndefined();
  });

  it('sends the extra headers (tenant, auth) on every request', async () => {
    const http = new BackendHttp('Loki', {
      baseUrl: base,
      headers: { 'X-Scope-OrgID': 'tenant-a', Authorization: 'Bearer t' },
    });
    await expect(http.get('/headers', z.record(z.string(), z.unknown()))).resolves.toMatchObject({
      'x-scope-orgid': 'tenant-a',
      authorization: 'Bearer t',
    });
  });
});

describe('parseAnswer', () => {
  it('names the part of the answer that is wrong (a line of JSON lines)', () => {
    expect(() =>
      parseAnswer('VictoriaLogs', 'http://x/select/logsql/query', Ok, { ok: 1 }, { part: 'line 3' }),
    ).toThrowError(
      'VictoriaLogs answered an unexpected body at http://x/select/logsql/query: line 3: ✖ Invalid input: expected boolean, received number → at ok',
    );
  });
});

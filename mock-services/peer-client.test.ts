import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOPBACK, getFreePort } from '../core/index.ts';
import { PeerClient } from './peer-client.ts';

const servers: Server[] = [];
const clients: PeerClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

/** A peer answering every request with `answer` (or never, when it returns undefined). */
async function peer(
  answer: (body: string, headers: Record<string, unknown>) => [number, string] | undefined,
) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const a = answer(body, req.headers);
      if (a) res.writeHead(a[0], { 'content-type': 'application/json' }).end(a[1]);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
  return { hostname: LOOPBACK, port: (server.address() as AddressInfo).port };
}

const client = (timeoutMs?: number) => {
  const c = new PeerClient(timeoutMs);
  clients.push(c);
  return c;
};

const post = (c: PeerClient, to: { hostname: string; port: number }, json = '{"q":1}') =>
  c.post(to, '/internal/query', json, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    'x-correlation-id': 'c-1',
  });

describe('PeerClient', () => {
  it('sends the body and headers as given and parses the JSON answer, over kept-alive sockets', async () => {
    const seen: string[] = [];
    const to = await peer((body, headers) => {
      seen.push(`${body} ${String(headers['x-correlation-id'])} ${String(headers['connection'])}`);
      return [201, '{"ok":true}'];
    });
    const c = client();
    expect(await post(c, to)).toEqual({ status: 201, body: { ok: true } });
    expect(await post(c, to, '{"q":2}')).toEqual({ status: 201, body: { ok: true } });
    expect(seen).toEqual(['{"q":1} c-1 keep-alive', '{"q":2} c-1 keep-alive']);
  });

  it('keeps the status of an answer that is not JSON and says so in the body', async () => {
    const to = await peer(() => [500, 'upstream exploded']);
    expect(await post(client(), to)).toEqual({
      status: 500,
      body: { error: 'peer answered a body that is not JSON' },
    });
  });

  it('answers 503 unreachable, with the socket error, when nothing listens', async () => {
    const port = await getFreePort();
    const answer = await post(client(), { hostname: LOOPBACK, port });
    expect(answer.status).toBe(503);
    expect(answer.failure).toBe('unreachable');
    expect(answer.networkError).toContain('ECONNREFUSED');
    expect(answer.body['error']).toBe(answer.networkError);
  });

  it('answers 503 timeout when the peer holds the answer past the deadline', async () => {
    const to = await peer(() => undefined);
    expect(await post(client(100), to)).toEqual({
      status: 503,
      body: { error: 'no answer within 100ms' },
      failure: 'timeout',
      networkError: 'no answer within 100ms',
    });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BackendError, BackendHttp } from './http.ts';

let server: Server;
let base: string;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/trickle') {
      // Headers at once, then one byte every 20ms, forever: an idle timeout never fires.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const timer = setInterval(() => res.write(' '), 20);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (req.url === '/big')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(4096)}"`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('BackendHttp limits', () => {
  it('fails a call that trickles past its total deadline, naming the endpoint and the deadline', async () => {
    const http = new BackendHttp('Prometheus', { baseUrl: base, timeoutMs: 10_000, deadlineMs: 300 });
    const error = await http.get('/trickle', z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `Prometheus did not answer in full at ${base}/trickle within the 300ms deadline per call`,
    );
  });

  it('refuses an answer larger than the cap, naming the endpoint and the cap', async () => {
    const http = new BackendHttp('Jaeger', { baseUrl: base, maxBytes: 1024 });
    const error = await http.get('/big', z.unknown()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toBe(
      `Jaeger answered more than 1024 bytes at ${base}/big (the cap per answer)`,
    );
  });

  it('accepts an answer within both limits', async () => {
    const http = new BackendHttp('Jaeger', { baseUrl: base, maxBytes: 1024, deadlineMs: 5_000 });
    await expect(http.get('/ok', z.object({ ok: z.boolean() }))).resolves.toEqual({ ok: true });
  });
});

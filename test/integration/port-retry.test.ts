import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getFreePorts, LOOPBACK } from '../../core/index.ts';
import { startLocalStack } from '../../stack/index.ts';

const OUT = mkdtempSync(join(resolve(import.meta.dirname, '../../out'), 'port-retry-'));
let blocker: Server | undefined;
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
});

describe('the local runner survives a port taken between choosing and binding it', () => {
  it('retries VictoriaLogs with fresh ports when its first port is already in use', async () => {
    // Someone else (another run) holds the port the allocator hands out first, and answers HTTP on it.
    blocker = createServer((socket) => {
      sockets.add(socket);
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK');
    });
    await new Promise<void>((r) => blocker?.listen(0, LOOPBACK, r));
    const busy = (blocker.address() as { port: number }).port;
    let allocations = 0;
    const lines: string[] = [];
    await using stack = await startLocalStack({
      components: ['victorialogs'],
      outDir: OUT,
      // Bounded well inside the test's timeout: a start that hangs fails with the runner's own
      // message (what it last saw, the component's log) instead of a bare test timeout.
      startupTimeoutMs: 30_000,
      log: (line) => lines.push(line),
      allocatePorts: async (n) =>
        ++allocations === 1 ? [busy, ...(await getFreePorts(n - 1))] : getFreePorts(n),
    });
    expect(allocations).toBe(2);
    const url = stack.component('victorialogs').getUrl();
    expect(url).not.toContain(`:${busy}`);
    expect(lines.join('\n')).toMatch(/address already in use.*retrying with fresh ports/);
    // The component answering is VictoriaLogs itself, not the process that held the port.
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
  });
});

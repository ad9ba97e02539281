import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getFreePorts, LOOPBACK, saysAddressInUse, startWithPortRetry } from './ports.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Binds like a program given its port on the command line: fails with the OS's EADDRINUSE. */
function bind(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

describe('startWithPortRetry: no pick-a-free-port-then-bind race', () => {
  it('recognises the address-in-use messages of Node and of Go programs', () => {
    expect(saysAddressInUse('Error: listen EADDRINUSE: address already in use 127.0.0.1:9090')).toBe(true);
    expect(saysAddressInUse('err="listen tcp 127.0.0.1:9090: bind: address already in use"')).toBe(true);
    expect(saysAddressInUse('error loading config: yaml: line 3')).toBe(false);
  });

  it('starts anyway when the first port handed out was taken before it could be bound', async () => {
    const taken = await bind(0);
    const busy = (taken.address() as { port: number }).port;
    let calls = 0;
    const retries: string[] = [];
    const server = await startWithPortRetry({
      count: 1,
      // The allocator's answer went stale: someone took the port between choosing and binding it.
      allocate: async (n) => (++calls === 1 ? [busy] : getFreePorts(n)),
      start: async ([port]) => bind(port ?? 0),
      cleanup: async () => undefined,
      log: (line) => retries.push(line),
    });
    const port = (server.address() as { port: number }).port;
    expect(port).not.toBe(busy);
    expect(calls).toBe(2);
    expect(retries).toEqual([
      `an address was taken before it could be bound (listen EADDRINUSE: address already in use ${LOOPBACK}:${busy}); retrying with fresh ports`,
    ]);
  });

  it('throws any other failure at once, and gives up after the last attempt', async () => {
    let attempts = 0;
    await expect(
      startWithPortRetry({
        count: 1,
        start: async () => {
          attempts += 1;
          throw new Error('prometheus exited (code 1): bad config');
        },
        cleanup: async () => undefined,
      }),
    ).rejects.toThrow('bad config');
    expect(attempts).toBe(1);
    const taken = await bind(0);
    const busy = (taken.address() as { port: number }).port;
    await expect(
      startWithPortRetry({
        count: 1,
        attempts: 2,
        allocate: async () => [busy],
        start: ([p]) => bind(p ?? 0),
        cleanup: async () => undefined,
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { compareIdentity, identify, listensOn, parseStartTime } from './process-identity.ts';

describe('process identity', () => {
  it('reads starttime (field 22) even when the command name holds spaces and parentheses', () => {
    const stat = '4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50';
    expect(parseStartTime(stat)).toBe(987654);
    expect(parseStartTime('garbage')).toBeUndefined();
  });

  it('identifies this process by pid, start time and command line', () => {
    const me = identify(process.pid);
    expect(me?.pid).toBe(process.pid);
    expect(me?.startTime).toBeGreaterThan(0);
    expect(me?.cmdline).toContain('node');
  });

  it('says why a recorded identity is not the live process', () => {
    const me = identify(process.pid)!;
    expect(compareIdentity(me, me)).toEqual({ same: true });
    expect(compareIdentity({ ...me, startTime: me.startTime + 1 }, me)).toEqual({
      same: false,
      reason: 'start time differs',
    });
    expect(compareIdentity({ ...me, cmdline: 'prometheus --web.listen-address=…' }, me)).toEqual({
      same: false,
      reason: 'command line differs',
    });
    expect(compareIdentity(me, undefined)).toEqual({ same: false, reason: 'gone' });
  });

  it('tells whether a process itself holds the socket listening on a port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(listensOn(process.pid, port)).toBe(true);
      // pid 1 (init) does not hold it.
      expect(listensOn(1, port)).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(listensOn(process.pid, port)).toBe(false);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOPBACK, nonLoopbackIPv4 } from '../core/index.ts';
import { parseFleetArgs } from './fleet-args.ts';

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });
}

describe('the fleet command line binds loopback unless told otherwise', () => {
  it('binds 127.0.0.1 for the whole fleet and for one --service alike', () => {
    expect(parseFleetArgs([]).host).toBe(LOOPBACK);
    expect(parseFleetArgs(['--service', 'reflection']).host).toBe(LOOPBACK);
    expect(parseFleetArgs(['--service', 'reflection', '--port', '0']).host).toBe(LOOPBACK);
  });

  it('binds every interface only when --host says so (what a fleet container passes)', () => {
    expect(parseFleetArgs(['--service', 'reflection', '--host', '0.0.0.0']).host).toBe('0.0.0.0');
  });

  const address = nonLoopbackIPv4();
  it.skipIf(address === undefined)(
    `mock-services/main.ts --service is not reachable on ${address ?? 'a non-loopback address (none here)'}`,
    async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'mock-services/main.ts', '--service', 'reflection', '--port', '0'],
        { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = once(child, 'exit');
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      try {
        const deadline = Date.now() + 20_000;
        while (!out.includes('ready') && Date.now() < deadline && child.exitCode === null)
          await new Promise((r) => setTimeout(r, 50));
        const port = Number(/^reflection http:\/\/[^:]+:(\d+)$/m.exec(out)?.[1]);
        expect(port, out).toBeGreaterThan(0);
        expect(await accepts(LOOPBACK, port)).toBe(true);
        expect(await accepts(address ?? '', port), `reachable on ${address}:${port}`).toBe(false);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
    30_000,
  );
});

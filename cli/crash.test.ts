import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installCrashHandlers } from './crash.ts';
import { RunInterrupt } from './interrupt.ts';

function harness(run?: RunInterrupt) {
  const source = new EventEmitter();
  const out: string[] = [];
  const exits: number[] = [];
  const shutdowns: string[] = [];
  let exited: () => void = () => undefined;
  const exitedPromise = new Promise<void>((resolve) => (exited = resolve));
  const uninstall = installCrashHandlers({
    source,
    write: (text) => out.push(text),
    exit: (code) => {
      exits.push(code);
      exited();
    },
    run: () => run,
    shutdown: async () => {
      shutdowns.push('shutdown');
    },
    teardownMs: 60_000,
  });
  return { source, out, exits, shutdowns, exitedPromise, uninstall };
}

describe('installCrashHandlers', () => {
  it('an unhandled rejection outside a run: says what crashed, tears down, exits 2', async () => {
    const h = harness();
    h.source.emit('unhandledRejection', new Error('listener blew up'));
    await h.exitedPromise;
    expect(h.out.join('')).toContain(
      'phx-harness: the harness crashed (unhandled rejection): Error: listener blew up',
    );
    expect(h.shutdowns).toEqual(['shutdown']);
    expect(h.exits).toEqual([2]);
    h.uninstall();
  });

  it('an uncaught exception during a run interrupts it with reason "crash" (the run reports, then exits 2)', () => {
    const signals = new EventEmitter();
    const run = new RunInterrupt({ stage: () => 'validating against the backends', signals }).install();
    const h = harness(run);
    h.source.emit('uncaughtException', new TypeError('x is not a function'));
    expect(run.info).toMatchObject({ reason: 'crash', stage: 'validating against the backends' });
    expect(run.info?.message).toContain('uncaught exception: x is not a function');
    expect(run.exitCode).toBe(2);
    // The run exits itself once its partial report is written.
    expect(h.exits).toEqual([]);
    expect(h.shutdowns).toEqual([]);
    h.uninstall();
    run[Symbol.dispose]();
  });
});

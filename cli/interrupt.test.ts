import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Teardown, parseConfig } from '../core/index.ts';
import { InterruptedError, RunInterrupt, interruptionOf, startedUnlessInterrupted } from './interrupt.ts';
import { parseDeadline } from './validate-command.ts';

function interruptOn(signals: EventEmitter, options: { deadlineMs?: number; exits?: number[] } = {}) {
  let stage = 'starting the monitoring stack (local)';
  const interrupt = new RunInterrupt({
    stage: () => stage,
    signals,
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    exitNow: (code) => options.exits?.push(code),
  }).install();
  return { interrupt, setStage: (s: string) => (stage = s) };
}

describe('RunInterrupt', () => {
  it('aborts its signal on SIGINT, naming the stage the run was in; exit code 130', () => {
    const signals = new EventEmitter();
    const { interrupt, setStage } = interruptOn(signals);
    setStage('running the smoke scenario (in-process engine)');
    signals.emit('SIGINT');
    expect(interrupt.signal.aborted).toBe(true);
    expect(interrupt.signal.reason).toBeInstanceOf(InterruptedError);
    expect(interrupt.info).toEqual({
      reason: 'SIGINT',
      stage: 'running the smoke scenario (in-process engine)',
      message: 'run interrupted during "running the smoke scenario (in-process engine)": SIGINT received',
    });
    expect(interrupt.exitCode).toBe(130);
    interrupt[Symbol.dispose]();
  });

  it('exits at once on a second signal, with that signal’s code', () => {
    const signals = new EventEmitter();
    const exits: number[] = [];
    const { interrupt } = interruptOn(signals, { exits });
    signals.emit('SIGTERM');
    expect(interrupt.exitCode).toBe(143);
    expect(exits).toEqual([]);
    signals.emit('SIGTERM');
    expect(exits).toEqual([143]);
    interrupt[Symbol.dispose]();
  });

  it('interrupts the run with reason "deadline" when the deadline passes; exit code 2', async () => {
    const signals = new EventEmitter();
    const { interrupt } = interruptOn(signals, { deadlineMs: 5 });
    await new Promise((resolve) => interrupt.signal.addEventListener('abort', resolve, { once: true }));
    expect(interrupt.info?.reason).toBe('deadline');
    expect(interrupt.info?.message).toContain('the run passed its deadline of 5ms');
    expect(interrupt.exitCode).toBe(2);
    interrupt[Symbol.dispose]();
  });

  it('stops listening once disposed', () => {
    const signals = new EventEmitter();
    const { interrupt } = interruptOn(signals);
    interrupt[Symbol.dispose]();
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('startedUnlessInterrupted', () => {
  it('stops waiting on an interrupt, and the teardown still stops what was starting once it is up', async () => {
    const signals = new EventEmitter();
    const { interrupt } = interruptOn(signals);
    const teardown = new Teardown();
    const events: string[] = [];
    let finishStart: () => void = () => undefined;
    const starting = new Promise<AsyncDisposable>((resolve) => {
      finishStart = () =>
        resolve({
          [Symbol.asyncDispose]: async () => {
            events.push('stopped');
          },
        });
    });
    const waiting = startedUnlessInterrupted(teardown, starting, interrupt.signal);
    signals.emit('SIGINT');
    await expect(waiting).rejects.toBeInstanceOf(InterruptedError);
    expect(interruptionOf(interrupt.signal)?.reason).toBe('SIGINT');
    const disposing = teardown.disposeAsync();
    finishStart();
    await disposing;
    expect(events).toEqual(['stopped']);
    interrupt[Symbol.dispose]();
  });
});

describe('the run deadline setting', () => {
  it('defaults to 30 minutes in the config, and must be positive', () => {
    expect(parseConfig({}).deadlineMs).toBe(30 * 60_000);
    expect(() => parseConfig({ deadlineMs: 0 })).toThrow(/deadlineMs: /);
  });

  it('--deadline takes a duration, and refuses anything else', () => {
    expect(parseDeadline('45m')).toBe(45 * 60_000);
    expect(parseDeadline('90s')).toBe(90_000);
    expect(() => parseDeadline('soon')).toThrow('a duration such as 30m, 90s or 1h');
  });
});

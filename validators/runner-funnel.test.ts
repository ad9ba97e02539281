import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../core/index.ts';
import { perRunnerFunnel, runnerFunnel } from './runner-funnel.ts';

const entry = (traceId: string, runner?: string): LedgerEntry => ({
  traceId,
  correlationId: `c-${traceId}`,
  flow: 'kb_query',
  status: 200,
  startMs: 0,
  durationMs: 1,
  ...(runner === undefined ? {} : { runner }),
});

describe('the accounting funnel per runner', () => {
  it('counts what each runner sent and what reached the backend', () => {
    const entries = [entry('a', 'worker-1'), entry('b', 'worker-1'), entry('c', 'worker-2')];
    expect(perRunnerFunnel(entries, (e) => e.traceId !== 'b', 'traced')).toEqual({
      perRunner: { 'worker-1': { sent: 2, traced: 1 }, 'worker-2': { sent: 1, traced: 1 } },
    });
  });

  it('counts the same as a streamed ledger goes by, with nothing kept per request', () => {
    const funnel = runnerFunnel('traced');
    for (const runner of ['worker-1', 'worker-1', 'worker-2', undefined]) funnel.sent(runner);
    funnel.reached('worker-1');
    funnel.reached(undefined);
    expect(funnel.result()).toEqual({
      perRunner: { 'worker-1': { sent: 2, traced: 1 }, 'worker-2': { sent: 1, traced: 0 } },
    });
  });

  it('says nothing for a ledger one process wrote', () => {
    expect(perRunnerFunnel([entry('a'), entry('b')], () => true, 'logged')).toEqual({});
  });
});

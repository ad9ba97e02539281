import { describe, expect, it } from 'vitest';
import { HarnessError, type CheckResult } from '../core/index.ts';
import { runValidatorIsolated, runValidators, validatorErrorResult, whereThrown } from './run-validators.ts';

const passing = (id: string): CheckResult => ({
  id,
  family: 'traces',
  title: id,
  status: 'pass',
  phase: 1,
  expected: '-',
  observed: '-',
  message: 'ok',
  evidence: {},
});

function throwingValidator(): Promise<CheckResult[]> {
  throw new Error('cannot read properties of undefined (reading "spans")');
}

describe('runValidators', () => {
  it('turns a throwing validator into its own error check; the others still report', async () => {
    const into: CheckResult[] = [];
    const results = await runValidators({
      validators: {
        traces: () => Promise.resolve([passing('traces.completeness')]),
        metrics: throwingValidator,
        logs: () => Promise.resolve([passing('logs.labels')]),
        'alerts.drill': () =>
          Promise.reject(new HarnessError('fleet gone', { where: 'drill HighErrorRate' })),
      },
      families: { traces: 'traces', metrics: 'metrics', logs: 'logs', 'alerts.drill': 'alerts' },
      names: ['traces', 'metrics', 'logs', 'alerts.drill'],
      last: ['alerts.drill'],
      ctx: {},
      into,
    });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['alerts.drill.validator', 'error'],
      ['logs.labels', 'pass'],
      ['metrics.validator', 'error'],
      ['traces.completeness', 'pass'],
    ]);
    const metrics = results.find((r) => r.id === 'metrics.validator');
    expect(metrics?.family).toBe('metrics');
    expect(metrics?.phase).toBe(1);
    expect(metrics?.message).toMatch(
      /^the metrics validator threw at validators\/run-validators\.test\.ts:\d+:\d+: cannot read properties of undefined \(reading "spans"\)$/,
    );
    expect(results.find((r) => r.id === 'alerts.drill.validator')?.message).toContain(
      'fleet gone (where: drill HighErrorRate)',
    );
  });

  it('runs the `last` validators after all the others', async () => {
    const order: string[] = [];
    const step = (name: string) => async () => {
      order.push(name);
      return [passing(`traces.${name}`)];
    };
    await runValidators({
      validators: { drills: step('drills'), a: step('a'), b: step('b') },
      families: { drills: 'alerts', a: 'traces', b: 'traces' },
      names: ['drills', 'a', 'b'],
      last: ['drills'],
      ctx: {},
      into: [],
    });
    expect(order).toEqual(['a', 'b', 'drills']);
  });

  it('stops waiting when aborted, keeping what finished', async () => {
    const controller = new AbortController();
    const into: CheckResult[] = [];
    const done = runValidators({
      validators: {
        quick: () => Promise.resolve([passing('traces.quick')]),
        stuck: () => new Promise<CheckResult[]>(() => undefined),
      },
      families: { quick: 'traces', stuck: 'logs' },
      names: ['quick', 'stuck'],
      ctx: {},
      into,
      signal: controller.signal,
      onDone: () => controller.abort(new Error('interrupted')),
    });
    await expect(done).rejects.toThrow('interrupted');
    expect(into.map((r) => r.id)).toEqual(['traces.quick']);
  });
});

describe('runValidatorIsolated', () => {
  it('refuses an answer that is not a list of checks', async () => {
    const [only] = await runValidatorIsolated(
      'logs',
      'logs',
      () => Promise.resolve(undefined as unknown as CheckResult[]),
      {},
    );
    expect(only?.status).toBe('error');
    expect(only?.message).toContain('the logs validator threw');
    expect(only?.message).toContain('returned undefined instead of a list of checks');
  });
});

describe('validatorErrorResult', () => {
  it('renders a non-Error throw', () => {
    expect(validatorErrorResult('dashboards', 'dashboards', 'boom').message).toBe(
      'the dashboards validator threw: boom',
    );
  });

  it('finds the first frame in the harness, skipping dependencies', () => {
    const error = new Error('x');
    error.stack = [
      'Error: x',
      '    at parse (/repo/node_modules/zod/index.js:1:2)',
      '    at check (/repo/validators/logs.ts:42:7)',
    ].join('\n');
    expect(whereThrown(error, '/repo')).toBe('validators/logs.ts:42:7');
  });
});

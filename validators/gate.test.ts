import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../core/index.ts';
import { evaluateGate } from './gate.ts';

const check = (id: string, phase: number, status: CheckResult['status']): CheckResult => ({
  id,
  family: 'metrics',
  title: id,
  phase,
  status,
  expected: '',
  observed: '',
  message: '',
  evidence: {},
});

describe('evaluateGate', () => {
  it('fails when a check the phase requires fails, and ignores later phases', () => {
    const results = [check('a', 1, 'pass'), check('b', 2, 'fail'), check('c', 3, 'fail')];
    expect(evaluateGate(results, 2)).toMatchObject({
      verdict: 'fail',
      failedRequired: ['b'],
      informational: ['c'],
    });
    expect(evaluateGate(results, 1)).toMatchObject({
      verdict: 'pass',
      required: ['a'],
      informational: ['b', 'c'],
    });
  });

  it('counts an errored required check as a failure', () => {
    expect(evaluateGate([check('a', 1, 'error')], 1).verdict).toBe('fail');
  });

  it('fails on a required check that was skipped without a waiver, naming it', () => {
    const gate = evaluateGate([check('a', 1, 'pass'), check('alerts.drill.X', 1, 'skip')], 1);
    expect(gate).toMatchObject({ verdict: 'fail', failedRequired: [], skippedRequired: ['alerts.drill.X'] });
  });

  it('ignores a skipped check the phase does not require', () => {
    expect(evaluateGate([check('a', 1, 'pass'), check('b', 2, 'skip')], 1).verdict).toBe('pass');
  });

  it('holds when the config waives the skipped check, and lists it with its reason', () => {
    const gate = evaluateGate([check('a', 1, 'pass'), check('alerts.drill.X', 1, 'skip')], 1, {
      'alerts.drill.X': 'no such fault on staging',
    });
    expect(gate).toMatchObject({
      verdict: 'pass',
      skippedRequired: [],
      waived: [{ id: 'alerts.drill.X', reason: 'no such fault on staging' }],
      waiverWarnings: [],
    });
  });

  it('waives every check under a `prefix.*`, the exact id taking precedence', () => {
    const results = [
      check('alerts.drill.X', 1, 'skip'),
      check('alerts.drill.Y', 1, 'skip'),
      check('alerts.drillsteady', 1, 'skip'),
    ];
    const gate = evaluateGate(results, 1, {
      'alerts.drill.*': 'no fleet on staging',
      'alerts.drill.Y': 'own',
    });
    expect(gate.waived).toEqual([
      { id: 'alerts.drill.X', reason: 'no fleet on staging' },
      { id: 'alerts.drill.Y', reason: 'own' },
    ]);
    // `alerts.drill.*` covers ids under `alerts.drill.` only, not every id that starts with the letters.
    expect(gate.skippedRequired).toEqual(['alerts.drillsteady']);
    expect(gate.verdict).toBe('fail');
  });

  it('never waives a fail or an error, and says the waiver did not apply', () => {
    const waivers = { 'a.x': 'flaky', 'b.*': 'not here' };
    const gate = evaluateGate([check('a.x', 1, 'fail'), check('b.y', 1, 'error')], 1, waivers);
    expect(gate).toMatchObject({ verdict: 'fail', failedRequired: ['a.x', 'b.y'], waived: [] });
    expect(gate.waiverWarnings).toEqual([
      'waiver for a.x does not cover a.x: it ended fail (waivers cover skips only)',
      'waiver for b.* does not cover b.y: it ended error (waivers cover skips only)',
    ]);
  });

  it('reports a waiver that matches no check of the run', () => {
    const gate = evaluateGate([check('a', 1, 'pass')], 1, { 'alerts.drill.Typo': 'why', 'nope.*': 'why' });
    expect(gate.verdict).toBe('pass');
    expect(gate.waiverWarnings).toEqual([
      'waiver for alerts.drill.Typo matched no check',
      'waiver for nope.* matched no check',
    ]);
  });
});

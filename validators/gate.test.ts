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
});

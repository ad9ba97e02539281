import { describe, expect, it } from 'vitest';
import { parseTestFailures } from './test-failures.ts';

describe('helpers', () => {
  it("splits promtool's FAILED output per expectation", () => {
    const text = [
      'Unit Testing:  a.yml',
      '  FAILED:',
      '    alertname: A, time: 5m, ',
      '        exp:[',
      '            0:',
      '              Labels:{alertname="A"}',
      '            ], ',
      '        got:[]',
      '    expr: "up", time: 1m,',
      '        exp: nil',
      '        got: {} 1E+00',
    ].join('\n');
    expect(parseTestFailures('a.yml', text).map((f) => [f.alert, f.time, f.kind])).toEqual([
      ['A', '5m', 'never-fired'],
      [undefined, undefined, undefined],
    ]);
  });
});

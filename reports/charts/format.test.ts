import { describe, expect, it } from 'vitest';
import { formatMs } from './format.ts';

describe('formatMs', () => {
  it('formatMs picks a readable unit', () => {
    expect([0.42, 4.25, 420.4, 4_200, 42_000, 125_000].map(formatMs)).toEqual([
      '0.42 ms',
      '4.3 ms',
      '420 ms',
      '4.20 s',
      '42.0 s',
      '2m 05s',
    ]);
  });
});

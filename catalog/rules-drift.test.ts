import { describe, expect, it } from 'vitest';
import { ruleFileDrift } from './generate-rules.ts';

describe('generated rule files', () => {
  it('stack/prometheus/rules/*.yml and rules/tests/*.yml equal what the catalog renders', () => {
    expect(ruleFileDrift(), 'rule files are stale: run `npx tsx catalog/generate-rules.ts`').toEqual([]);
  });
});

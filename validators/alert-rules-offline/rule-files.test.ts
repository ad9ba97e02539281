import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULE_FILES } from '../../catalog/index.ts';
import { expandGlobs } from './rule-files.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('helpers', () => {
  it('expands a rule-file glob in the last segment', async () => {
    const files = await expandGlobs([join(REPO, 'stack/prometheus/rules/*.yml')]);
    expect(files.map((f) => f.slice(REPO.length))).toEqual([RULE_FILES.alerts, RULE_FILES.recording]);
  });
});

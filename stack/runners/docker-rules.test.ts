import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectRuleFiles } from './docker.ts';

describe('collectRuleFiles (rules copied into the Prometheus container)', () => {
  it('takes globs and plain paths alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-rules-'));
    writeFileSync(join(dir, 'a.yml'), 'groups: []\n');
    writeFileSync(join(dir, 'b.yml'), 'groups: []\n');
    writeFileSync(join(dir, 'notes.txt'), '');
    expect(collectRuleFiles([join(dir, '*.yml')]).map((f) => f.name)).toEqual(['a.yml', 'b.yml']);
    expect(collectRuleFiles([join(dir, 'b.yml')]).map((f) => f.name)).toEqual(['b.yml']);
    expect(() => collectRuleFiles([join(dir, 'missing.yml')])).toThrowError(/rule file not found/);
  });
});

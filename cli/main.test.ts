import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, 'main.ts');

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('phx-harness CLI', () => {
  it('exits 2 naming the field and the allowed values when harness.config.ts is invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-cli-'));
    const file = join(dir, 'bad.config.ts');
    writeFileSync(file, `export default { stack: { runner: 'kubernetes' } };\n`);
    const run = runCli(['--config', file, 'validate']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('stack.runner: must be one of "local", "docker", "external"');
    expect(run.stderr).toContain(file);
  });

  it('exits 2 on an invalid --phase', () => {
    const run = runCli(['validate', '--phase', '7']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--phase.*must be 1, 2, 3 or 4/);
  });
});

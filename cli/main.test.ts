import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError, rememberSecret } from '../core/index.ts';
import { errorLine } from './main.ts';

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

describe('the error line of a failed command', () => {
  it('masks credentials the error text quotes: URL userinfo, bearer tokens, remembered secrets', () => {
    rememberSecret('remembered-s3cret-value');
    const line = errorLine(
      new HarnessError('Prometheus at https://ops:hunter22@prom.staging.example answered 401', {
        where: 'GET /api/v1/query (Authorization: Bearer abcdef123456)',
        hint: 'check the token remembered-s3cret-value',
      }),
    );
    expect(line).toContain('https://ops:[redacted]@prom.staging.example answered 401');
    for (const secret of ['hunter22', 'abcdef123456', 'remembered-s3cret-value'])
      expect(line).not.toContain(secret);
  });
});

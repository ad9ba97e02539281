import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('scenarios/ (run by k6, excluded from the root tsconfig)', () => {
  it('typechecks against @types/k6: tsc --noEmit -p scenarios', async () => {
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'scenarios'], {
      cwd: REPO_ROOT,
    }).catch((error: { stdout?: string; code?: number }) => ({
      stdout: error.stdout ?? String(error),
      code: error.code,
    }));
    expect(result.stdout).toBe('');
  }, 60_000);
});

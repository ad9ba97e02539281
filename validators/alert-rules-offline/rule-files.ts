import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ValidationContext } from '../context.ts';

/** Finding the rule files and their unit test files (Prometheus-style globs). */

/** Expands `dir/*.yml`-style globs (in the last path segment only, as Prometheus's rule_files use them). */
export async function expandGlobs(patterns: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of patterns) {
    const name = basename(pattern);
    if (!/[*?]/.test(name)) {
      out.push(resolve(pattern));
      continue;
    }
    const dir = dirname(pattern);
    const re = new RegExp(
      `^${name
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    const entries = await readdir(dir).catch(() => [] as string[]);
    out.push(
      ...entries
        .filter((e) => re.test(e))
        .sort()
        .map((e) => resolve(dir, e)),
    );
  }
  return [...new Set(out)];
}

/** Test files: the given ones, or `tests/*.yml` beside each rule file's directory. */
export async function ruleTestFilesFor(ctx: ValidationContext, ruleFiles: string[]): Promise<string[]> {
  if (ctx.ruleTestFiles) return expandGlobs(ctx.ruleTestFiles);
  const dirs = [...new Set(ruleFiles.map((f) => dirname(f)))];
  return expandGlobs(dirs.map((d) => join(d, 'tests', '*.yml')));
}

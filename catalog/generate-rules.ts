/**
 * Writes the Prometheus rule files rendered from the catalog, and their promtool unit tests.
 *   npx tsx catalog/generate-rules.ts          writes stack/prometheus/rules/*.yml and rules/tests/*.yml
 *   npx tsx catalog/generate-rules.ts --check  exits 1 listing each file that differs (CI, no writes)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRuleFiles } from './render-rules.ts';
import { renderRuleTestFiles } from './rule-tests.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The rule files and their unit tests, keyed by repository-relative path. */
const renderAll = (): Record<string, string> => ({ ...renderRuleFiles(), ...renderRuleTestFiles() });

/** Repository-relative paths whose content differs from the rendering (missing files included). */
export function ruleFileDrift(repoRoot: string = REPO_ROOT): string[] {
  return Object.entries(renderAll())
    .filter(([path, content]) => {
      const file = join(repoRoot, path);
      return !existsSync(file) || readFileSync(file, 'utf8') !== content;
    })
    .map(([path]) => path);
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const drift = ruleFileDrift();
    if (drift.length === 0) {
      console.log('rule files are up to date');
      return 0;
    }
    console.error(
      `rule files differ from the catalog:\n${drift.map((p) => `  ${p}`).join('\n')}\nrun \`npx tsx catalog/generate-rules.ts\``,
    );
    return 1;
  }
  for (const [path, content] of Object.entries(renderAll())) {
    const file = join(REPO_ROOT, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    console.log(`wrote ${path}`);
  }
  return 0;
}

// Only when run as a script, so tests can import ruleFileDrift.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));

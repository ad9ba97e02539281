/**
 * Writes the Grafana dashboards rendered from the catalog.
 *   npx tsx catalog/generate-dashboards.ts          writes stack/grafana/dashboards/<uid>.json
 *   npx tsx catalog/generate-dashboards.ts --check  exits 1 listing each file that differs (CI, no writes)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDashboardFiles } from './dashboard-json.ts';
import { DASHBOARDS_DIR } from './dashboards.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** JSON files in the dashboards directory that no catalog dashboard renders (a removed or renamed uid). */
function staleFiles(repoRoot: string, expected: Record<string, string>): string[] {
  const dir = join(repoRoot, DASHBOARDS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${DASHBOARDS_DIR}/${f}`)
    .filter((path) => !(path in expected));
}

/** Repository-relative paths whose content differs from the rendering (missing and stale files included). */
export function dashboardFileDrift(repoRoot: string = REPO_ROOT): string[] {
  const expected = renderDashboardFiles();
  const differing = Object.entries(expected)
    .filter(([path, content]) => {
      const file = join(repoRoot, path);
      return !existsSync(file) || readFileSync(file, 'utf8') !== content;
    })
    .map(([path]) => path);
  return [...differing, ...staleFiles(repoRoot, expected).map((p) => `${p} (no longer in the catalog)`)];
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const drift = dashboardFileDrift();
    if (drift.length === 0) {
      console.log('dashboard files are up to date');
      return 0;
    }
    console.error(
      `dashboard files differ from the catalog:\n${drift.map((p) => `  ${p}`).join('\n')}\nrun \`npx tsx catalog/generate-dashboards.ts\``,
    );
    return 1;
  }
  const files = renderDashboardFiles();
  for (const path of staleFiles(REPO_ROOT, files)) {
    rmSync(join(REPO_ROOT, path));
    console.log(`removed ${path}`);
  }
  for (const [path, content] of Object.entries(files)) {
    const file = join(REPO_ROOT, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    console.log(`wrote ${path}`);
  }
  return 0;
}

// Only when run as a script, so tests can import dashboardFileDrift.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));

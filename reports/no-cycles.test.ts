import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { afterAll, describe, expect, it } from 'vitest';

/** reports/ must be a tree of imports: contract ← reporters ← registry ← index, never back. */

const REPORTS_DIR = fileURLToPath(new URL('.', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

/**
 * The import graph of the .ts files under `dir` (type-only imports included), tests left out.
 * Imports leading out of `dir` are not followed: a cycle back into reports/ through core/ would
 * need core/ to import reports/, which eslint's boundaries forbid.
 */
function importGraph(dir: string): Promise<madge.MadgeInstance> {
  const root = dir.endsWith(sep) ? dir : dir + sep;
  return madge(dir, {
    fileExtensions: ['ts'],
    tsConfig: TSCONFIG,
    excludeRegExp: [/\.test\.ts$/],
    dependencyFilter: (file) => file.startsWith(root),
  });
}

let reportsGraph: Promise<madge.MadgeInstance> | undefined;
/** reports/' own graph, built once for the tests that read it. */
function reports(): Promise<madge.MadgeInstance> {
  reportsGraph ??= importGraph(REPORTS_DIR);
  return reportsGraph;
}

const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

/** A directory with the given files, for graphs with a known answer. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'phx-cycles-'));
  fixtures.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('reports/ import graph', () => {
  it('has no import cycle', async () => {
    const graph = await reports();
    expect(graph.warnings().skipped).toEqual([]);
    expect(Object.keys(graph.obj())).toContain('registry.ts');
    expect(graph.circular()).toEqual([]);
  });

  it('reporters import the contract, never the registry, the index or another reporter', async () => {
    const deps = (await reports()).obj();
    const reporters = Object.keys(deps).filter((file) => file.endsWith('-reporter.ts'));
    expect(reporters.sort()).toEqual([
      'console-reporter.ts',
      'github-reporter.ts',
      'html-reporter.ts',
      'json-reporter.ts',
      'junit-reporter.ts',
    ]);
    for (const reporter of reporters) {
      const imports = deps[reporter] ?? [];
      expect(imports, reporter).toContain('reporter-contract.ts');
      expect(
        imports.filter(
          (file) => file === 'registry.ts' || file === 'index.ts' || file.endsWith('-reporter.ts'),
        ),
        reporter,
      ).toEqual([]);
    }
  });

  it('only the registry and the index import the console reporter (gate text comes from gate-text.ts)', async () => {
    const graph = await reports();
    expect(graph.depends('console-reporter.ts').sort()).toEqual(['index.ts', 'registry.ts']);
    for (const reporter of [
      'console-reporter.ts',
      'github-reporter.ts',
      'html-reporter.ts',
      'junit-reporter.ts',
    ]) {
      expect(graph.obj()[reporter], reporter).toContain('gate-text.ts');
    }
  });

  it('finds a cycle when two files import each other, type-only imports included', async () => {
    const values = fixture({
      'a.ts': "import { b } from './b.ts';\nexport const a = (): number => b + 1;\n",
      'b.ts': "import { a } from './a.ts';\nexport const b = 1;\nexport const callsA = (): number => a();\n",
      'c.ts': "import { a } from './a.ts';\nexport const c = a;\n",
    });
    expect((await importGraph(values)).circular()).toEqual([['a.ts', 'b.ts']]);

    const types = fixture({
      'contract.ts':
        "import type { Registry } from './registry.ts';\nexport interface Contract { r?: Registry }\n",
      'registry.ts': "import type { Contract } from './contract.ts';\nexport type Registry = Contract[];\n",
    });
    expect((await importGraph(types)).circular()).toEqual([['contract.ts', 'registry.ts']]);
  });
});

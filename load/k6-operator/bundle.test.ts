import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../../scenarios/index.ts';
import { bundleScenarioForK6 } from './bundle.ts';

/**
 * Loads a bundle the way a JavaScript engine loads an ES module (V8's own parser, not esbuild's):
 * node:vm's SourceTextModule, which needs --experimental-vm-modules, hence a child process. k6's
 * modules are stand-ins exporting what k6 would; the module is evaluated with an empty __ENV, as
 * k6's init context runs it, and reports its imports, its exports and what `options` holds.
 */
const LOAD_AS_MODULE = `
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
const K6_EXPORTS = {
  k6: ['default', 'check', 'fail', 'group', 'sleep', 'randomSeed'],
  'k6/http': ['default', 'get', 'post', 'put', 'del', 'request', 'batch', 'expectedStatuses', 'setResponseCallback'],
  'k6/execution': ['default'],
};
const context = vm.createContext({ __ENV: {} });
const module = new vm.SourceTextModule(readFileSync(process.argv[1], 'utf8'), { context });
await module.link((specifier) => {
  const names = K6_EXPORTS[specifier];
  if (!names) throw new Error('imports ' + specifier + ', which is not a k6 module');
  return new vm.SyntheticModule(names, function () { for (const n of names) this.setExport(n, {}); }, { context });
});
await module.evaluate();
const ns = module.namespace;
process.stdout.write(JSON.stringify({
  imports: module.dependencySpecifiers,
  exports: Object.keys(ns).sort(),
  defaultType: typeof ns.default,
  optionKeys: Object.keys(ns.options ?? {}).sort(),
}));
`;

function loadAsModule(source: string): { status: number | null; stdout: string; stderr: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'phx-k6-bundle-')), 'bundle.js');
  writeFileSync(file, source);
  const run = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', '--no-warnings', '--input-type=module', '-e', LOAD_AS_MODULE, file],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('bundleScenarioForK6', () => {
  it.each(SCENARIO_NAMES)(
    'bundles %s as plain JavaScript that imports only k6 and exports options and a default function',
    async (scenario) => {
      const bundle = await bundleScenarioForK6(scenario);
      const loaded = loadAsModule(bundle);
      expect(loaded.stderr).toBe('');
      expect(loaded.status).toBe(0);
      const facts = JSON.parse(loaded.stdout) as {
        imports: string[];
        exports: string[];
        defaultType: string;
        optionKeys: string[];
      };
      expect(facts.imports.length).toBeGreaterThan(0);
      expect(facts.imports.every((s) => s === 'k6' || s.startsWith('k6/'))).toBe(true);
      expect(facts.exports).toEqual(expect.arrayContaining(['default', 'options', 'setup', 'handleSummary']));
      expect(facts.defaultType).toBe('function');
      expect(facts.optionKeys).toEqual(expect.arrayContaining(['scenarios', 'thresholds']));
      // No TypeScript left for the pod: a type annotation or `import type` would not parse above.
      expect(bundle).not.toMatch(/\.ts['"]/);
    },
  );

  it('the loader refuses what is not plain JavaScript, or imports beyond k6 (the check can fail)', () => {
    const typescript = loadAsModule(
      'export const options: { vus: number } = { vus: 1 };\nexport default function () {}\n',
    );
    expect(typescript.status).not.toBe(0);
    expect(typescript.stderr).toContain('SyntaxError');
    const nodeImport = loadAsModule(
      "import fs from 'node:fs';\nexport const options = {};\nexport default function () {}\n",
    );
    expect(nodeImport.status).not.toBe(0);
    expect(nodeImport.stderr).toContain('imports node:fs, which is not a k6 module');
  });

  it('names the scenario file when it does not exist or cannot be bundled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-k6-scenarios-'));
    await expect(bundleScenarioForK6('breakpoint', dir)).rejects.toThrow(
      `no scenario file ${join(dir, 'breakpoint.ts')}`,
    );
    writeFileSync(
      join(dir, 'broken.ts'),
      "import { missing } from './lib/nowhere.ts';\nexport default missing;\n",
    );
    await expect(bundleScenarioForK6('broken', dir)).rejects.toThrow(
      new RegExp(
        `could not bundle ${join(dir, 'broken.ts')}: .*Could not resolve "\\./lib/nowhere\\.ts"`,
        's',
      ),
    );
  });
});

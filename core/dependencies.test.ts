import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsUnder, packageOf, type SourceImport } from './testing/source-imports.ts';

/**
 * package.json says exactly what the code uses: every bare package a source file imports is
 * declared (in `dependencies` when shipped code imports it, else at least in `devDependencies`), and
 * every declared package is imported somewhere, or is in USED_WITHOUT_IMPORT with the reason.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const tsconfig = readFileSync(`${ROOT}/tsconfig.json`, 'utf8');

/** Files only tests, benchmarks and tooling load: what they import belongs in devDependencies. */
const isDevOnly = (file: string): boolean =>
  file.endsWith('.test.ts') ||
  /^(test|bench)\//.test(file) ||
  file.split('/').includes('testing') ||
  ['vitest.config.ts', 'eslint.config.js'].includes(file);

/** Imported, never installed: modules a runtime provides. */
const PROVIDED: Record<string, string> = {
  k6: "k6's built-in modules (k6/http, k6/metrics…): the k6 binary provides them; types from @types/k6",
};

const scriptRuns = (command: string) =>
  Object.values(pkg.scripts).some((script) => new RegExp(`(^|[;&|]\\s*)${command}\\b`).test(script));

/** Declared, never imported: what uses each instead, checked so an entry cannot outlive its reason. */
const USED_WITHOUT_IMPORT: Record<string, { reason: string; holds: () => boolean }> = {
  eslint: { reason: 'the lint script runs `eslint .`', holds: () => scriptRuns('eslint') },
  prettier: { reason: 'the lint and format scripts run `prettier`', holds: () => scriptRuns('prettier') },
  '@types/node': {
    reason: 'the types of the node: built-ins (tsconfig "types": ["node"])',
    holds: () => /"types":\s*\[[^\]]*"node"/.test(tsconfig),
  },
};

const imports = importsUnder(ROOT);
const packageImports = imports
  .map((i) => ({ ...i, pkg: packageOf(i.specifier) }))
  // The package's own name (its `exports`, as a user imports it) is a self-reference, not a dependency.
  .filter(
    (i): i is SourceImport & { pkg: string } =>
      i.pkg !== undefined && !(i.pkg in PROVIDED) && i.pkg !== pkg.name,
  );
const declared = { ...pkg.dependencies, ...pkg.devDependencies };
const where = (list: SourceImport[]) => list.map((i) => `${i.file}:${i.line}`).join(', ');

/** `@types/x` is used when `x` is imported (`@types/scope__x` when `@scope/x` is). */
const typedPackage = (name: string) => {
  const typed = name.replace(/^@types\//, '');
  return typed.includes('__') ? `@${typed.replace('__', '/')}` : typed;
};
const isImported = (name: string) =>
  name.startsWith('@types/')
    ? packageImports.some((i) => i.pkg === typedPackage(name)) ||
      imports.some((i) => packageOf(i.specifier) === typedPackage(name))
    : packageImports.some((i) => i.pkg === name);

describe('package.json declares what the code imports, and nothing else', () => {
  it('every package a shipped file imports is in dependencies', () => {
    const missing = packageImports.filter((i) => !isDevOnly(i.file) && !(i.pkg in pkg.dependencies));
    expect(missing.map((i) => `${i.pkg} (${i.file}:${i.line})`)).toEqual([]);
  });

  it('every package a test, benchmark or tool config imports is declared', () => {
    const missing = packageImports.filter((i) => isDevOnly(i.file) && !(i.pkg in declared));
    expect(missing.map((i) => `${i.pkg} (${i.file}:${i.line})`)).toEqual([]);
  });

  it('every dependency is imported by a shipped file (else it belongs in devDependencies)', () => {
    const devOnly = Object.keys(pkg.dependencies).filter(
      (name) => !packageImports.some((i) => i.pkg === name && !isDevOnly(i.file)),
    );
    expect(
      devOnly.map((name) => {
        const users = packageImports.filter((i) => i.pkg === name);
        return users.length ? `${name}: only ${where(users)}` : `${name}: imported nowhere`;
      }),
    ).toEqual([]);
  });

  it('every devDependency is imported, or used as USED_WITHOUT_IMPORT says', () => {
    const unused = Object.keys(pkg.devDependencies).filter(
      (name) => !isImported(name) && !USED_WITHOUT_IMPORT[name],
    );
    expect(unused.map((name) => `${name}: imported nowhere`)).toEqual([]);
  });

  it('every USED_WITHOUT_IMPORT entry is declared and its reason still holds', () => {
    const stale = Object.entries(USED_WITHOUT_IMPORT)
      .filter(([name, use]) => !(name in declared) || !use.holds() || isImported(name))
      .map(([name, use]) => `${name}: ${use.reason}`);
    expect(stale).toEqual([]);
  });

  it('finds the imports it judges: static, type-only, dynamic and import.meta.resolve ones', () => {
    const found = (pkgName: string) => packageImports.filter((i) => i.pkg === pkgName).map((i) => i.file);
    expect(found('vitest')).toContain('core/dependencies.test.ts');
    expect(found('junit-report-builder')).toContain('reports/junit-reporter.ts');
    // tsx is loaded by a worker thread's bootstrap through import.meta.resolve('tsx/esm/api').
    expect(found('tsx')).toContain('mock-services/worker-service-host.ts');
    expect(isDevOnly('validators/testing/fake-log-store.ts')).toBe(true);
    expect(isDevOnly('validators/pipeline-probe.ts')).toBe(false);
  });
});

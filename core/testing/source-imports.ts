import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/** One module a source file loads: a static import or export, `import()`, `require()` or `*.resolve()`. */
export interface SourceImport {
  /** Path relative to the scanned root, with `/` separators. */
  file: string;
  line: number;
  specifier: string;
  /** Named bindings (`createServer`), `*` for a namespace, `default` for a default import. */
  names: string[];
  /** `import type …`: erased at compile time, loads nothing. */
  typeOnly: boolean;
}

/** Folders never scanned: dependencies, run output, scratch work. */
const SKIPPED_DIRS = new Set(['node_modules', 'out', 'scratch', '.git', 'coverage', 'dist']);
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** Every TypeScript and JavaScript file under `root`, or its folder `dir` (paths relative to `root`, `/` separators), sorted. */
export function sourceFiles(root: string, dir = '.'): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(join(root, dir));
  return out.sort();
}

const stringArg = (call: ts.CallExpression): string | undefined => {
  const arg = call.arguments[0];
  return arg && ts.isStringLiteralLike(arg) ? arg.text : undefined;
};

/** What `call` loads when it is `import('x')`, `require('x')` or `<anything>.resolve('x')` with a literal. */
function loadedBy(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  const loads =
    callee.kind === ts.SyntaxKind.ImportKeyword ||
    (ts.isIdentifier(callee) && callee.text === 'require') ||
    (ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve' && call.arguments.length === 1);
  return loads ? stringArg(call) : undefined;
}

function bindingNames(clause: ts.ImportClause | undefined): string[] {
  if (!clause) return [];
  const names = clause.name ? ['default'] : [];
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push('*');
  if (bindings && ts.isNamedImports(bindings))
    names.push(...bindings.elements.filter((e) => !e.isTypeOnly).map((e) => (e.propertyName ?? e.name).text));
  return names;
}

/** `import type { A }`, or `import { type A, type B }`: nothing is loaded at run time. */
function isTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    !clause.name &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/** The modules one file loads, parsed with the TypeScript compiler (strings and comments are not imports). */
export function importsOf(file: string, text: string): SourceImport[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: SourceImport[] = [];
  const add = (node: ts.Node, specifier: string, names: string[], typeOnly: boolean): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    out.push({ file, line, specifier, names, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      add(node, node.moduleSpecifier.text, bindingNames(clause), isTypeOnly(clause));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node, node.moduleSpecifier.text, ['*'], node.isTypeOnly);
    } else if (ts.isCallExpression(node)) {
      const specifier = loadedBy(node);
      if (specifier !== undefined) add(node, specifier, ['*'], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every import of every source file under `root`. */
export function importsUnder(root: string): SourceImport[] {
  return sourceFiles(root).flatMap((file) => importsOf(file, readFileSync(join(root, file), 'utf8')));
}

const BUILTINS = new Set(builtinModules);

/**
 * The npm package a specifier names (`@scope/name` or `name`, without a subpath), or undefined for a
 * relative path, an absolute path, a URL or a Node built-in.
 */
export function packageOf(specifier: string): string | undefined {
  if (/^(\.|\/|[a-z]+:)/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return name && !BUILTINS.has(name) ? name : undefined;
}

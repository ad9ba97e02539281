import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles, type SourceImport } from '../core/testing/source-imports.ts';

/**
 * Checks never start or stop anything (validators/context.ts): servers, containers, processes and
 * faults are the orchestration's, handed in through the ValidationContext (`probeTarget`, `fleet`,
 * `drills.traffic`, `registerScrapeTargets`). This scan of the validators' sources keeps it so.
 */

/** Modules whose every value import starts something: processes, containers, workers. */
const STARTS_ANYTHING = [
  'node:child_process',
  'testcontainers',
  'execa',
  'zx',
  'node:cluster',
  'node:worker_threads',
];
/** Modules that only start something through these names (a client `Agent` or a type is fine). */
const SERVER_FACTORIES: Record<string, string[]> = {
  'node:http': ['createServer', 'Server', 'default', '*'],
  'node:https': ['createServer', 'Server', 'default', '*'],
  'node:http2': ['createServer', 'createSecureServer', 'default', '*'],
  'node:net': ['createServer', 'Server', 'default', '*'],
  'node:dgram': ['createSocket', 'default', '*'],
};

/**
 * The one allowed exception: the offline alert checks run promtool and amtool, pure tools that read
 * files and exit on their own (nothing listens, nothing is left running), under a deadline.
 */
const ALLOWED: { file: string; specifier: string; names: string[]; why: string }[] = [
  {
    file: 'validators/alert-rules-offline/tools.ts',
    specifier: 'node:child_process',
    names: ['execFile'],
    why: 'promtool and amtool: offline tools that exit on their own, not servers',
  },
];

const normalize = (specifier: string): string =>
  /^(child_process|cluster|worker_threads|http|https|http2|net|dgram)$/.test(specifier)
    ? `node:${specifier}`
    : specifier;

const allowedBy = (i: SourceImport, names: string[]) =>
  ALLOWED.find(
    (a) =>
      a.file === i.file && a.specifier === normalize(i.specifier) && names.every((n) => a.names.includes(n)),
  );

/** The names of `i` that can start something (none when it is type-only), before the exceptions. */
function startingNames(i: SourceImport): string[] {
  if (i.typeOnly) return [];
  const specifier = normalize(i.specifier);
  const pkg = specifier.startsWith('@') ? specifier : (specifier.split('/')[0] ?? specifier);
  if (STARTS_ANYTHING.includes(specifier) || STARTS_ANYTHING.includes(pkg))
    return i.names.length ? i.names : ['(side-effect import)'];
  const factories = SERVER_FACTORIES[specifier];
  return factories ? i.names.filter((n) => factories.includes(n)) : [];
}

/** One line per import of a validator that could start or stop something, and is not an allowed exception. */
function startingImports(imports: SourceImport[]): string[] {
  return imports.flatMap((i) => {
    const names = startingNames(i);
    return names.length && !allowedBy(i, names)
      ? [`${i.file}:${i.line} imports ${names.join(', ')} from ${i.specifier}`]
      : [];
  });
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const isCheckSource = (file: string) =>
  file.startsWith('validators/') && !file.endsWith('.test.ts') && !file.startsWith('validators/testing/');

const VALIDATOR_IMPORTS = sourceFiles(ROOT, 'validators')
  .filter(isCheckSource)
  .flatMap((file) => importsOf(file, readFileSync(`${ROOT}/${file}`, 'utf8')));

describe('validators start and stop nothing', () => {
  it('no check source imports a server factory, a process or container launcher', () => {
    expect(startingImports(VALIDATOR_IMPORTS)).toEqual([]);
  });

  it('every allowed exception is still in use (the list never goes stale)', () => {
    const unused = ALLOWED.filter(
      (a) => !VALIDATOR_IMPORTS.some((i) => i.file === a.file && normalize(i.specifier) === a.specifier),
    );
    expect(unused).toEqual([]);
  });

  it('would catch a listener, a spawn, a container and a dynamic import, and lets types and clients through', () => {
    const scan = (file: string, text: string) => startingImports(importsOf(file, text));
    expect(scan('validators/x.ts', "import { createServer } from 'node:http';")).toEqual([
      'validators/x.ts:1 imports createServer from node:http',
    ]);
    expect(scan('validators/x.ts', "import * as net from 'net';")).toEqual([
      'validators/x.ts:1 imports * from net',
    ]);
    expect(scan('validators/x.ts', "import { spawn } from 'child_process';")).toEqual([
      'validators/x.ts:1 imports spawn from child_process',
    ]);
    expect(scan('validators/x.ts', "\nconst { GenericContainer } = await import('testcontainers');")).toEqual(
      ['validators/x.ts:2 imports * from testcontainers'],
    );
    // The exception covers execFile in its own file only, not a spawn beside it.
    expect(
      scan(
        'validators/alert-rules-offline/tools.ts',
        "import { execFile, spawn } from 'node:child_process';",
      ),
    ).toEqual(['validators/alert-rules-offline/tools.ts:1 imports execFile, spawn from node:child_process']);
    expect(
      scan('validators/alert-rules-offline/tools.ts', "import { execFile } from 'node:child_process';"),
    ).toEqual([]);
    expect(
      scan(
        'validators/x.ts',
        "import type { Server } from 'node:http';\nimport { Agent, type Server as S } from 'node:http';\n// createServer from 'node:http'",
      ),
    ).toEqual([]);
  });
});

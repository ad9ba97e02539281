import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPORTER_NAMES, parseConfig, type HarnessConfig } from '../core/index.ts';
import { ReporterMultiplexer } from './multiplexer.ts';
import { resolveOutputFile } from './output-file.ts';
import { REPORTER_FACTORIES, createReporters, type ReporterEntry } from './registry.ts';
import { sampleRunReport } from './testing/sample-report.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'phx-reporters-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sink(): { write: (text: string) => boolean; text: () => string } {
  let text = '';
  return { write: (t) => ((text += t), true), text: () => text };
}

describe('createReporters', () => {
  it('has one factory per configured reporter name', () => {
    expect(Object.keys(REPORTER_FACTORIES).sort()).toEqual(['console', 'github', 'html', 'json', 'junit']);
    expect(Object.keys(REPORTER_FACTORIES).sort()).toEqual([...REPORTER_NAMES].sort());
  });

  it('builds names and [name, options] entries, numbering repeats', () => {
    const entries: ReporterEntry[] = ['console', ['json', { outputFile: 'a.json' }], 'json'];
    const reporters = createReporters(entries, { outDir: tempDir(), env: {}, stdout: sink() });
    expect(reporters.map((r) => r.name)).toEqual(['console', 'json', 'json#2']);
  });

  it('accepts the config schema entries as they are', () => {
    const fromConfig: HarnessConfig['reporters'] = parseConfig({
      reporters: [['junit', { informational: 'failure' }]],
    }).reporters;
    expect(createReporters(fromConfig, { outDir: tempDir(), env: {} })).toHaveLength(1);
  });

  it('rejects an unknown name and bad options before the run, naming the entry and field', () => {
    expect(() => createReporters(['xml' as 'json'], { outDir: '.' })).toThrow(
      /reporters\[0\]: unknown reporter "xml"/,
    );
    expect(() => createReporters(['console', ['junit', { outputFile: 3 }]], { outDir: '.' })).toThrow(
      /reporters\[1\] \(junit\): invalid options: outputFile: /,
    );
    expect(() => createReporters([['html', { outFile: 'x' }]], { outDir: '.' })).toThrow(
      /unknown field\(s\) outFile/,
    );
  });
});

describe('resolveOutputFile', () => {
  it('takes the environment variable first, then the option, then <outDir>/<default name>', () => {
    const base = { outDir: 'out/run-1' };
    expect(
      resolveOutputFile('html', { ...base, outputFile: 'x.html', env: { PHX_REPORT_HTML: 'env.html' } }),
    ).toBe(resolve('env.html'));
    expect(resolveOutputFile('json', { ...base, outputFile: 'x.json', env: {} })).toBe(resolve('x.json'));
    expect(resolveOutputFile('junit', { ...base, env: { PHX_REPORT_JUNIT: '' } })).toBe(
      resolve('out/run-1/junit.xml'),
    );
    expect(resolveOutputFile('json', { ...base, env: {} })).toBe(resolve('out/run-1/report.json'));
    expect(resolveOutputFile('html', { ...base, env: {} })).toBe(resolve('out/run-1/report.html'));
  });

  it('is what the file reporters write to', async () => {
    const outDir = tempDir();
    const envFile = join(tempDir(), 'from-env.xml');
    const reporters = createReporters(
      ['html', ['json', { outputFile: join(outDir, 'custom.json') }], 'junit'],
      {
        outDir,
        env: { PHX_REPORT_JUNIT: envFile },
      },
    );
    const outcome = await new ReporterMultiplexer(reporters).onRunEnd(sampleRunReport());
    expect(outcome.failures).toEqual([]);
    expect(outcome.files).toEqual([join(outDir, 'report.html'), join(outDir, 'custom.json'), envFile]);
    expect(outcome.files.every((f) => existsSync(f))).toBe(true);
  });
});

describe('default reporters', () => {
  it('writes every default reporter output for a full run', async () => {
    const outDir = tempDir();
    const stdout = sink();
    const reporters = createReporters(['console', 'html', 'json', 'junit', 'github'], {
      outDir,
      env: {},
      stdout,
    });
    const outcome = await new ReporterMultiplexer(reporters).onRunEnd(sampleRunReport());
    expect(outcome.failures).toEqual([]);
    expect(outcome.files.map((f) => f.slice(outDir.length + 1))).toEqual([
      'report.html',
      'report.json',
      'junit.xml',
      'summary.md',
    ]);
    expect(stdout.text()).toContain('phase 2 gate: FAILS (1 waived) (3 of 25 required checks failed)');
    expect(readFileSync(join(outDir, 'summary.md'), 'utf8')).toContain('Phoenix observability: FAIL');
  });
});

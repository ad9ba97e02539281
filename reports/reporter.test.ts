import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type CheckResult, type HarnessConfig } from '../core/index.ts';
import { resolveOutputFile } from './output-file.ts';
import {
  REPORTERS,
  ReporterMultiplexer,
  createReporters,
  describeReporterFailures,
  type NamedReporter,
  type Reporter,
  type ReporterEntry,
} from './reporter.ts';
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
    expect(Object.keys(REPORTERS).sort()).toEqual(['console', 'github', 'html', 'json', 'junit']);
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

describe('ReporterMultiplexer', () => {
  const check = sampleRunReport().checks[0] as CheckResult;

  function recording(name: string, log: string[], extra: Reporter = {}): NamedReporter {
    return {
      name,
      reporter: {
        onRunStart: (info) => void log.push(`${name}.start ${info.runId}`),
        onCheck: (result) => void log.push(`${name}.check ${result.id}`),
        onRunEnd: async () => {
          log.push(`${name}.end`);
          return { files: [`${name}.out`] };
        },
        ...extra,
      },
    };
  }

  it('calls every hook on every reporter in order, and collects their files', async () => {
    const log: string[] = [];
    const mux = new ReporterMultiplexer([
      recording('a', log),
      recording('b', log),
      { name: 'empty', reporter: {} },
    ]);
    expect(await mux.onRunStart({ runId: 'r1', phase: 2, startedAt: '2026-01-01T00:00:00Z' })).toEqual([]);
    expect(await mux.onCheck(check)).toEqual([]);
    const outcome = await mux.onRunEnd(sampleRunReport());
    expect(log).toEqual([
      'a.start r1',
      'b.start r1',
      `a.check ${check.id}`,
      `b.check ${check.id}`,
      'a.end',
      'b.end',
    ]);
    expect(outcome).toEqual({ files: ['a.out', 'b.out'], failures: [] });
  });

  it("isolates a reporter's throw, rejection or hang: the others still run, the errors come back as data", async () => {
    const log: string[] = [];
    const mux = new ReporterMultiplexer(
      [
        recording('throws', log, {
          onCheck: () => {
            throw new Error('boom');
          },
          onRunEnd: () => {
            throw new TypeError('cannot read x');
          },
        }),
        recording('rejects', log, { onRunEnd: () => Promise.reject(new Error('EACCES: permission denied')) }),
        recording('hangs', log, { onRunEnd: () => new Promise(() => undefined) }),
        recording('fine', log),
      ],
      { hookTimeoutMs: 50 },
    );
    const checkFailures = await mux.onCheck(check);
    expect(checkFailures.map((f) => [f.reporter, f.hook, f.message])).toEqual([
      ['throws', 'onCheck', 'boom'],
    ]);
    const outcome = await mux.onRunEnd(sampleRunReport());
    expect(outcome.files).toEqual(['fine.out']);
    expect(outcome.failures.map((f) => [f.reporter, f.message])).toEqual([
      ['throws', 'cannot read x'],
      ['rejects', 'EACCES: permission denied'],
      ['hangs', 'hangs.onRunEnd did not finish within 50ms'],
    ]);
    expect(log).toContain('fine.end');
    expect(mux.failures).toHaveLength(4);
    expect(describeReporterFailures(outcome.failures).split('\n')[0]).toBe(
      'reporter throws failed in onRunEnd: cannot read x',
    );
  });

  it('gives each reporter its own copy of the report', async () => {
    const seen: number[] = [];
    const mutate: Reporter = {
      onRunEnd: async (report) => {
        report.checks.length = 0;
      },
    };
    const observe: Reporter = {
      onRunEnd: async (report) => {
        seen.push(report.checks.length);
      },
    };
    const report = sampleRunReport();
    await new ReporterMultiplexer([
      { name: 'mutate', reporter: mutate },
      { name: 'observe', reporter: observe },
    ]).onRunEnd(report);
    expect(seen).toEqual([report.checks.length]);
  });

  it('passes evidence that cannot be copied as it is, rather than failing every reporter', async () => {
    const seen: unknown[] = [];
    const mux = new ReporterMultiplexer([
      { name: 'r', reporter: { onCheck: (c) => void seen.push(c.evidence['probe']) } },
    ]);
    const probe = (): number => 1;
    expect(await mux.onCheck({ ...check, evidence: { probe } })).toEqual([]);
    expect(seen).toEqual([probe]);
  });

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

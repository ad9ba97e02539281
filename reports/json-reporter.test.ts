import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../core/index.ts';
import { jsonReporter, readRunReport } from './json-reporter.ts';
import { REDACTED } from './model.ts';
import { sampleRunReport } from './testing/sample-report.ts';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const context = (outDir: string) => ({ outDir, env: {}, stdout: { write: () => true } });

function writeJson(value: unknown): string {
  const path = join(tempDir('phx-json-'), 'report.json');
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

function errorOf(fn: () => unknown): HarnessError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HarnessError) return error;
    throw error;
  }
  throw new Error('expected a HarnessError');
}

describe('json reporter', () => {
  it('writes the validated report, which reads back equal (secrets redacted)', async () => {
    const outDir = tempDir('phx-json-');
    const report = sampleRunReport({
      config: { stack: { external: { headers: { loki: { Authorization: 'Bearer t0k3n' } } } } },
    });
    const output = await jsonReporter(undefined, context(outDir)).onRunEnd?.(report);
    const path = join(outDir, 'report.json');
    expect(output).toEqual({ files: [path] });
    expect(readFileSync(path, 'utf8')).not.toContain('t0k3n');
    const back = readRunReport(path);
    expect(back).toEqual({
      ...report,
      config: { stack: { external: { headers: { loki: { Authorization: REDACTED } } } } },
    });
  });

  it('refuses to write an invalid report (the multiplexer reports it as that reporter failing)', async () => {
    const outDir = tempDir('phx-json-');
    const bad = { ...sampleRunReport(), runId: '' };
    await expect(jsonReporter({}, context(outDir)).onRunEnd?.(bad)).rejects.toThrow(/runId: /);
  });
});

describe('readRunReport', () => {
  it('names the file when it is missing or not JSON', () => {
    const missing = errorOf(() => readRunReport('/nonexistent/report.json'));
    expect(missing.message).toBe('run report not found: /nonexistent/report.json');
    expect(missing.hint).toMatch(/report\.json of an earlier run/);
    const path = writeJson('{"schemaVersion": 1,');
    expect(errorOf(() => readRunReport(path)).message).toMatch(new RegExp(`^${path} is not JSON: `));
  });

  it('says a newer schema needs a newer harness, and a file without a version is not a report', () => {
    const newer = writeJson({ ...sampleRunReport(), schemaVersion: 7 });
    const error = errorOf(() => readRunReport(newer));
    expect(error.message).toBe(`${newer} has schemaVersion 7, newer than this harness reads (2)`);
    expect(error.where).toBe(newer);
    const results = writeJson({ runId: 'x', results: [] });
    expect(errorOf(() => readRunReport(results)).message).toBe(
      `${results} is not a run report: schemaVersion is missing`,
    );
    expect(errorOf(() => readRunReport(writeJson([]))).message).toMatch(/expected a JSON object/);
  });

  it('lists each bad field by its path', () => {
    const report = sampleRunReport();
    const path = writeJson({
      ...report,
      verdict: 'maybe',
      checks: [report.checks[0], { ...report.checks[1], required: 'yes' }],
      latency: { ...report.latency, p95Ms: -1 },
    });
    const message = errorOf(() => readRunReport(path)).message;
    expect(message.split('\n')[0]).toBe(`${path} is not a valid run report (schemaVersion 2):`);
    expect(message).toMatch(/\n {2}- verdict: /);
    expect(message).toMatch(/\n {2}- checks\.1\.required: /);
    expect(message).toMatch(/\n {2}- latency\.p95Ms: /);
  });
});

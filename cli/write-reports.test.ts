import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleRunReport } from '../reports/testing/sample-report.ts';
import { writeReports } from './write-reports.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes the other reports when one cannot be written, and names the file it could not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-write-reports-'));
    dirs.push(dir);
    // A regular file where the JSON report's folder should be: its write fails (EEXIST on mkdir).
    writeFileSync(join(dir, 'blocker'), 'not a folder');
    const jsonPath = join(dir, 'blocker', 'report.json');
    let stdout = '';
    const outcome = await writeReports(sampleRunReport(), ['json', 'html', 'junit', 'console'], dir, {
      env: { PHX_REPORT_JSON: jsonPath },
      stdout: { write: (text: string) => (stdout += text) },
    });
    expect(outcome.files).toEqual([join(dir, 'report.html'), join(dir, 'junit.xml')]);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    expect(existsSync(join(dir, 'junit.xml'))).toBe(true);
    expect(stdout).toContain('gate');
    expect(outcome.problems).toHaveLength(1);
    expect(outcome.problems[0]).toMatch(
      new RegExp(`^reporter json failed in onRunEnd \\(${jsonPath} not written\\): EEXIST`),
    );
  });

  it('reports nothing when every reporter wrote its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-write-reports-'));
    dirs.push(dir);
    const outcome = await writeReports(sampleRunReport(), ['json'], dir, { env: {} });
    expect(outcome).toEqual({ files: [join(dir, 'report.json')], problems: [] });
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { githubReporter, markdownCodeBlock, markdownText, renderGithubSummary } from './github-reporter.ts';
import type { ReportedCheck } from './model.ts';
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

const stdout = { write: () => true };

describe('renderGithubSummary', () => {
  const report = sampleRunReport();
  const markdown = renderGithubSummary(report);

  it('opens with the verdict and the gate', () => {
    const [title, , gate] = markdown.split('\n');
    expect(title).toBe('## ❌ Phoenix observability: FAIL');
    expect(gate).toBe('**phase 2 gate: FAILS \\(1 waived\\) \\(3 of 25 required checks failed\\)**');
  });

  it('lists each failure with expected, observed and evidence, required ones first', () => {
    expect(markdown).toContain('### Failures (4)');
    const headings = markdown.split('\n').filter((l) => l.startsWith('#### '));
    expect(headings).toEqual([
      '#### ❌ FAIL traces.propagation: Every hop propagates traceparent: one root, every parent inside the trace',
      '#### ❌ FAIL metrics.accounting: Requests counted equal requests the ledger sent, by flow and status',
      "#### ⚠️ ERROR logs.completeness: Every request's log lines are in Loki, from every service on its path",
      '#### ❌ FAIL dashboards.panels.data: Every required panel query returns data for the run window (informational)',
    ]);
    expect(markdown).toContain(
      '| one root span per trace; every parent span inside the trace | 412 of 1,190 plan\\_and\\_execute traces have 2 roots |',
    );
    expect(markdown).toContain('    - 4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('has the accounting table, with the differences from sent', () => {
    const pe = report.accounting[0];
    expect(markdown).toContain('| flow | sent | traced | logged | counted |');
    expect(markdown).toContain(
      `| plan\\_and\\_execute | ${pe?.sent} | **${pe?.traced}** (-2) | ${pe?.logged} | **${pe?.counted}** (+${pe?.sent}) |`,
    );
  });

  it('keeps outside text from becoming markup or breaking tables and code blocks', () => {
    expect(markdownText('a | b <img src=x onerror=alert(1)> [x](javascript:alert(1)) *y*\n`z`')).toBe(
      'a \\| b &lt;img src=x onerror=alert\\(1\\)&gt; \\[x\\]\\(javascript:alert\\(1\\)\\) \\*y\\* \\`z\\`',
    );
    expect(markdownCodeBlock('x\n```\ny')).toBe('````\nx\n```\ny\n````');
    const hostile: ReportedCheck = {
      ...(report.checks[5] as ReportedCheck),
      message: '<script>alert(1)</script>',
      evidence: { line: '```\n<details open>' },
    };
    const md = renderGithubSummary({ ...report, checks: [hostile] });
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;alert\\(1\\)&lt;/script&gt;');
    expect(md).toContain('````\n  line: ```\n<details open>\n````');
  });
});

describe('github reporter', () => {
  it('appends to $GITHUB_STEP_SUMMARY when set', async () => {
    const dir = tempDir('phx-gh-');
    const summary = join(dir, 'step_summary');
    writeFileSync(summary, '# earlier step\n');
    const output = await githubReporter(undefined, {
      outDir: dir,
      env: { GITHUB_STEP_SUMMARY: summary },
      stdout,
    }).onRunEnd?.(sampleRunReport());
    expect(output).toEqual({ files: [summary] });
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n## ❌ Phoenix observability: FAIL')).toBe(true);
  });

  it('else writes <outDir>/summary.md (replacing an old one)', async () => {
    const dir = tempDir('phx-gh-');
    writeFileSync(join(dir, 'summary.md'), 'old');
    const output = await githubReporter({}, { outDir: dir, env: {}, stdout }).onRunEnd?.(sampleRunReport());
    expect(output).toEqual({ files: [join(dir, 'summary.md')] });
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/^## ❌ Phoenix observability: FAIL/);
  });
});

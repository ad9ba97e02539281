import { describe, expect, it } from 'vitest';
import {
  NON_TTY_WIDTH,
  consoleReporter,
  formatConsoleSummary,
  terminalSafe,
  useColor,
} from './console-reporter.ts';
import { gateLine } from './gate-text.ts';
import type { ReportedCheck } from './model.ts';
import { sampleRunReport } from './testing/sample-report.ts';

const ESC = '\u001b';

function capture(stream: { isTTY?: boolean; columns?: number }) {
  let text = '';
  return { ...stream, write: (t: string) => ((text += t), true), text: () => text };
}

describe('gateLine', () => {
  it('says whether the gate holds and how many required checks failed', () => {
    const report = sampleRunReport();
    expect(gateLine(report)).toBe('phase 2 gate: FAILS (1 waived) (3 of 25 required checks failed)');
    const gate = {
      phase: 1,
      required: ['a', 'b'],
      failedRequired: [],
      skippedRequired: [],
      waived: [],
      waiverWarnings: [],
    };
    expect(gateLine({ gate })).toBe('phase 1 gate: HOLDS (0 of 2 required checks failed)');
  });

  it('never says a bare HOLDS when checks were waived, and names required checks skipped without a waiver', () => {
    const waived = [
      { id: 'a', reason: 'r' },
      { id: 'b', reason: 'r' },
      { id: 'c', reason: 'r' },
    ];
    const base = { phase: 2, required: ['a', 'b', 'c', 'd'], failedRequired: [], waiverWarnings: [] };
    expect(gateLine({ gate: { ...base, skippedRequired: [], waived } })).toBe(
      'phase 2 gate: HOLDS (3 waived) (0 of 4 required checks failed)',
    );
    expect(gateLine({ gate: { ...base, skippedRequired: ['c', 'd'], waived: [] } })).toBe(
      'phase 2 gate: FAILS (0 of 4 required checks failed; 2 skipped without a waiver: c, d)',
    );
  });
});

describe('formatConsoleSummary', () => {
  const report = sampleRunReport();

  it('lists every check, problems last, then the counts and the verdict line', () => {
    const lines = formatConsoleSummary(report, { width: 160, color: false }).trimEnd().split('\n');
    expect(lines).toHaveLength(report.checks.length + 4);
    expect(lines[lines.length - 1]).toBe('phase 2 gate: FAILS (1 waived) (3 of 25 required checks failed)');
    expect(lines[lines.length - 2]).toBe('waived baseline.p95: first run: no baseline yet');
    expect(lines[lines.length - 3]).toBe('27 checks: 21 pass, 3 fail, 1 error, 2 skip');
    expect(lines[0]).toMatch(/^PASS {2}pipeline\.probe\.traces +A probe span reaches Jaeger/);
    const problems = lines.slice(report.checks.length - 4, report.checks.length);
    expect(problems.map((l) => l.slice(0, 4))).toEqual(['ERR ', 'FAIL', 'FAIL', 'FAIL']);
    expect(lines.find((l) => l.includes('dashboards.panels.data'))).toMatch(
      / \(info\) panel "Circuit breaker state"/,
    );
    expect(lines.every((l) => l.length <= 160)).toBe(true);
    expect(lines.join('\n')).not.toContain(ESC);
  });

  it('cuts lines to the terminal width with an ellipsis', () => {
    const lines = formatConsoleSummary(report, { width: 60, color: false }).split('\n');
    expect(lines.every((l) => [...l].length <= 60)).toBe(true);
    expect(lines.find((l) => l.includes('traces.propagation'))).toMatch(/…$/);
  });

  it('shows only the problems when asked', () => {
    const text = formatConsoleSummary(report, { width: 160, color: false, show: 'problems' });
    expect(text).not.toMatch(/^PASS/m);
    expect(text).toMatch(/^FAIL {2}traces\.propagation/m);
  });

  it('colours by status when asked', () => {
    const text = formatConsoleSummary(report, { width: 160, color: true });
    expect(text).toContain(`${ESC}[31mFAIL${ESC}[0m`);
    expect(text).toContain(`${ESC}[32mPASS${ESC}[0m`);
    expect(text).toContain(`${ESC}[1;31mphase 2 gate: FAILS`);
  });

  it('keeps escape sequences and newlines from outside text out of the terminal', () => {
    const check: ReportedCheck = {
      ...(report.checks[5] as ReportedCheck),
      message: `line one\n${ESC}[2J${ESC}]0;pwned\u0007 \u202Eevil\tend`,
    };
    const text = formatConsoleSummary({ ...report, checks: [check] }, { width: 160, color: false });
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\u202E');
    expect(text.split('\n')[0]).toMatch(/line one \[2J\]0;pwned evil end$/);
    expect(terminalSafe(' a\r\n\tb ')).toBe('a b');
  });
});

describe('console reporter', () => {
  it('colours only a TTY without NO_COLOR', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });

  it('uses the terminal width on a TTY, else 160 columns', async () => {
    const report = sampleRunReport();
    const tty = capture({ isTTY: true, columns: 70 });
    await consoleReporter(undefined, { outDir: '.', env: { NO_COLOR: '1' }, stdout: tty }).onRunEnd?.(report);
    expect(
      tty
        .text()
        .split('\n')
        .every((l) => [...l].length <= 70),
    ).toBe(true);
    expect(tty.text()).not.toContain(ESC);

    const pipe = capture({ columns: 70 });
    await consoleReporter({ show: 'all' }, { outDir: '.', env: {}, stdout: pipe }).onRunEnd?.(report);
    const widest = Math.max(
      ...pipe
        .text()
        .split('\n')
        .map((l) => [...l].length),
    );
    expect(widest).toBeGreaterThan(70);
    expect(widest).toBeLessThanOrEqual(NON_TTY_WIDTH);
  });
});

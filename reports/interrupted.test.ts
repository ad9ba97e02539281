import { describe, expect, it } from 'vitest';
import { formatConsoleSummary } from './console-reporter.ts';
import { renderGithubSummary } from './github-reporter.ts';
import { renderHtmlReport } from './html-reporter.ts';
import { parseRunReport, serializeRunReport } from './json-reporter.ts';
import { renderJunitXml } from './junit-reporter.ts';
import type { RunReport } from './model.ts';
import { sampleRunReport } from './testing/sample-report.ts';

const STAGE = 'running the smoke scenario (in-process engine)';

/** A run stopped by Ctrl-C during the load, whose few finished checks all passed. */
function interruptedReport(): RunReport {
  const passing = sampleRunReport().checks.filter((c) => c.status === 'pass');
  return sampleRunReport({
    verdict: 'error',
    checks: passing,
    gate: {
      phase: 2,
      required: passing.filter((c) => c.required).map((c) => c.id),
      failedRequired: [],
      skippedRequired: [],
      waived: [],
      waiverWarnings: [],
    },
    interrupted: {
      reason: 'SIGINT',
      stage: STAGE,
      message: `run interrupted during "${STAGE}": SIGINT received`,
    },
  });
}

const LINE = `run interrupted by SIGINT (Ctrl-C) during "${STAGE}": partial results, the gate is not judged`;

describe('an interrupted run in every output', () => {
  it('console: says where it stopped, and the gate is not judged (never HOLDS)', () => {
    const text = formatConsoleSummary(interruptedReport(), { width: 400, color: false });
    expect(text).toContain(LINE);
    expect(text).toContain('phase 2 gate: NOT JUDGED');
    expect(text).not.toContain('HOLDS');
  });

  it('HTML: the verdict says INTERRUPTED and the stage', () => {
    const page = renderHtmlReport(interruptedReport());
    expect(page).toContain('>INTERRUPTED</span');
    expect(page).toContain('The run was interrupted (SIGINT)');
    expect(page).toContain('NOT JUDGED');
    expect(page).not.toMatch(/gate holds/i);
  });

  it('JSON: keeps the interruption through a write and a read', () => {
    const back = parseRunReport(JSON.parse(serializeRunReport(interruptedReport())), 'report.json');
    expect(back.interrupted).toEqual(interruptedReport().interrupted);
    expect(back.verdict).toBe('error');
  });

  it('JUnit: an errored "run" test case naming the stage', () => {
    const xml = renderJunitXml(interruptedReport());
    expect(xml).toContain('<testsuite name="run"');
    expect(xml).toContain('type="RunInterrupted"');
    expect(xml).toContain(`during &quot;${STAGE}&quot;`);
  });

  it('GitHub summary: a warning line with the stage', () => {
    const md = renderGithubSummary(interruptedReport());
    expect(md).toContain('⚠️ Phoenix observability: ERROR');
    expect(md).toContain('NOT JUDGED');
    // Markdown escapes the parentheses.
    expect(md).toContain('during "running the smoke scenario \\(in-process engine\\)"');
  });
});

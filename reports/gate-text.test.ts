import { describe, expect, it } from 'vitest';
import { formatConsoleSummary } from './console-reporter.ts';
import { gateLine, waiverLines } from './gate-text.ts';
import { renderGithubSummary } from './github-reporter.ts';
import { renderHtmlReport } from './html-reporter.ts';
import { renderJunitXml } from './junit-reporter.ts';
import { parseRunReport } from './json-reporter.ts';
import type { ReportedCheck, RunReport } from './model.ts';
import { sampleRunReport } from './testing/sample-report.ts';

const skip = (id: string, message: string): ReportedCheck => ({
  id,
  family: 'alerts',
  title: `drill ${id}`,
  status: 'skip',
  phase: 1,
  expected: '-',
  observed: '-',
  message,
  evidence: {},
  required: true,
});
const pass: ReportedCheck = { ...skip('metrics.targets', ''), family: 'metrics', status: 'pass' };

/** A holding gate with three required checks skipped under waivers, and one waiver that matched nothing. */
function waivedReport(): RunReport {
  const checks = [
    pass,
    skip('alerts.drill.A', 'needs fault control of the fleet'),
    skip('alerts.drill.B', 'needs fault control of the fleet'),
    skip('alerts.drill.C', 'needs fault control of the fleet'),
  ];
  return sampleRunReport({
    phase: 1,
    verdict: 'pass',
    checks,
    gate: {
      phase: 1,
      required: checks.map((c) => c.id),
      failedRequired: [],
      skippedRequired: [],
      waived: [
        { id: 'alerts.drill.A', reason: 'no such fault on staging' },
        { id: 'alerts.drill.B', reason: 'no fleet on staging' },
        { id: 'alerts.drill.C', reason: 'no fleet on staging' },
      ],
      waiverWarnings: ['waiver for alerts.drill.Typo matched no check'],
    },
  });
}

describe('the gate line, one text for every reporter', () => {
  const report = waivedReport();
  const line = 'phase 1 gate: HOLDS (3 waived) (0 of 4 required checks failed)';

  it('is the same in the console, GitHub summary, JUnit and HTML outputs, never a bare HOLDS', () => {
    expect(gateLine(report)).toBe(line);
    const console = formatConsoleSummary(report, { width: 200, color: false });
    expect(console.trimEnd().split('\n').at(-1)).toBe(line);
    expect(renderGithubSummary(report)).toContain(
      '**phase 1 gate: HOLDS \\(3 waived\\) \\(0 of 4 required checks failed\\)**',
    );
    expect(renderJunitXml(report)).toContain(`<property name="gate" value="${line}"/>`);
    const html = renderHtmlReport(report).replace(/\s+/g, ' ');
    expect(html).toContain('<h1>Phase 1 gate holds (3 waived)</h1>');
    for (const text of [console, renderGithubSummary(report).replace(/\\/g, ''), html])
      expect(text).not.toMatch(/HOLDS(?! \(3 waived\))|gate holds(?! \(3 waived\))/);
  });

  it('lists each waived check with its reason, and the waiver that matched no check, in every output', () => {
    expect(waiverLines(report)).toEqual([
      'waived alerts.drill.A: no such fault on staging',
      'waived alerts.drill.B: no fleet on staging',
      'waived alerts.drill.C: no fleet on staging',
      'warning: waiver for alerts.drill.Typo matched no check',
    ]);
    const console = formatConsoleSummary(report, { width: 200, color: false });
    for (const l of waiverLines(report)) expect(console).toContain(l);
    const github = renderGithubSummary(report);
    expect(github).toContain('### Waived (3): skipped, accepted by harness.config.ts');
    expect(github).toContain('- alerts.drill.A: no such fault on staging');
    expect(github).toContain('> ⚠️ waiver for alerts.drill.Typo matched no check');
    const junit = renderJunitXml(report);
    expect(junit).toContain('skipped, waived (no such fault on staging): needs fault control of the fleet');
    expect(junit).toContain(
      '<property name="waiverWarning" value="waiver for alerts.drill.Typo matched no check"/>',
    );
    const html = renderHtmlReport(report).replace(/\s+/g, ' ');
    expect(html).toContain('<td class="check-id">alerts.drill.A</td> <td>no such fault on staging</td>');
    expect(html).toContain('⚠ waiver for alerts.drill.Typo matched no check');
  });

  it('names a required check skipped without a waiver as what fails the gate', () => {
    const checks = [pass, skip('alerts.drill.A', 'needs fault control of the fleet')];
    const failing = sampleRunReport({
      phase: 1,
      verdict: 'fail',
      checks,
      gate: {
        phase: 1,
        required: checks.map((c) => c.id),
        failedRequired: [],
        skippedRequired: ['alerts.drill.A'],
        waived: [],
        waiverWarnings: [],
      },
    });
    const failLine =
      'phase 1 gate: FAILS (0 of 2 required checks failed; 1 skipped without a waiver: alerts.drill.A)';
    expect(formatConsoleSummary(failing, { width: 200, color: false }).trimEnd().split('\n').at(-1)).toBe(
      failLine,
    );
    expect(renderJunitXml(failing)).toContain(
      'message="required check skipped without a waiver: needs fault control of the fleet"',
    );
    const html = renderHtmlReport(failing).replace(/\s+/g, ' ');
    expect(html).toContain('<h1>Phase 1 gate fails</h1>');
    expect(html).toContain(failLine);
    expect(html).toContain('id="check-alerts.drill.A"');
  });
});

describe('reading an older report', () => {
  it('reads a schema v1 report (no waivers, no examined counts) as the current version', () => {
    const current = sampleRunReport();
    const { skippedRequired, waived, waiverWarnings, ...v1Gate } = current.gate;
    void skippedRequired;
    void waived;
    void waiverWarnings;
    const read = parseRunReport({ ...current, schemaVersion: 1, gate: v1Gate }, 'old.json');
    expect(read.schemaVersion).toBe(2);
    expect(read.gate).toMatchObject({ skippedRequired: [], waived: [], waiverWarnings: [] });
  });
});

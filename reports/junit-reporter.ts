import junitReportBuilder from 'junit-report-builder';
import type { Builder } from 'junit-report-builder';
import { z } from 'zod';
import { CHECK_FAMILIES } from '../core/index.ts';
import { formatEvidenceText } from './evidence-text.ts';
import { gateLine } from './gate-text.ts';
import { interruptedLine } from './interrupted-text.ts';
import type { ReportedCheck, RunReport } from './model.ts';
import { resolveOutputFile, writeFileAtomic } from './output-file.ts';
import { parseReporterOptions } from './reporter-options.ts';
import type { Reporter, ReporterContext } from './reporter-contract.ts';

export const junitReporterOptionsSchema = z.strictObject({
  outputFile: z.string().min(1).optional(),
  /**
   * How a failing check the gate does not require (a later phase's) is written: as `skipped`
   * (default: CI test views stay green while the gate holds) or as a real `failure`.
   */
  informational: z.enum(['skipped', 'failure']).default('skipped'),
});
export type JunitReporterOptions = z.input<typeof junitReporterOptionsSchema>;

// The package is CommonJS (`module.exports = builder`) but its types declare a default export:
// under Node's ESM interop the default import is the builder itself.
const ROOT_BUILDER = junitReportBuilder as unknown as Builder;

/** `]]>` would end the CDATA section early (the library escapes only the first one). */
function cdataSafe(text: string): string {
  return text.replaceAll(']]>', ']] >');
}

function seconds(ms: number | undefined): number {
  return Math.round((ms ?? 0) / 10) / 100;
}

/** The failure/error body: what a person needs without opening the HTML report. */
function checkBody(check: ReportedCheck): string {
  const lines = [`expected: ${check.expected}`, `observed: ${check.observed}`];
  const evidence = formatEvidenceText(check.evidence);
  if (evidence) lines.push('', 'evidence:', evidence);
  return cdataSafe(lines.join('\n'));
}

/** `2026-11-23T12:32:50` (UTC): the JUnit schema's timestamp has no zone. */
function junitTimestamp(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

/**
 * The JUnit XML of a report: a tree built with junit-report-builder, then serialized. One
 * `<testsuite>` per check family, one `<testcase>` per check (`classname` = family).
 */
export function renderJunitXml(report: RunReport, options: JunitReporterOptions = {}): string {
  const { informational } = parseReporterOptions(junitReporterOptionsSchema, options);
  const builder = ROOT_BUILDER.newBuilder().name(`phoenix-observability ${report.runId}`);
  const waivers = new Map(report.gate.waived.map((w) => [w.id, w.reason]));
  const unwaived = new Set(report.gate.skippedRequired);
  if (report.interrupted) {
    // CI test views show an interrupted run red, saying where it stopped, whatever the partial checks say.
    builder
      .testSuite()
      .name('run')
      .timestamp(junitTimestamp(report.startedAt))
      .testCase()
      .className('phoenix.run')
      .name('the run completed')
      .error(interruptedLine(report.interrupted), 'RunInterrupted', cdataSafe(report.interrupted.message));
  }
  const families = CHECK_FAMILIES.filter((f) => report.checks.some((c) => c.family === f));
  for (const family of families) {
    const checks = report.checks.filter((c) => c.family === family);
    const suite = builder
      .testSuite()
      .name(family)
      .timestamp(junitTimestamp(report.startedAt))
      .time(seconds(checks.reduce((sum, c) => sum + (c.durationMs ?? 0), 0)));
    suite
      .property('runId', report.runId)
      .property('phase', String(report.phase))
      .property('gate', gateLine(report));
    for (const warning of report.gate.waiverWarnings) suite.property('waiverWarning', warning);
    for (const check of checks) {
      const testCase = suite
        .testCase()
        .className(`phoenix.${family}`)
        .name(`${check.id}: ${check.title}`)
        .time(seconds(check.durationMs));
      const notRequired = !check.required && (check.status === 'fail' || check.status === 'error');
      if (notRequired && informational === 'skipped') {
        testCase
          .skipped()
          .standardOutput(
            cdataSafe(
              `informational: phase ${check.phase} check, not required by the phase ${report.gate.phase} gate\n` +
                `${check.status}: ${check.message}\n${checkBody(check)}`,
            ),
          );
      } else if (check.status === 'fail') {
        testCase.failure(check.message, 'CheckFailed').stacktrace(checkBody(check));
      } else if (check.status === 'error') {
        testCase.error(check.message, 'CheckError', checkBody(check));
      } else if (check.status === 'skip' && unwaived.has(check.id)) {
        // A required check that did not run fails the gate: CI views show it red, not as a quiet skip.
        testCase
          .failure(`required check skipped without a waiver: ${check.message}`, 'CheckSkipped')
          .stacktrace(checkBody(check));
      } else if (check.status === 'skip') {
        const waiver = waivers.get(check.id);
        testCase
          .skipped()
          .standardOutput(
            cdataSafe(
              `${waiver === undefined ? 'skipped' : `skipped, waived (${waiver})`}: ${check.message}`,
            ),
          );
      }
    }
  }
  return `${builder.build()}\n`;
}

/** Writes `junit.xml` for CI test views. */
export function junitReporter(options: JunitReporterOptions | undefined, context: ReporterContext): Reporter {
  const parsed = parseReporterOptions(junitReporterOptionsSchema, options);
  return {
    async onRunEnd(report) {
      const path = resolveOutputFile('junit', {
        outputFile: parsed.outputFile,
        outDir: context.outDir,
        env: context.env,
      });
      writeFileAtomic(path, renderJunitXml(report, { informational: parsed.informational }));
      return { files: [path] };
    },
  };
}

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { gateHolds, gateLine } from './gate-text.ts';
import { interruptedLine } from './interrupted-text.ts';
import { formatEvidenceText } from './evidence-text.ts';
import type { ReportedCheck, RunReport } from './model.ts';
import { writeFileAtomic } from './output-file.ts';
import { parseReporterOptions } from './reporter-options.ts';
import type { Reporter, ReporterContext } from './reporter-contract.ts';

export const githubReporterOptionsSchema = z.strictObject({
  /** Used when $GITHUB_STEP_SUMMARY is not set (outside GitHub Actions); default `<outDir>/summary.md`. */
  outputFile: z.string().min(1).optional(),
});
export type GithubReporterOptions = z.input<typeof githubReporterOptionsSchema>;

/** Failures shown in full; GitHub caps a step summary at 1 MiB, the HTML report has the rest. */
export const SUMMARY_FAILURES_SHOWN = 30;

/** Outside text as inline Markdown: no HTML, no emphasis/links/table breaks, one line. */
export function markdownText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#|~!])/g, '\\$1');
}

/** A fenced code block whose fence is longer than any backtick run inside, so it cannot be closed early. */
export function markdownCodeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

const ICON: Record<ReportedCheck['status'], string> = { pass: '✅', fail: '❌', error: '⚠️', skip: '⏭️' };

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

function failureSection(check: ReportedCheck): string {
  const lines = [
    `#### ${ICON[check.status]} ${check.status.toUpperCase()} ${markdownText(check.id)}: ${markdownText(check.title)}${check.required ? '' : ' (informational)'}`,
    '',
    markdownText(check.message),
    '',
    '| expected | observed |',
    '| --- | --- |',
    `| ${markdownText(check.expected)} | ${markdownText(check.observed)} |`,
  ];
  const evidence = formatEvidenceText(check.evidence);
  if (evidence)
    lines.push('', '<details><summary>evidence</summary>', '', markdownCodeBlock(evidence), '', '</details>');
  return lines.join('\n');
}

/** The job summary as Markdown: verdict, gate, failures with evidence, accounting, latency, drills. */
export function renderGithubSummary(report: RunReport): string {
  const holds = gateHolds(report.gate);
  const icon = report.verdict === 'error' ? '⚠️' : holds ? '✅' : '❌';
  const durationMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  const out: string[] = [
    `## ${icon} Phoenix observability: ${report.verdict.toUpperCase()}`,
    '',
    `**${markdownText(gateLine(report))}**`,
    '',
    `Run ${markdownText(report.runId)} · started ${markdownText(report.startedAt)} · ${formatDuration(durationMs)}` +
      (report.scenario
        ? ` · scenario ${markdownText(report.scenario.name)} (${markdownText(report.scenario.engine)}, exit ${report.scenario.exitCode})`
        : ''),
    '',
    '| pass | fail | error | skip |',
    '| ---: | ---: | ---: | ---: |',
    `| ${(['pass', 'fail', 'error', 'skip'] as const).map((s) => report.checks.filter((c) => c.status === s).length).join(' | ')} |`,
  ];
  if (report.interrupted) out.push('', `> ⚠️ ${markdownText(interruptedLine(report.interrupted))}.`);
  else if (report.verdict === 'error')
    out.push('', '> ⚠️ The harness could not complete the run; the checks below are partial.');
  if (report.gate.waived.length > 0) {
    out.push('', `### Waived (${report.gate.waived.length}): skipped, accepted by harness.config.ts`, '');
    for (const w of report.gate.waived) out.push(`- ${markdownText(w.id)}: ${markdownText(w.reason)}`);
  }
  if (report.gate.waiverWarnings.length > 0) {
    out.push('');
    for (const w of report.gate.waiverWarnings) out.push(`> ⚠️ ${markdownText(w)}`);
  }

  const problems = report.checks
    .filter((c) => c.status === 'fail' || c.status === 'error')
    .sort((a, b) => Number(b.required) - Number(a.required));
  if (problems.length > 0) {
    out.push('', `### Failures (${problems.length})`);
    for (const check of problems.slice(0, SUMMARY_FAILURES_SHOWN)) out.push('', failureSection(check));
    if (problems.length > SUMMARY_FAILURES_SHOWN) {
      out.push('', `… and ${problems.length - SUMMARY_FAILURES_SHOWN} more: see the HTML report.`);
    }
  }

  if (report.accounting.length > 0) {
    out.push(
      '',
      '### Accounting: sent → traced → logged → counted',
      '',
      '| flow | sent | traced | logged | counted |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const row of report.accounting) {
      const cell = (n: number): string =>
        n === row.sent ? String(n) : `**${n}** (${n - row.sent > 0 ? '+' : ''}${n - row.sent})`;
      out.push(
        `| ${markdownText(row.flow)} | ${row.sent} | ${cell(row.traced)} | ${cell(row.logged)} | ${cell(row.counted)} |`,
      );
    }
  }

  if (report.accountingByRunner?.length) {
    out.push('', '| runner | segment | sent | traced | logged |', '| --- | --- | ---: | ---: | ---: |');
    for (const r of report.accountingByRunner) {
      const cell = (n: number): string => (n === r.sent ? String(n) : `**${n}** (${n - r.sent})`);
      out.push(
        `| ${markdownText(r.runner)} | ${r.segment ?? '—'} | ${r.sent} | ${cell(r.traced)} | ${cell(r.logged)} |`,
      );
    }
  }

  if (report.latency) {
    const l = report.latency;
    out.push(
      '',
      '### Latency',
      '',
      '| requests | error rate | p50 | p95 | p99 |',
      '| ---: | ---: | ---: | ---: | ---: |',
      `| ${l.requests} | ${(l.errorRate * 100).toFixed(2)}% | ${l.p50Ms.toFixed(1)} ms | ${l.p95Ms.toFixed(1)} ms | ${l.p99Ms.toFixed(1)} ms |`,
    );
  }

  if (report.drills.length > 0) {
    const ms = (v: number | undefined): string => (v === undefined ? '—' : `${Math.round(v)} ms`);
    out.push(
      '',
      '### Alert drills',
      '',
      '| | alert | receiver | pending | firing | delivered | resolved |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: |',
    );
    for (const d of report.drills) {
      out.push(
        `| ${ICON[d.status]} | ${markdownText(d.alert)} | ${markdownText(d.receiver)} | ${ms(d.pendingMs)} | ${ms(d.firingMs)} | ${ms(d.deliveredMs)} | ${ms(d.resolvedMs)} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * A GitHub Actions job summary, appended to $GITHUB_STEP_SUMMARY when it is set (GitHub shows it
 * on the run page), else written to `<outDir>/summary.md`.
 */
export function githubReporter(
  options: GithubReporterOptions | undefined,
  context: ReporterContext,
): Reporter {
  const { outputFile } = parseReporterOptions(githubReporterOptionsSchema, options);
  return {
    async onRunEnd(report) {
      const markdown = renderGithubSummary(report);
      const stepSummary = context.env['GITHUB_STEP_SUMMARY'];
      if (stepSummary) {
        // Other steps of the job write to the same file: append, never replace.
        const path = resolve(stepSummary);
        mkdirSync(dirname(path), { recursive: true });
        appendFileSync(path, markdown, 'utf8');
        return { files: [path] };
      }
      const path = resolve(outputFile ?? join(context.outDir, 'summary.md'));
      writeFileAtomic(path, markdown);
      return { files: [path] };
    },
  };
}

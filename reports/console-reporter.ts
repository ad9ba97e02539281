import { z } from 'zod';
import type { CheckStatus } from '../core/index.ts';
import { gateHolds, gateLine, waiverLines } from './gate-text.ts';
import { interruptedLine } from './interrupted-text.ts';
import type { ReportedCheck, RunReport } from './model.ts';
import { parseReporterOptions } from './reporter-options.ts';
import type { Reporter, ReporterContext } from './reporter-contract.ts';

export const consoleReporterOptionsSchema = z.strictObject({
  /** Which checks the table lists: all of them (default), or only those that did not pass. */
  show: z.enum(['all', 'problems']).default('all'),
});
export type ConsoleReporterOptions = z.input<typeof consoleReporterOptionsSchema>;

/** Width used when stdout is not a terminal (CI logs): long enough to be useful, short enough to read. */
export const NON_TTY_WIDTH = 160;

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERR ' };
const SGR: Record<CheckStatus | 'bold' | 'dim', string> = {
  pass: '32',
  fail: '31',
  error: '35',
  skip: '33',
  bold: '1',
  dim: '2',
};
/** Problems last, right above the verdict line, where the eye lands. */
const ORDER: Record<CheckStatus, number> = { pass: 0, skip: 1, error: 2, fail: 3 };

export interface ConsoleFormat {
  /** Columns available; lines are cut to fit. */
  width: number;
  color: boolean;
  show?: 'all' | 'problems';
}

/**
 * One line of outside text made safe for a terminal: control characters (ESC, so no ANSI sequences
 * from a log line) and bidi overrides dropped, whitespace runs collapsed.
 */
export function terminalSafe(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** The summary the console reporter prints: a compact table of checks, then the gate's verdict. */
export function formatConsoleSummary(report: RunReport, format: ConsoleFormat): string {
  const paint = (code: string, text: string): string =>
    format.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  const checks = report.checks
    .filter((c) => format.show !== 'problems' || c.status !== 'pass')
    .map((c, i) => ({ c, i }))
    .sort((a, b) => ORDER[a.c.status] - ORDER[b.c.status] || a.i - b.i)
    .map(({ c }) => c);
  const idWidth = Math.min(40, Math.max(2, ...checks.map((c) => terminalSafe(c.id).length)));
  const lines = checks.map((check: ReportedCheck) => {
    const id = truncate(terminalSafe(check.id), idWidth).padEnd(idWidth);
    const info = check.required ? '' : '(info) ';
    const text = terminalSafe(check.status === 'pass' ? check.title : check.message || check.title);
    // "FAIL  " + id + " " → the rest of the line is the message.
    const room = format.width - 6 - idWidth - 1;
    const message = truncate(`${info}${text}`, room);
    return `${paint(SGR[check.status], LABEL[check.status])}  ${id} ${check.required ? message : paint(SGR.dim, message)}`;
  });
  const counts = (['pass', 'fail', 'error', 'skip'] as const)
    .map((s) => `${report.checks.filter((c) => c.status === s).length} ${s}`)
    .join(', ');
  const holds = gateHolds(report.gate) && !report.interrupted;
  const verdict = paint(
    `${SGR.bold};${holds ? SGR.pass : SGR.fail}`,
    truncate(gateLine(report), format.width),
  );
  const tail = [`${report.checks.length} checks: ${counts}`];
  // Waived skips and waivers that did nothing sit right above the verdict, never hidden behind it.
  for (const line of waiverLines(report))
    tail.push(paint(SGR.skip, truncate(terminalSafe(line), format.width)));
  if (report.interrupted)
    tail.push(paint(SGR.error, truncate(terminalSafe(interruptedLine(report.interrupted)), format.width)));
  else if (report.verdict === 'error')
    tail.push(paint(SGR.error, 'the harness could not complete the run (see above)'));
  tail.push(verdict);
  return `${[...lines, '', ...tail].join('\n')}\n`;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(
  stdout: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return stdout.isTTY === true && !env['NO_COLOR'];
}

/** Prints the summary table and the gate's verdict when the run ends. */
export function consoleReporter(
  options: ConsoleReporterOptions | undefined,
  context: ReporterContext,
): Reporter {
  const { show } = parseReporterOptions(consoleReporterOptionsSchema, options);
  return {
    async onRunEnd(report) {
      const tty = context.stdout.isTTY === true;
      const width = tty && context.stdout.columns ? context.stdout.columns : NON_TTY_WIDTH;
      context.stdout.write(
        formatConsoleSummary(report, { width, color: useColor(context.stdout, context.env), show }),
      );
    },
  };
}

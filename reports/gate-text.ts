import { interruptedLine } from './interrupted-text.ts';
import type { RunReport } from './model.ts';

/**
 * The gate's words, written here once for every reporter (console, HTML, JUnit, GitHub summary), so
 * no output can say a bare "HOLDS" while checks were waived or skipped.
 */
type Gate = RunReport['gate'];

/** Whether the gate holds: no required check failed, errored or was skipped without a waiver. */
export function gateHolds(gate: Gate): boolean {
  return gate.failedRequired.length === 0 && gate.skippedRequired.length === 0;
}

/** `HOLDS`, `HOLDS (3 waived)`, `FAILS`, `FAILS (1 waived)`. */
export function gateWord(gate: Gate): string {
  const word = gateHolds(gate) ? 'HOLDS' : 'FAILS';
  return gate.waived.length > 0 ? `${word} (${gate.waived.length} waived)` : word;
}

/**
 * `phase 2 gate: HOLDS (3 waived) (0 of 41 required checks failed)`, or
 * `phase 2 gate: FAILS (1 of 41 required checks failed; 2 skipped without a waiver: a, b)`.
 */
export function gateLine(report: Pick<RunReport, 'gate'> & Partial<Pick<RunReport, 'interrupted'>>): string {
  const { gate } = report;
  const { phase, required, failedRequired, skippedRequired } = gate;
  // An interrupted run's results are partial: it never reads HOLDS or FAILS.
  if (report.interrupted) return `phase ${phase} gate: NOT JUDGED (${interruptedLine(report.interrupted)})`;
  const skipped =
    skippedRequired.length > 0
      ? `; ${skippedRequired.length} skipped without a waiver: ${skippedRequired.join(', ')}`
      : '';
  return `phase ${phase} gate: ${gateWord(gate)} (${failedRequired.length} of ${required.length} required checks failed${skipped})`;
}

/** One line per waived check, `waived alerts.drill.X: no such fault on staging`, then each waiver warning. */
export function waiverLines(report: Pick<RunReport, 'gate'>): string[] {
  return [
    ...report.gate.waived.map((w) => `waived ${w.id}: ${w.reason}`),
    ...report.gate.waiverWarnings.map((w) => `warning: ${w}`),
  ];
}

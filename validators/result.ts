import type { CheckEvidence, CheckFamily, CheckResult, CheckStatus } from '../core/index.ts';

export interface ResultBase {
  id: string;
  family: CheckFamily;
  title: string;
  phase: number;
}

/** Builds a CheckResult; `expected`/`observed` are short, `message` is the sentence a person reads. */
export function result(
  base: ResultBase,
  status: CheckStatus,
  fields: {
    expected: string;
    observed: string;
    message: string;
    evidence?: CheckEvidence;
    /** How many items the check examined (see CheckResult.examined). */
    examined?: number;
    durationMs?: number;
  },
): CheckResult {
  return { ...base, status, evidence: {}, ...fields };
}

/**
 * A check that found nothing to examine where its phase expects something: a failure, never a
 * pass by default (an empty answer proves nothing). `message` says what was looked for, and where.
 */
export function nothingExamined(
  base: ResultBase,
  fields: { expected: string; message: string; evidence?: CheckEvidence; durationMs?: number },
): CheckResult {
  return result(base, 'fail', { ...fields, observed: 'nothing to examine', examined: 0 });
}

export function skipped(base: ResultBase, reason: string): CheckResult {
  return result(base, 'skip', { expected: '-', observed: '-', message: reason });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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
    durationMs?: number;
  },
): CheckResult {
  return { ...base, status, evidence: {}, ...fields };
}

export function skipped(base: ResultBase, reason: string): CheckResult {
  return result(base, 'skip', { expected: '-', observed: '-', message: reason });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

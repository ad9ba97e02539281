import type { Phase } from '../catalog/index.ts';
import type { CheckResult } from '../core/index.ts';

export interface GateVerdict {
  phase: Phase;
  verdict: 'pass' | 'fail';
  /** Ids of the checks the phase requires (their phase ≤ the gate's). */
  required: string[];
  failedRequired: string[];
  /** Checks that ran but the phase does not require: shown, never failing the gate. */
  informational: string[];
}

/** A phase gate: phase N requires every check of phases 1..N; a failed or errored required check fails it. */
export function evaluateGate(results: readonly CheckResult[], phase: Phase): GateVerdict {
  const required = results.filter((r) => r.phase <= phase);
  const failedRequired = required.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.id);
  return {
    phase,
    verdict: failedRequired.length === 0 ? 'pass' : 'fail',
    required: required.map((r) => r.id),
    failedRequired,
    informational: results.filter((r) => r.phase > phase).map((r) => r.id),
  };
}

import type { Phase } from '../catalog/index.ts';
import type { CheckResult } from '../core/index.ts';

/** Check id (or `prefix.*`) → the reason its skip is accepted (harness.config.ts `waive`). */
export type Waivers = Readonly<Record<string, string>>;

export interface GateVerdict {
  phase: Phase;
  verdict: 'pass' | 'fail';
  /** Ids of the checks the phase requires (their phase ≤ the gate's). */
  required: string[];
  failedRequired: string[];
  /** Required checks that ended `skip` with no waiver: each fails the gate. */
  skippedRequired: string[];
  /** Required checks that ended `skip` and a waiver accepts, with its reason. */
  waived: { id: string; reason: string }[];
  /**
   * Waivers that did nothing: `waiver for X matched no check` (no check of the run has that id), or
   * `waiver for X does not cover Y: it ended fail` (waivers cover skips only). Shown, never failing.
   */
  waiverWarnings: string[];
  /** Checks that ran but the phase does not require: shown, never failing the gate. */
  informational: string[];
}

/** Whether a waiver key covers a check id: the exact id, or a `prefix.*` the id starts with. */
export function waiverMatches(key: string, id: string): boolean {
  return key.endsWith('.*') ? id.startsWith(key.slice(0, -1)) : key === id;
}

/** The waiver that covers `id`: the exact one first, else the longest matching prefix. */
function waiverFor(waivers: Waivers, id: string): { key: string; reason: string } | undefined {
  const exact = waivers[id];
  if (exact !== undefined) return { key: id, reason: exact };
  const prefix = Object.keys(waivers)
    .filter((k) => waiverMatches(k, id))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : { key: prefix, reason: waivers[prefix] ?? '' };
}

/**
 * A phase gate: phase N requires every check of phases 1..N. A failed or errored required check
 * fails it, and so does a skipped one, unless the config waives that check id with a reason.
 */
export function evaluateGate(
  results: readonly CheckResult[],
  phase: Phase,
  waivers: Waivers = {},
): GateVerdict {
  const required = results.filter((r) => r.phase <= phase);
  const failedRequired = required.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.id);
  const skippedRequired: string[] = [];
  const waived: GateVerdict['waived'] = [];
  const waiverWarnings: string[] = [];
  for (const r of required) {
    const waiver = waiverFor(waivers, r.id);
    if (r.status === 'skip') {
      if (waiver) waived.push({ id: r.id, reason: waiver.reason });
      else skippedRequired.push(r.id);
    } else if (waiver && r.status !== 'pass') {
      waiverWarnings.push(
        `waiver for ${waiver.key} does not cover ${r.id}: it ended ${r.status} (waivers cover skips only)`,
      );
    }
  }
  for (const key of Object.keys(waivers)) {
    if (!results.some((r) => waiverMatches(key, r.id)))
      waiverWarnings.push(`waiver for ${key} matched no check`);
  }
  return {
    phase,
    verdict: failedRequired.length === 0 && skippedRequired.length === 0 ? 'pass' : 'fail',
    required: required.map((r) => r.id),
    failedRequired,
    skippedRequired,
    waived,
    waiverWarnings,
    informational: results.filter((r) => r.phase > phase).map((r) => r.id),
  };
}

import type { Phase } from '../catalog/index.ts';
import { HarnessError } from '../core/index.ts';
import type { BackendEndpoints, ValidatorName } from '../validators/index.ts';

/** What a check family needs from a stack the harness does not start. */
type Need = 'prometheus' | 'jaeger' | 'logStore' | 'ledger';

/**
 * Which validators need what, from which phase on (the phase of their first check needing it):
 * every phase's metrics and pipeline checks read Prometheus; its traces checks look the ledger's
 * trace ids up in Jaeger; logs.labels (phase 1) reads the log store, and logs.completeness (phase 2)
 * the ledger; metrics.accounting (phase 1) counts the ledger's requests. Without one of these a
 * required check would only `skip`: against staging that is a setup mistake, said before the run.
 */
export const EXTERNAL_NEEDS: readonly { validator: ValidatorName; from: Phase; needs: Need }[] = [
  { validator: 'metrics', from: 1, needs: 'prometheus' },
  { validator: 'metrics', from: 1, needs: 'ledger' },
  { validator: 'pipeline', from: 1, needs: 'prometheus' },
  { validator: 'traces', from: 1, needs: 'jaeger' },
  { validator: 'traces', from: 1, needs: 'ledger' },
  { validator: 'logs', from: 1, needs: 'logStore' },
  { validator: 'logs', from: 2, needs: 'ledger' },
];

const WHAT_TO_ADD: Readonly<Record<Need, string>> = {
  prometheus: 'stack.external.prometheus',
  jaeger: 'stack.external.jaeger',
  logStore: 'stack.external.victorialogs or stack.external.loki',
  ledger: "a ledger: pass --ledger <file> (see README 'Against staging')",
};

function has(need: Need, endpoints: BackendEndpoints, ledgerPath: string | undefined): boolean {
  if (need === 'ledger') return ledgerPath !== undefined;
  if (need === 'logStore') return Boolean(endpoints.victorialogs ?? endpoints.loki);
  return Boolean(endpoints[need]);
}

/**
 * What an external run at `phase` lacks, one line each: `phase 2 needs stack.external.jaeger (traces
 * checks)`, `phase 2 needs a ledger: pass --ledger <file> …`. Empty when nothing is missing.
 */
export function missingForExternalRun(
  phase: Phase,
  endpoints: BackendEndpoints,
  ledgerPath: string | undefined,
  validators: readonly ValidatorName[],
): string[] {
  const byNeed = new Map<Need, ValidatorName[]>();
  for (const { validator, from, needs } of EXTERNAL_NEEDS) {
    if (from > phase || !validators.includes(validator) || has(needs, endpoints, ledgerPath)) continue;
    const users = byNeed.get(needs) ?? [];
    if (!users.includes(validator)) users.push(validator);
    byNeed.set(needs, users);
  }
  return [...byNeed].map(
    ([need, users]) => `phase ${phase} needs ${WHAT_TO_ADD[need]} (for the ${users.join(', ')} checks)`,
  );
}

/** Throws (exit 2) naming everything to add, rather than letting required checks end `skip`. */
export function assertExternalRunComplete(
  phase: Phase,
  endpoints: BackendEndpoints,
  ledgerPath: string | undefined,
  validators: readonly ValidatorName[],
  target = 'the target config',
): void {
  const missing = missingForExternalRun(phase, endpoints, ledgerPath, validators);
  if (missing.length === 0) return;
  throw new HarnessError(`--stack external cannot check the phase ${phase} gate: ${missing.join('; ')}`, {
    where: target,
    hint: 'add the endpoints to stack.external of the target config (and --ledger with the ledger.jsonl of the load you sent), or choose a lower --phase',
  });
}

import { InvalidArgumentError } from 'commander';

/** Exit codes: 0 the gate holds, 1 the gate fails, 2 the harness could not run. */
export const EXIT = { ok: 0, gateFailed: 1, harnessError: 2 } as const;

export function parsePhase(value: string): number {
  const phase = Number(value);
  if (![1, 2, 3, 4].includes(phase)) throw new InvalidArgumentError('must be 1, 2, 3 or 4');
  return phase;
}

import type { LedgerEntry } from '../core/index.ts';

/** Requests of one runner that were sent, and how many of them reached a backend. */
export type RunnerFunnel<Stage extends string> = { sent: number } & Record<Stage, number>;

/**
 * The accounting funnel per runner of a merged ledger (several load workers, or k6-operator
 * runners merged by `phx-harness ledger merge`): `{ perRunner: { 'worker-1': { sent, traced } } }`,
 * or nothing when no request names its runner (one process sent everything).
 */
export function perRunnerFunnel<Stage extends string>(
  entries: Iterable<LedgerEntry>,
  reached: (entry: LedgerEntry) => boolean,
  stage: Stage,
): { perRunner?: Record<string, RunnerFunnel<Stage>> } {
  const perRunner: Record<string, RunnerFunnel<Stage>> = {};
  for (const entry of entries) {
    if (entry.runner === undefined) continue;
    const row = (perRunner[entry.runner] ??= { sent: 0, [stage]: 0 } as RunnerFunnel<Stage>);
    row.sent += 1;
    if (reached(entry)) (row as Record<string, number>)[stage] = (row[stage] as number) + 1;
  }
  return Object.keys(perRunner).length === 0 ? {} : { perRunner };
}

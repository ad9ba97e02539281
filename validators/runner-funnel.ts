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
  const funnel = runnerFunnel(stage);
  for (const entry of entries) {
    funnel.sent(entry.runner);
    if (reached(entry)) funnel.reached(entry.runner);
  }
  return funnel.result();
}

/**
 * The same funnel counted as a streamed ledger goes by (no entry kept): `sent` as each line is read,
 * `reached` once its request is found in the backend.
 */
export function runnerFunnel<Stage extends string>(
  stage: Stage,
): {
  sent(runner: string | undefined): void;
  reached(runner: string | undefined): void;
  result(): { perRunner?: Record<string, RunnerFunnel<Stage>> };
} {
  const perRunner: Record<string, RunnerFunnel<Stage>> = {};
  return {
    sent(runner) {
      if (runner === undefined) return;
      (perRunner[runner] ??= { sent: 0, [stage]: 0 } as RunnerFunnel<Stage>).sent += 1;
    },
    reached(runner) {
      const row = runner === undefined ? undefined : perRunner[runner];
      if (row) (row as Record<string, number>)[stage] = (row[stage] as number) + 1;
    },
    result: () => (Object.keys(perRunner).length === 0 ? {} : { perRunner }),
  };
}

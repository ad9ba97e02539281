/**
 * `npm run bench -- load-workers`: the highest arrival rate the in-process engine sustains without
 * dropped iterations when the scenario runs as 1, 2 and 4 processes (`--load-workers`: equal
 * execution segments, ledgers merged, thresholds over the merged requests), against the stand-in
 * orchestrator in its own process. On this 2-core machine the workers share the cores with the
 * stand-in and this process, so more workers buy little here; on k6-operator each is a pod.
 */
import { loadavg } from 'node:os';
import { startStandInProcess } from '../load/testing/stand-in-process.ts';
import { stepUpRates } from './load-bench.ts';
import { machine, writeBench } from './util.ts';

const WORKER_COUNTS = [1, 2, 4] as const;
const RATES = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000];
const STEP_S = 8;

export async function loadWorkersBench(log: (line: string) => void): Promise<string> {
  const loadBefore = loadavg();
  log(
    `  load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (${machine().cpus ?? '?'} CPUs)`,
  );
  const searches: Record<string, Awaited<ReturnType<typeof stepUpRates>>> = {};
  await using standIn = await startStandInProcess();
  for (const workers of WORKER_COUNTS) {
    log(
      `  ${workers} worker(s): step-up against the stand-in orchestrator (${STEP_S}s per rate, ledger on, merged)`,
    );
    searches[workers] = await stepUpRates(standIn.entryUrl, log, RATES, STEP_S, workers);
  }
  const maxSustained = Object.fromEntries(
    WORKER_COUNTS.map((w) => [w, searches[w]?.maxSustainedRate ?? null]),
  );
  log(
    `  verdict: highest sustained without drops: ${WORKER_COUNTS.map((w) => `${w} worker(s) ${maxSustained[w] ?? 'none'} rps`).join(', ')}`,
  );
  return writeBench('load-workers', {
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadavg() },
    target: 'stand-in orchestrator (load/testing/stand-in-orchestrator.ts) in its own process',
    scenario: 'soak (flat after a 5% ramp)',
    stepS: STEP_S,
    sustainedMeans: '0 dropped iterations (summed over workers) and ≤ 1% failed requests, one retry per rate',
    maxSustainedRate: maxSustained,
    searches,
    notes:
      'Each worker is an engine process (load/engine/worker-main.ts) running segment (n-1)/N:n/N of the equal ' +
      'split; the figures per step come from the merged ledger and summed summaries. The machine has 2 cores ' +
      'shared by the workers, the stand-in and the bench: CPU per request and RSS are not sampled with several workers.',
  });
}

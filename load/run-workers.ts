/**
 * One scenario as N load processes on this machine: worker n runs segment `(n-1)/N:n/N` of the
 * equal split (`0,1/N,…,1`), exactly as runner n of a k6-operator TestRun with `parallelism: N`
 * does, into `<run dir>/worker-<n>/`. Their ledgers are then merged into `<run dir>/ledger.jsonl`
 * (every request once, each tagged with its worker) and the scenario's thresholds evaluated over the
 * merged requests, so the validators see one run — the data path of N pods, rehearsed here.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeError, HarnessError } from '../core/index.ts';
import { equalSegments } from './engine/segment.ts';
import { mergedSummary, mergeRunnerOutputs, evaluateMergedThresholds } from './merge/index.ts';
import {
  droppedIterationsOf,
  K6_THRESHOLDS_FAILED,
  k6SummarySchema,
  thresholdFailuresFrom,
  type ScenarioRun,
  type WorkerRun,
} from './scenario-run.ts';
import type { RunScenarioOptions } from './run-scenario.ts';

/** The name of worker n (1-based), as k6-operator numbers its runner pods. */
export const workerName = (n: number): string => `worker-${n}`;

/**
 * Runs `options.workers` processes through `runOne` (one segment each) and merges what they left.
 * A worker that fails stops the others; the error names it.
 */
export async function runScenarioWorkers(
  options: RunScenarioOptions & { workers: number },
  runOne: (options: RunScenarioOptions) => Promise<ScenarioRun>,
): Promise<ScenarioRun> {
  const where = `load: ${options.workers} workers of scenario ${options.scenario}`;
  if (options.ledger === false) {
    throw new HarnessError('several load workers need the ledger: it is how their requests are merged', {
      where,
      hint: 'leave the ledger on, or run one worker',
    });
  }
  if (options.segment !== undefined) {
    throw new HarnessError(
      `workers split the whole scenario; a segment (${options.segment}) asks for one part`,
      {
        where,
        hint: 'drop the segment, or run one worker',
      },
    );
  }
  const runDir = options.runDir ?? resolve(options.outDir, options.runId);
  const segments = equalSegments(options.workers);
  const stopAll = new AbortController();
  const onAbort = (): void => stopAll.abort();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let settled: PromiseSettledResult<ScenarioRun>[];
  try {
    settled = await Promise.allSettled(
      segments.map((segment, i) =>
        runOne({
          ...options,
          workers: 1,
          // runScenario gives a lone 1/N segment the equal split k6-operator uses: 0,1/N,…,1.
          segment,
          runDir: join(runDir, workerName(i + 1)),
          signal: stopAll.signal,
          ...(options.onOutput === undefined
            ? {}
            : { onOutput: (line: string) => options.onOutput?.(`[${workerName(i + 1)}] ${line}`) }),
        }).catch((error: unknown) => {
          stopAll.abort();
          throw error;
        }),
      ),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const failed = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [`${workerName(i + 1)} (${segments[i]}): ${describeError(s.reason)}`] : [],
  );
  if (failed.length > 0) {
    throw new HarnessError(
      `${failed.length} of ${options.workers} load workers failed: ${failed.join('; ')}`,
      {
        where,
        hint: 'the first failure is usually the cause; the others were stopped because of it',
      },
    );
  }
  const runs = settled.map((s) => (s as PromiseFulfilledResult<ScenarioRun>).value);
  const ledgerPath = join(runDir, 'ledger.jsonl');
  const merge = await mergeRunnerOutputs(
    runs.map((run, i) => ({ path: run.runDir, name: workerName(i + 1), segment: segments[i] ?? '' })),
    { outPath: ledgerPath, scenario: options.scenario, env: options.env ?? {} },
  );
  const evaluation = await evaluateMergedThresholds({
    ledgerPath,
    scenario: options.scenario,
    env: options.env ?? {},
    manifest: merge.manifest,
  });
  const summaryPath = join(runDir, 'summary.json');
  const raw = mergedSummary(evaluation, { runId: options.runId, baseUrl: options.baseUrl });
  await writeFile(summaryPath, `${JSON.stringify(raw, null, 2)}\n`);
  const summary = k6SummarySchema.parse(raw);
  const thresholdFailures = thresholdFailuresFrom(summary);
  const workers: WorkerRun[] = runs.map((run, i) => ({
    name: workerName(i + 1),
    segment: segments[i] ?? '',
    requests: run.requests,
    droppedIterations: run.droppedIterations,
    runDir: run.runDir,
  }));
  const first = runs[0];
  return {
    engine: first?.engine ?? 'node',
    ...(first?.k6Version === undefined ? {} : { k6Version: first.k6Version }),
    exitCode: thresholdFailures.length > 0 ? K6_THRESHOLDS_FAILED : 0,
    summary,
    summaryPath,
    ledgerPath,
    requests: merge.requests,
    droppedIterations: droppedIterationsOf(summary),
    thresholdFailures,
    runDir,
    conversion: undefined,
    workers,
    thresholdsBound: evaluation.bound,
  };
}

/**
 * A merged evaluation in k6's end-of-test summary shape (metrics with each threshold's verdict,
 * plus the harness's `phoenix` key), so what reads one runner's summary.json — thresholdFailuresFrom,
 * flowRequestCount, droppedIterationsOf, the reports — reads the merged run the same way.
 */
import { PHOENIX_SUMMARY_KEY } from '../../scenarios/index.ts';
import type { MergedThresholdEvaluation } from './merged-thresholds.ts';

export function mergedSummary(
  evaluation: MergedThresholdEvaluation,
  run: { runId: string; baseUrl: string },
): Record<string, unknown> {
  return {
    metrics: evaluation.metrics,
    state: { testRunDurationMs: evaluation.windowMs, isStdOutTTY: false, isStdErrTTY: false },
    merged: {
      ledgerPath: evaluation.ledgerPath,
      runners: evaluation.runners,
      bound: evaluation.bound,
      note: 'http_reqs counts the ledger’s flow requests: the runners’ preflight requests are not in it',
      thresholds: evaluation.thresholds.map((t) => ({
        metric: t.metric,
        expression: t.expression,
        value: t.value,
        ok: t.ok,
        perRunner: t.perRunner,
      })),
    },
    [PHOENIX_SUMMARY_KEY]: {
      scenario: evaluation.scenario,
      runId: run.runId,
      baseUrl: run.baseUrl,
      thresholds: evaluation.thresholds.map((t) => ({
        metric: t.metric,
        expression: t.expression,
        reason: t.reason,
      })),
    },
  };
}

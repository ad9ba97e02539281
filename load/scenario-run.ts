/**
 * What a scenario run leaves behind, whichever engine ran it (k6 or the in-process engine): the
 * k6-shaped summary, the ledger and the thresholds that broke.
 */
import { z } from 'zod';
import type { LedgerConversion } from './ledger.ts';

/** k6's exit code when thresholds were crossed: the run happened, the SLOs did not hold. */
export const K6_THRESHOLDS_FAILED = 99;

export type LoadEngineName = 'node' | 'k6';
/** `auto`: k6 when a binary is found (K6_BINARY, then PATH), else the in-process engine. */
export type LoadEngineChoice = 'auto' | LoadEngineName;

export interface ThresholdFailure {
  /** The k6 metric, with its tag filter: `http_req_duration{flow:kb_query}`. */
  metric: string;
  /** The expression that failed: `p(95)<300`. */
  threshold: string;
  /** Why the threshold exists (from scenarios/lib/thresholds.ts), when the summary says. */
  reason?: string;
}

const summaryMetricSchema = z
  .object({
    type: z.string().optional(),
    values: z.record(z.string(), z.number()).default({}),
    thresholds: z.record(z.string(), z.object({ ok: z.boolean() }).loose()).optional(),
  })
  .loose();

export const k6SummarySchema = z
  .object({
    metrics: z.record(z.string(), summaryMetricSchema),
    phoenix: z
      .object({
        scenario: z.string(),
        runId: z.string(),
        baseUrl: z.string(),
        thresholds: z.array(z.object({ metric: z.string(), expression: z.string(), reason: z.string() })),
      })
      .optional(),
  })
  .loose();

export type K6Summary = z.infer<typeof k6SummarySchema>;

export interface ScenarioRun {
  /** Which engine sent the load. */
  engine: LoadEngineName;
  /** `k6 version`'s first line, when k6 ran. */
  k6Version?: string;
  /** 0, or 99 (K6_THRESHOLDS_FAILED) when thresholds failed; both engines use k6's codes. */
  exitCode: number;
  summary: K6Summary;
  summaryPath: string;
  /** Undefined when the ledger was off. */
  ledgerPath: string | undefined;
  /** Flow requests sent (the preflight excluded): ledger lines, or the per-flow count without a ledger. */
  requests: number;
  /** Iterations the VU cap made the executor skip (k6's dropped_iterations). */
  droppedIterations: number;
  thresholdFailures: ThresholdFailure[];
  runDir: string;
  conversion: LedgerConversion | undefined;
  /** The execution segment this run covered (`0:1` when whole). */
  segment?: string;
  /** With several load workers: what each sent (the ledger and summary are their merge). */
  workers?: WorkerRun[];
  /** How exact the merged thresholds are (`exact: every sample`), with several workers. */
  thresholdsBound?: string;
}

/** One load process of several (runner n of a k6-operator TestRun, rehearsed here). */
export interface WorkerRun {
  name: string;
  segment: string;
  requests: number;
  droppedIterations: number;
  runDir: string;
}

/** Every threshold whose `ok` is false in summary.json, with its reason when known. */
export function thresholdFailuresFrom(summary: K6Summary): ThresholdFailure[] {
  const reasons = new Map(
    (summary.phoenix?.thresholds ?? []).map((t) => [`${t.metric} ${t.expression}`, t.reason]),
  );
  const failures: ThresholdFailure[] = [];
  for (const [metric, data] of Object.entries(summary.metrics)) {
    for (const [threshold, verdict] of Object.entries(data.thresholds ?? {})) {
      if (verdict.ok !== false) continue;
      const reason = reasons.get(`${metric} ${threshold}`);
      failures.push(reason === undefined ? { metric, threshold } : { metric, threshold, reason });
    }
  }
  return failures.sort((a, b) => `${a.metric} ${a.threshold}`.localeCompare(`${b.metric} ${b.threshold}`));
}

/** Flow requests as counted: the sum of the `http_reqs{flow:…}` submetrics. */
export function flowRequestCount(summary: K6Summary): number {
  let count = 0;
  for (const [metric, data] of Object.entries(summary.metrics)) {
    if (/^http_reqs\{flow:[a-z_]+\}$/.test(metric)) count += data.values['count'] ?? 0;
  }
  return count;
}

/** k6's dropped_iterations count in a summary (0 when none was dropped: k6 omits the metric). */
export function droppedIterationsOf(summary: K6Summary): number {
  return summary.metrics['dropped_iterations']?.values['count'] ?? 0;
}

/**
 * Thresholds as SLOs: percentiles and rates with a one-line reason each, never averages.
 * Pure, so the harness and Node tests can list them; the reasons also land in summary.json.
 */
import { CHECKS_RATE_SLO, FLOWS, type ScenarioFlow } from './catalog.generated.ts';
import type { ScenarioConfig } from './config.ts';
import { executorFor, expectedIterations } from './stages.ts';

export interface SloThreshold {
  /** A k6 metric, optionally with a tag filter: `http_req_duration{flow:kb_query}`. */
  metric: string;
  /** A k6 threshold expression: `p(95)<300`. */
  expression: string;
  /** Why this bound exists, in one line (printed next to a breach). */
  reason: string;
}

/**
 * `strict`: the planned rate must meet every SLO (smoke, load, soak).
 * `degraded`: beyond the planned rate answers may slow down but must stay correct (stress, spike).
 */
export type SloProfile = 'strict' | 'degraded';

/** Under stress the slow tail may grow by this factor before we call it a collapse. */
export const DEGRADED_LATENCY_FACTOR = 3;
/** A scheduling hiccup may drop this fraction of iterations before load and soak call the run void. */
export const DROPPED_ITERATIONS_BUDGET = 0.001;
/** Under stress at most this multiple of the error budget may fail (load shedding, not an outage). */
export const DEGRADED_ERROR_FACTOR = 5;

function flowThresholds(flow: ScenarioFlow, config: ScenarioConfig, profile: SloProfile): SloThreshold[] {
  const p95Ms = config.sloOverride.p95Ms ?? flow.p95Ms;
  const p99Ms = config.sloOverride.p99Ms ?? flow.p99Ms;
  const tag = `{flow:${flow.name}}`;
  const list: SloThreshold[] = [];
  if (profile === 'strict' || config.sloOverride.p95Ms !== undefined) {
    list.push({
      metric: `http_req_duration${tag}`,
      expression: `p(95)<${p95Ms}`,
      reason: `19 of 20 ${flow.name} requests answer within ${p95Ms}ms (its p95 latency SLO)`,
    });
  }
  if (profile === 'strict') {
    list.push(
      {
        metric: `http_req_duration${tag}`,
        expression: `p(99)<${p99Ms}`,
        reason: `the slow tail of ${flow.name} stays bounded: 99 of 100 answer within ${p99Ms}ms`,
      },
      {
        metric: `http_req_failed${tag}`,
        expression: `rate<${flow.errorRate}`,
        reason: `${flow.name} spends at most its error budget of ${flow.errorRate * 100}%`,
      },
    );
  } else {
    const bound = config.sloOverride.p99Ms ?? p99Ms * DEGRADED_LATENCY_FACTOR;
    list.push(
      {
        metric: `http_req_duration${tag}`,
        expression: `p(99)<${bound}`,
        reason: `above the planned rate ${flow.name} may slow down, but not collapse (${DEGRADED_LATENCY_FACTOR}x its p99 SLO)`,
      },
      {
        metric: `http_req_failed${tag}`,
        expression: `rate<${flow.errorRate * DEGRADED_ERROR_FACTOR}`,
        reason: `above the planned rate ${flow.name} may shed some load, but must not fail wholesale`,
      },
    );
  }
  list.push({
    metric: `http_reqs${tag}`,
    expression: 'count>=0',
    reason: `no bound: makes k6 report how many ${flow.name} requests it sent, which the ledger must match`,
  });
  return list;
}

export function sloThresholds(config: ScenarioConfig, profile: SloProfile): SloThreshold[] {
  const list = FLOWS.flatMap((flow) => flowThresholds(flow, config, profile));
  list.push({
    metric: 'checks',
    expression: `rate>${CHECKS_RATE_SLO}`,
    reason: 'answers are correct, not just fast: trace and correlation ids echoed, plans have steps',
  });
  if (config.scenario === 'load' || config.scenario === 'soak') {
    const allowed = Math.floor(expectedIterations(executorFor(config)) * DROPPED_ITERATIONS_BUDGET);
    list.push({
      metric: 'dropped_iterations',
      expression: `count<=${allowed}`,
      reason: `k6 kept up the target arrival rate (at most ${DROPPED_ITERATIONS_BUDGET * 100}% of iterations dropped), or the run did not test RATE`,
    });
  }
  return list;
}

/** The `options.thresholds` object k6 expects. */
export function toK6Thresholds(list: readonly SloThreshold[]): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  for (const t of list) (thresholds[t.metric] ??= []).push(t.expression);
  return thresholds;
}

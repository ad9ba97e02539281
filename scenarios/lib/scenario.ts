/**
 * Assembles a scenario from the shared parts: options (executor, SLO thresholds, lean system
 * tags), setup, the iteration and handleSummary. Each scenario file picks its shape and mix.
 */
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { parseScenarioConfig, type ScenarioConfig, type ScenarioName } from './config.ts';
import { FLOWS, pickWeighted } from './flows.ts';
import { sendFlow, type SetupData } from './request.ts';
import { preflight, SETUP_TIMEOUT } from './setup.ts';
import { executorFor } from './stages.ts';
import { summaryHandler } from './summary.ts';
import { sloThresholds, toK6Thresholds, type SloProfile } from './thresholds.ts';

export type { SetupData };

/**
 * Tags k6 attaches to every sample. Dropping url (the name says it), proto, tls_version, subproto,
 * service and error (error_code stays) shortens every line of the raw ledger; `group` stays: the
 * checks summary needs it.
 */
export const SYSTEM_TAGS = [
  'status',
  'method',
  'name',
  'group',
  'check',
  'scenario',
  'error_code',
  'expected_response',
];

/** Percentiles the summary reports (the SLOs are p95 and p99). */
export const SUMMARY_TREND_STATS = ['med', 'p(90)', 'p(95)', 'p(99)', 'max'];

export interface Scenario {
  config: ScenarioConfig;
  options: Options;
  setup: () => SetupData;
  handleSummary: ReturnType<typeof summaryHandler>;
}

export function defineScenario(
  name: ScenarioName,
  profile: SloProfile,
  env: Record<string, string>,
): Scenario {
  const config = parseScenarioConfig(name, env);
  const thresholds = sloThresholds(config, profile);
  return {
    config,
    options: {
      scenarios: { [name]: executorFor(config) },
      thresholds: toK6Thresholds(thresholds),
      systemTags: SYSTEM_TAGS,
      summaryTrendStats: SUMMARY_TREND_STATS,
      setupTimeout: SETUP_TIMEOUT,
      // A followed redirect would be a second request with the same trace id: show the 3xx instead.
      maxRedirects: 0,
    },
    setup: () => preflight(config),
    handleSummary: summaryHandler(config, thresholds),
  };
}

/** One request of a flow drawn by weight: the realistic traffic mix. */
export function weightedIteration(config: ScenarioConfig, data: SetupData): void {
  sendFlow(pickWeighted(FLOWS, Math.random()), config, data, Math.random());
}

/** Flows in turn, so even a few iterations exercise every flow (smoke). */
export function roundRobinIteration(config: ScenarioConfig, data: SetupData): void {
  const flow = FLOWS[exec.scenario.iterationInTest % FLOWS.length] ?? FLOWS[0];
  if (flow !== undefined) sendFlow(flow, config, data, Math.random());
}

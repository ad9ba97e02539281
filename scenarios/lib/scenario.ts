/**
 * Each scenario's definition, engine-agnostic: its SLO profile, its traffic mix, the executor and
 * the thresholds, all from the environment. k6 wraps it into `options` (scenarios/k6/scenario.ts);
 * the harness's in-process engine (load/engine/) runs the very same definition.
 */
import { parseScenarioConfig, type ScenarioConfig, type ScenarioEnv, type ScenarioName } from './config.ts';
import { FLOWS, pickWeighted, type ScenarioFlow } from './flows.ts';
import { executorFor, type Executor } from './stages.ts';
import { sloThresholds, type SloProfile, type SloThreshold } from './thresholds.ts';

/** `weighted`: the realistic traffic mix; `round-robin`: flows in turn, so a few iterations see each. */
export type TrafficMix = 'weighted' | 'round-robin';

export const SCENARIO_PROFILES: Readonly<Record<ScenarioName, { profile: SloProfile; mix: TrafficMix }>> = {
  smoke: { profile: 'strict', mix: 'round-robin' },
  load: { profile: 'strict', mix: 'weighted' },
  stress: { profile: 'degraded', mix: 'weighted' },
  spike: { profile: 'degraded', mix: 'weighted' },
  soak: { profile: 'strict', mix: 'weighted' },
};

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

export interface ScenarioDefinition {
  name: ScenarioName;
  config: ScenarioConfig;
  profile: SloProfile;
  mix: TrafficMix;
  executor: Executor;
  thresholds: SloThreshold[];
}

/** Reads the environment (k6's `__ENV`, or a plain map) into the scenario's full definition. */
export function scenarioDefinition(name: ScenarioName, env: ScenarioEnv): ScenarioDefinition {
  const config = parseScenarioConfig(name, env);
  const { profile, mix } = SCENARIO_PROFILES[name];
  return {
    name,
    config,
    profile,
    mix,
    executor: executorFor(config),
    thresholds: sloThresholds(config, profile),
  };
}

/**
 * The flow an iteration sends. `iterationInTest` is k6's `exec.scenario.iterationInTest` (unique
 * across execution segments); `random` ∈ [0, 1).
 */
export function pickFlow(mix: TrafficMix, iterationInTest: number, random: number): ScenarioFlow {
  if (mix === 'weighted') return pickWeighted(FLOWS, random);
  const flow = FLOWS[iterationInTest % FLOWS.length] ?? FLOWS[0];
  if (flow === undefined) throw new Error('no flows to pick from');
  return flow;
}

/**
 * The scenario definitions as plain TypeScript, for the harness's in-process engine (load/engine/)
 * and Node tests. k6 never loads this file: its scripts import scenarios/lib and scenarios/k6.
 */
export {
  DEFAULT_REQUEST_TIMEOUT,
  parseDurationMs,
  parseScenarioConfig,
  SCENARIO_NAMES,
  ScenarioConfigError,
} from './lib/config.ts';
export type { ScenarioConfig, ScenarioEnv, ScenarioName } from './lib/config.ts';
export { checksFor, FLOWS } from './lib/flows.ts';
export type { FlowAnswer, FlowName, ScenarioFlow } from './lib/flows.ts';
export { correlationId, flowHeaders, traceparent } from './lib/headers.ts';
export { newRunId, newTraceIds } from './lib/ids.ts';
export { LEDGER_METADATA } from './lib/ledger-metadata.ts';
export { flowAnswer, planFlowRequest, RequestNumbering } from './lib/request.ts';
export type { IterationPosition, PlannedRequest } from './lib/request.ts';
export { pickFlow, SCENARIO_PROFILES, scenarioDefinition, SUMMARY_TREND_STATS } from './lib/scenario.ts';
export type { ScenarioDefinition, TrafficMix } from './lib/scenario.ts';
export {
  PREFLIGHT_NAME,
  PREFLIGHT_TIMEOUT,
  preflightFailure,
  preflightHeaders,
  preflightUrl,
  setupData,
} from './lib/setup.ts';
export type { SetupData } from './lib/setup.ts';
export { executorFor, expectedIterations, PEAK_FACTOR, vuPool } from './lib/stages.ts';
export type { Executor, RateStage } from './lib/stages.ts';
export { PHOENIX_SUMMARY_KEY } from './lib/summary.ts';
export { renderTextSummary } from './lib/summary-text.ts';
export type { SummaryData } from './lib/summary-text.ts';
export { sloThresholds } from './lib/thresholds.ts';
export type { SloProfile, SloThreshold } from './lib/thresholds.ts';

export {
  runScenario,
  prestartScenario,
  chooseEngine,
  findK6Binary,
  segmentArguments,
  thresholdFailuresFrom,
  flowRequestCount,
  droppedIterationsOf,
  k6ExitError,
  k6Arguments,
  k6SummarySchema,
  SCENARIO_ENV_NAMES,
} from './run-scenario.ts';
export type {
  EngineSelection,
  RunScenarioOptions,
  PrestartedScenario,
  ScenarioRun,
  ThresholdFailure,
  K6Summary,
  LoadEngineChoice,
  LoadEngineName,
} from './run-scenario.ts';
export { K6_THRESHOLDS_FAILED } from './run-scenario.ts';
/** One of scenarios/<name>.ts: the type of runScenario's `scenario`. */
export type { ScenarioName } from '../scenarios/index.ts';
export type { K6ContainerTarget, K6ContainerDefinition } from './k6-container.ts';
export { runEngine, executionTuple } from './engine/engine.ts';
export type { EngineOptions } from './engine/engine.ts';
export { runEngineProcess, engineProcessArguments } from './engine/spawn.ts';
export type { EngineProcessOptions } from './engine/spawn.ts';
export { readLedger, convertK6Output, describeConversion, ledgerEntryFromPoint } from './ledger.ts';
export type { LedgerConversion } from './ledger.ts';
export { RequestLoop, drillTraffic } from './request-loop.ts';
export type { DrillTrafficOptions, DrillTrafficStats } from './request-loop.ts';
export { bundleScenarioForK6 } from './k6-operator/bundle.ts';
export { validateManifest } from './k6-operator/crd-schema.ts';
export { buildK6OperatorManifests } from './k6-operator/manifests.ts';
export type { K6OperatorManifests, RunnerExpectation } from './k6-operator/manifests.ts';
export { COLLECT_DIR, nextSteps } from './k6-operator/next-steps.ts';
export { scenarioVariables } from './k6-operator/scenario-variables.ts';
export { writeK6OperatorManifests } from './k6-operator/write-manifests.ts';
export {
  mergeRunnerOutputs,
  MergeRefusedError,
  evaluateMergedThresholds,
  compareWithHdrHistogram,
  singleProcessThresholdFigures,
  mergedSummary,
  manifestPathFor,
  readRunnersManifest,
  runnersManifestSchema,
  describeMerge,
  describeThresholds,
  describeHdrComparison,
  HDR_BOUND_TEXT,
} from './merge/index.ts';
export type {
  MergeOptions,
  MergeResult,
  MergeProblem,
  RunnerSource,
  RunnersManifest,
  RunnerEntry,
  MergedThreshold,
  MergedThresholdEvaluation,
  HdrComparison,
  SingleProcessFigure,
} from './merge/index.ts';

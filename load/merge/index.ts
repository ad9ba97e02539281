export {
  mergeRunnerOutputs,
  MergeRefusedError,
  DEFAULT_CLOCK_SKEW_TOLERANCE_MS,
  DURATIONS_NOTE,
} from './merge-runners.ts';
export type { MergeOptions, MergeResult } from './merge-runners.ts';
export type { RunnerSource } from './runner-source.ts';
export type { MergeProblem } from './runner-plan.ts';
export { operatorSegment } from './runner-plan.ts';
export {
  manifestPathFor,
  readRunnersManifest,
  runnersManifestSchema,
  runnerEntrySchema,
  RUNNER_STATUSES,
} from './runners-manifest.ts';
export type { RunnersManifest, RunnerEntry, RunnerStatus } from './runners-manifest.ts';
export { evaluateMergedThresholds, exactBound } from './merged-thresholds.ts';
export type {
  MergedThreshold,
  MergedThresholdEvaluation,
  MergedThresholdOptions,
  RunnerValue,
} from './merged-thresholds.ts';
export {
  compareWithHdrHistogram,
  hdrComparisonOf,
  singleProcessThresholdFigures,
  HDR_BOUND_TEXT,
  HDR_RELATIVE_BOUND,
  HDR_QUANTUM_MS,
} from './hdr-comparison.ts';
export type { HdrComparison, HdrComparisonRow, SingleProcessFigure } from './hdr-comparison.ts';
export { percentile, percentileInterpolated } from './duration-samples.ts';
export { mergedSummary } from './merged-summary.ts';
export { describeMerge, describeThresholds, describeHdrComparison } from './merge-text.ts';

import type { Check, CheckFamily } from '../core/index.ts';
import { alertDrills } from './alert-drills.ts';
import { alertRulesOffline } from './alert-rules-offline.ts';
import type { ValidationContext } from './context.ts';
import { dashboards } from './dashboards.ts';
import { logsCheck } from './logs.ts';
import { metricsCheck, metricsOnEventCheck } from './metrics.ts';
import { pipelineProbe } from './pipeline-probe.ts';
import { pipelineCheck } from './pipeline.ts';
import { tracesCheck } from './traces.ts';

/** Every check, by name; the name type is derived from this table. */
export const VALIDATORS = {
  pipelineProbe,
  traces: tracesCheck,
  metrics: metricsCheck,
  logs: logsCheck,
  pipeline: pipelineCheck,
  dashboards,
  alertRulesOffline,
  alertDrills,
  // After the drills: the metrics only their faults produce (on-event) are checked then.
  metricsOnEvent: metricsOnEventCheck,
} satisfies Record<string, Check<ValidationContext>>;

export type ValidatorName = keyof typeof VALIDATORS;

/** The family each validator's checks belong to (the family of the `error` check when one throws). */
export const VALIDATOR_FAMILIES = {
  pipelineProbe: 'pipeline',
  traces: 'traces',
  metrics: 'metrics',
  logs: 'logs',
  pipeline: 'pipeline',
  dashboards: 'dashboards',
  alertRulesOffline: 'alerts',
  alertDrills: 'alerts',
  metricsOnEvent: 'metrics',
} as const satisfies Record<ValidatorName, CheckFamily>;

export { runValidators, runValidatorIsolated, validatorErrorResult, whereThrown } from './run-validators.ts';
export type { RunValidatorsOptions } from './run-validators.ts';

export { pipelineProbe, PROBE_SERVICE } from './pipeline-probe.ts';
export { tracesCheck, analyzeTrace } from './traces.ts';
export {
  metricsCheck,
  metricsOnEventCheck,
  exactIncrease,
  waitForFleetScraped,
  DEFAULT_SERVICE_LABEL,
} from './metrics.ts';
export { logsCheck } from './logs.ts';
export { pipelineCheck, lossCounters } from './pipeline.ts';
export {
  dashboards,
  createDashboardsCheck,
  promqlParser,
  logqlParser,
  parsePromql,
  interpolateQuery,
  queryTiming,
} from './dashboards.ts';
export type { ParseOutcome, QueryParser, DirectPathOptions } from './dashboards.ts';
export { alertRulesOffline, resolveReceivers, templateLabels } from './alert-rules-offline.ts';
export { alertDrills, drillLanes, drillDeadlines, annotationProblems } from './alert-drills.ts';
export { createClients, endpointsFromStack, DEFAULT_SCRAPE_JOBS } from './context.ts';
export { evaluateGate } from './gate.ts';
export { metricInventory } from './inventory.ts';
export type { MetricInventory } from './inventory.ts';
export type { GateVerdict } from './gate.ts';
export type {
  ValidationContext,
  ScrapeJobs,
  BackendEndpoints,
  BackendClients,
  ToolPaths,
  FleetControl,
  DrillTraffic,
  DrillProfile,
  DrillOptions,
} from './context.ts';
export * from './clients/index.ts';

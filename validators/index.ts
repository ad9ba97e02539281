import type { Check, CheckFamily } from '../core/index.ts';
import { alertDrills } from './alert-drills/index.ts';
import { alertRulesOffline } from './alert-rules-offline/index.ts';
import type { ValidationContext } from './context.ts';
import { dashboards } from './dashboards.ts';
import { logsCheck } from './logs.ts';
import { metricsCheck, metricsOnEventCheck } from './metrics.ts';
import { pipelineProbe } from './pipeline-probe.ts';
import { pipelineCheck } from './pipeline.ts';
import { tracesCheck } from './traces.ts';

/**
 * Every validator, by name; the name type is derived from this table. A validator's name is the
 * prefix of every check id it produces (`pipeline.probe` → `pipeline.probe.log`; a validator that
 * throws gets `<name>.validator`), so the names a run is asked for are the ones its report shows
 * (validator-ids.test.ts holds every validator to it).
 */
export const VALIDATORS = {
  'pipeline.probe': pipelineProbe,
  traces: tracesCheck,
  metrics: metricsCheck,
  logs: logsCheck,
  pipeline: pipelineCheck,
  dashboards,
  'alerts.offline': alertRulesOffline,
  'alerts.drill': alertDrills,
  // After the drills: the metrics only their faults produce (on-event) are checked then.
  'metrics.on-event': metricsOnEventCheck,
} satisfies Record<string, Check<ValidationContext>>;

export type ValidatorName = keyof typeof VALIDATORS;

/** The family each validator's checks belong to (the family of the `error` check when one throws). */
export const VALIDATOR_FAMILIES = {
  'pipeline.probe': 'pipeline',
  traces: 'traces',
  metrics: 'metrics',
  logs: 'logs',
  pipeline: 'pipeline',
  dashboards: 'dashboards',
  'alerts.offline': 'alerts',
  'alerts.drill': 'alerts',
  'metrics.on-event': 'metrics',
} as const satisfies Record<ValidatorName, CheckFamily>;

export { runValidators, runValidatorIsolated, validatorErrorResult, whereThrown } from './run-validators.ts';
export type { RunValidatorsOptions } from './run-validators.ts';

export { pipelineProbe, PROBE_SERVICE } from './pipeline-probe.ts';
export { tracesCheck, analyzeTrace } from './traces.ts';
export { metricsCheck, metricsOnEventCheck, exactIncrease, waitForFleetScraped } from './metrics.ts';
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
export { alertRulesOffline, resolveReceivers } from './alert-rules-offline/index.ts';
export { alertDrills, drillLanes, drillDeadlines } from './alert-drills/index.ts';
export { annotationProblems, templateLabels } from './alert-templates.ts';
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

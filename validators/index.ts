import type { Check } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { logsCheck } from './logs.ts';
import { metricsCheck } from './metrics.ts';
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
} satisfies Record<string, Check<ValidationContext>>;

export type ValidatorName = keyof typeof VALIDATORS;

export { pipelineProbe, PROBE_SERVICE } from './pipeline-probe.ts';
export { tracesCheck, analyzeTrace } from './traces.ts';
export { metricsCheck, exactIncrease, DEFAULT_SERVICE_LABEL } from './metrics.ts';
export { logsCheck, traceIdsQuery } from './logs.ts';
export { pipelineCheck, lossCounters } from './pipeline.ts';
export { createClients, endpointsFromStack } from './context.ts';
export type { ValidationContext, BackendEndpoints, BackendClients } from './context.ts';
export * from './clients/index.ts';

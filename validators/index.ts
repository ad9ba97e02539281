import type { Check } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { pipelineProbe } from './pipeline-probe.ts';

/** Every check, by name; the name type is derived from this table. */
export const VALIDATORS = {
  pipelineProbe,
} satisfies Record<string, Check<ValidationContext>>;

export type ValidatorName = keyof typeof VALIDATORS;

export { pipelineProbe, PROBE_SERVICE } from './pipeline-probe.ts';
export { createClients, endpointsFromStack } from './context.ts';
export type { ValidationContext, BackendEndpoints, BackendClients } from './context.ts';
export * from './clients/index.ts';

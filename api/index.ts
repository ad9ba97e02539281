/**
 * phoenix-observability-harness as a library (docs/api.md): the monitoring stack, the mock Phoenix
 * fleet and a validation run, each started from a builder and stopped with `await using`.
 */
export { ObservabilityStack, StartedObservabilityStack, EMBEDDED_RUNNERS } from './observability-stack.ts';
export type { EmbeddedRunner, LogStoreName, StackRules } from './observability-stack.ts';
export { PhoenixFleet, StartedPhoenixFleet } from './phoenix-fleet.ts';
export type { InjectedFault } from './phoenix-fleet.ts';
export {
  validate,
  validateAhead,
  TRAFFIC_INDEPENDENT_VALIDATORS,
  externalStack,
  ledgerAt,
  ledgerWindow,
  noTraffic,
} from './validate.ts';
export type { ValidateOptions, ValidationOutcome, ValidationAhead, ExternalStack } from './validate.ts';
export { ledgerFromEntries, HarnessError, ConfigError } from '../core/index.ts';
export type { CheckResult, LedgerEntry, LedgerSource } from '../core/index.ts';
export type { Phase, ServiceName } from '../catalog/index.ts';
export type { FaultName } from '../mock-services/index.ts';
export type { GateVerdict, ValidatorName, BackendEndpoints } from '../validators/index.ts';

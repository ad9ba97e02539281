export { HarnessError, ConfigError, DeadlineError, describeError } from './errors.ts';
export { pollUntil, waitFor, describeLast, pollInterval } from './poll.ts';
export type { PollOptions, PollOutcome } from './poll.ts';
export {
  getFreePort,
  getFreePorts,
  isPortFree,
  LOOPBACK,
  saysAddressInUse,
  startWithPortRetry,
} from './ports.ts';
export type { PortRetryOptions } from './ports.ts';
export { nonLoopbackIPv4 } from './host-address.ts';
export { childEnv, CHILD_ENV_NEEDS, type ChildEnvNeed } from './child-env.ts';
export { rememberSecret, rememberedSecrets } from './secrets.ts';
export { newRunId } from './run-id.ts';
export { forEachConcurrent } from './concurrency.ts';
export { untilAborted } from './abort.ts';
export { Teardown } from './teardown.ts';
export { BodyChunks } from './body-chunks.ts';
export { ledgerFromEntries, ledgerEntrySchema, LEDGER_FLOWS } from './ledger.ts';
export type { LedgerEntry, LedgerSource, AccountingRow } from './ledger.ts';
export { CHECK_FAMILIES } from './check-result.ts';
export type { CheckResult, CheckFamily, CheckStatus, CheckEvidence, Check } from './check-result.ts';
export {
  defineConfig,
  expandEnvReferences,
  loadConfig,
  parseConfig,
  describeConfigIssue,
  harnessConfigSchema,
  STACK_RUNNERS,
  REPORTER_NAMES,
  LOG_STORES,
  TRACE_STORES,
  JAEGER_MEMORY_MAX_TRACES,
  LOAD_ENGINES,
  SERVICE_LABEL,
  assertStackChoice,
  PHASES,
} from './config.ts';
export type { HarnessConfig, HarnessConfigInput, TraceStore } from './config.ts';
export { parseDurationMs } from './duration.ts';
export { killOnExit } from './kill-on-exit.ts';
export { bundleEsm } from './bundle.ts';
export type { EsmBundleOptions } from './bundle.ts';

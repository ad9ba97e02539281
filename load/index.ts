export {
  runScenario,
  thresholdFailuresFrom,
  flowRequestCount,
  k6ExitError,
  k6Arguments,
  k6SummarySchema,
} from './run-scenario.ts';
export type {
  RunScenarioOptions,
  ScenarioRun,
  ScenarioName,
  ThresholdFailure,
  K6Summary,
} from './run-scenario.ts';
export { K6_THRESHOLDS_FAILED } from './run-scenario.ts';
export {
  readLedger,
  convertK6Output,
  describeConversion,
  ledgerRecordSchema,
  ledgerRecordFromPoint,
  LEDGER_FLOWS,
  LEDGER_METADATA,
} from './ledger.ts';
export type { Ledger, LedgerRecord, LedgerConversion } from './ledger.ts';
export { RequestLoop, drillTraffic } from './request-loop.ts';
export type { DrillTrafficOptions, DrillTrafficStats } from './request-loop.ts';

export {
  RUN_REPORT_SCHEMA_VERSION,
  INTERRUPT_REASONS,
  runReportSchema,
  reportedCheckSchema,
  latencySummarySchema,
  LatencyAccumulator,
  latencyFromLedger,
  latencyFromLedgerStream,
  redactSecrets,
  REDACTED,
} from './model.ts';
export type {
  RunReport,
  ReportedCheck,
  LatencySummary,
  LatencyPoint,
  HistogramBucket,
  AlertDrill,
  ComponentVersion,
  ReportLinks,
} from './model.ts';
export { createReporters } from './registry.ts';
export type { ReporterName, ReporterEntry, ReporterOptions } from './registry.ts';
export type {
  Reporter,
  ReporterContext,
  ReporterOutput,
  RunStartInfo,
  NamedReporter,
  TextOutput,
} from './reporter-contract.ts';
export {
  ReporterMultiplexer,
  describeReporterFailures,
  DEFAULT_REPORTER_HOOK_TIMEOUT_MS,
} from './multiplexer.ts';
export type { ReporterFailure, ReporterHook, RunEndOutcome } from './multiplexer.ts';
export { OUTPUT_FILE_ENV, DEFAULT_OUTPUT_FILE, resolveOutputFile } from './output-file.ts';
export { jsonReporter, readRunReport, parseRunReport, serializeRunReport } from './json-reporter.ts';
export type { JsonReporterOptions } from './json-reporter.ts';
export { junitReporter, renderJunitXml } from './junit-reporter.ts';
export type { JunitReporterOptions } from './junit-reporter.ts';
export { consoleReporter, formatConsoleSummary, terminalSafe, useColor } from './console-reporter.ts';
export { gateHolds, gateLine, gateWord, waiverLines } from './gate-text.ts';
export type { ConsoleReporterOptions, ConsoleFormat } from './console-reporter.ts';
export { githubReporter, renderGithubSummary } from './github-reporter.ts';
export type { GithubReporterOptions } from './github-reporter.ts';
export { htmlReporter, renderHtmlReport, HTML_REPORT_CSP } from './html-reporter.ts';
export type { HtmlReporterOptions } from './html-reporter.ts';
export { knownSecrets, redactReport, redactText, secretsFromConfigAndEnv, secretVariants } from './redact.ts';
export { compareWithBaseline } from './baseline.ts';
export type { BaselineInput, BaselineCriteria } from './baseline.ts';

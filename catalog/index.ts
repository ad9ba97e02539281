/** The catalog's public API: what Phoenix must emit, the rules built on it, and the rollout phases. */
export { PHASE_NUMBERS, SERVICE_NAMES, KB_SERVICES } from './types.ts';
export type {
  Phase,
  ServiceName,
  MetricType,
  CatalogSource,
  MetricDef,
  SpanKind,
  SpanDef,
  FlowName,
  FlowDef,
  LogLabelDef,
  LogSchema,
  RecordingRuleDef,
  Severity,
  AlertTrigger,
  AlertRuleDef,
  PanelDef,
  DashboardDef,
  PhaseDef,
} from './types.ts';
export {
  METRICS,
  SEED_EXAMPLE_NAMES,
  HTTP_STATUS_CODES,
  OUTCOME_STATUSES,
  LLM_MODELS,
  KB_NAMES,
  CIRCUIT_STATES,
  SAFETY_BLOCK_REASONS,
  RISK_LEVELS,
  REQUEST_DURATION_BUCKETS,
  LLM_PRICING_DOLLARS_PER_1K_TOKENS,
  exponentialBuckets,
  linearBuckets,
  metricByName,
  metricsForServices,
  allowedValuesOn,
  maxSeriesPerService,
  catalogLabelNames,
} from './metrics.ts';
export {
  FLOWS,
  SERVICE_OPERATIONS,
  OPERATION_NAMES,
  SERVER_SPAN_ATTRIBUTES,
  CLIENT_SPAN_ATTRIBUTES,
  serverSpan,
  clientSpan,
  flowByName,
  callTargets,
  callingServices,
} from './flows.ts';
export type { OperationDef } from './flows.ts';
export { LOG_SCHEMA, LOG_LEVELS } from './logs.ts';
export type { LogLevel } from './logs.ts';
export {
  RECORDING_RULES,
  ALERT_RULES,
  AVAILABILITY_SLO,
  LATENCY_SLO,
  BURN_RATE_ALERTS,
  SAFETY_BLOCKED_RATIO_THRESHOLD,
  LLM_COST_ALERT_DOLLARS_PER_HOUR,
  RECEIVERS_BY_SEVERITY,
  DEFAULT_RULE_GROUP,
  alertByName,
  recordingRuleByName,
} from './rules.ts';
export {
  DASHBOARDS,
  SEED_REQUIRED_PANELS,
  DASHBOARDS_DIR,
  dashboardByUid,
  dashboardFile,
} from './dashboards.ts';
export {
  GRAFANA_DATASOURCES,
  PROMETHEUS_DATASOURCE_UID,
  LOKI_DATASOURCE_UID,
  JAEGER_DATASOURCE_UID,
  datasourceRef,
} from './datasources.ts';
export type { DatasourceKind, GrafanaDatasourceDef } from './datasources.ts';
export {
  expressionReferences,
  expressionMetrics,
  onEventMetrics,
  expressionDurations,
  rangeWindowsMs,
  scaleExpr,
  selectorNames,
} from './expressions.ts';
export type { ExpressionReference, ExpressionDuration, DurationRole } from './expressions.ts';
export { scaleDuration, parseDurationMs, formatDurationMs } from './durations.ts';
export { ROLLOUT_PHASES, phaseDef, requiredFor, requiredSeries, flowAtPhase } from './phases.ts';
export type { PhaseRequirements } from './phases.ts';
export {
  RULE_FILES,
  renderRecordingRules,
  renderAlertRules,
  renderRuleFiles,
  recordingRuleGroups,
  alertRuleGroups,
} from './render-rules.ts';
export type { RenderRulesOptions } from './render-rules.ts';
export {
  RULE_TESTS_DIR,
  PRODUCTION_INTERVAL,
  ALERT_SCENARIOS,
  alertTestFile,
  renderRuleTestFiles,
} from './rule-tests.ts';
export type { AlertScenario, InputSeries } from './rule-tests.ts';

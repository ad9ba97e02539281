export { BackendHttp, BackendError, describeHttpFailure, looksLikeHtml } from './http.ts';
export type { BackendOptions } from './http.ts';
export { PrometheusClient } from './prometheus.ts';
export type {
  PrometheusApi,
  PromSample,
  PromTarget,
  PromMetadata,
  PromRangeSeries,
  PromRuleGroup,
} from './prometheus.ts';
export { LokiClient, traceIdsQuery } from './loki.ts';
export type { LokiApi, LokiStream, LokiVectorSample, LokiMatrixSeries, LokiQueryData } from './loki.ts';
export { VictoriaLogsClient, parseStreamLabels } from './victorialogs.ts';
export type {
  VictoriaLogsOptions,
  VictoriaLogsRow,
  VictoriaLogsValue,
  VictoriaLogsHits,
  VictoriaLogsSample,
} from './victorialogs.ts';
export { UntranslatableQueryError } from './log-store.ts';
export type { LogStoreApi, LogStoreKind, TimeWindow, LogPanelOutcome, StoredLogLine } from './log-store.ts';
export {
  logqlToLogsql,
  logqlParseOutcome,
  parseLogql,
  LogqlSyntaxError,
  LOGSQL_COUNT_FIELD,
} from './logql-to-logsql.ts';
export type { LogsqlTranslation } from './logql-to-logsql.ts';
export { JaegerClient } from './jaeger.ts';
export type { JaegerApi, JaegerTrace, JaegerSpan } from './jaeger.ts';
export { AlertmanagerClient } from './alertmanager.ts';
export type { AlertmanagerStatus } from './alertmanager.ts';
export type { PostableAlert, GettableAlert } from './alertmanager.ts';
export { WebhookSinkClient } from './webhook-sink.ts';
export type { SinkNotification } from './webhook-sink.ts';
export { OtlpHttpClient } from './otlp.ts';
export { GrafanaClient, PROXY_HEALTH_PATHS } from './grafana.ts';
export type {
  GrafanaApi,
  GrafanaHealth,
  GrafanaSearchHit,
  GrafanaDashboard,
  GrafanaDashboardResponse,
  GrafanaPanel,
  GrafanaTarget,
  GrafanaDatasource,
  GrafanaDatasourceRef,
  GrafanaDatasourceHealth,
  DsQuery,
  DsQueryRequest,
  DsQueryResponse,
  DsQueryResult,
  DataFrame,
} from './grafana.ts';

export { BackendHttp, BackendError, describeHttpFailure, looksLikeHtml } from './http.ts';
export type { BackendOptions } from './http.ts';
export { PrometheusClient } from './prometheus.ts';
export type { PrometheusApi, PromSample, PromTarget, PromMetadata, PromRangeSeries } from './prometheus.ts';
export { LokiClient } from './loki.ts';
export type { LokiApi, LokiStream, LokiVectorSample } from './loki.ts';
export { JaegerClient } from './jaeger.ts';
export type { JaegerApi, JaegerTrace, JaegerSpan } from './jaeger.ts';
export { AlertmanagerClient } from './alertmanager.ts';
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

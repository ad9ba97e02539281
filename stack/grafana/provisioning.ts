/**
 * Grafana provisioning (seed 000, "Grafana Provisioning"), rendered at run time because the
 * datasource URLs and the dashboards path differ per runner (local ports, container aliases,
 * an external stack). Datasources carry the catalog's FIXED uids, which every generated panel uses.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DASHBOARDS_DIR, GRAFANA_DATASOURCES } from '../../catalog/index.ts';

/** Absolute path of the generated dashboard files in this checkout (stack/grafana/dashboards). */
export const GRAFANA_DASHBOARDS_PATH = join(fileURLToPath(new URL('../..', import.meta.url)), DASHBOARDS_DIR);

/** The seed's dashboard provider and folder name. */
export const GRAFANA_FOLDER = 'Phoenix Orchestrator';

/** Provisioning file paths, relative to Grafana's `paths.provisioning` directory. */
export const GRAFANA_PROVISIONING_FILES = {
  datasources: 'datasources/datasources.yaml',
  dashboards: 'dashboards/dashboards.yaml',
} as const;

export interface GrafanaDatasourceUrls {
  prometheusUrl: string;
  /** Absent when the log store is not Loki: Grafana has no built-in datasource for VictoriaLogs. */
  lokiUrl?: string;
  jaegerUrl: string;
}

/**
 * Matches a trace id in a log line: the JSON field (`"trace_id":"…"`) or logfmt (`trace_id=…`).
 * Grafana's derived fields run it on the line and turn the match into a link.
 */
export const TRACE_ID_MATCHER = '(?:"trace_id"\\s*:\\s*"|trace_id=)([0-9a-fA-F]{16,32})';

/** The datasources provisioning document (apiVersion 1) for the given backend URLs. */
export function grafanaDatasources(urls: GrafanaDatasourceUrls) {
  const { prometheus, loki, jaeger } = GRAFANA_DATASOURCES;
  const common = { access: 'proxy', editable: false } as const;
  const prometheusDs = {
    ...common,
    name: prometheus.name,
    type: prometheus.type,
    uid: prometheus.uid,
    url: urls.prometheusUrl,
    isDefault: true,
    jsonData: { httpMethod: 'POST', timeInterval: '15s' },
  };
  const lokiDs = urls.lokiUrl
    ? {
        ...common,
        name: loki.name,
        type: loki.type,
        uid: loki.uid,
        url: urls.lokiUrl,
        isDefault: false,
        jsonData: {
          maxLines: 1000,
          // Log line → trace: a trace id in the line opens the trace in the Jaeger datasource.
          derivedFields: [
            {
              name: 'TraceID',
              matcherRegex: TRACE_ID_MATCHER,
              url: '${__value.raw}',
              datasourceUid: jaeger.uid,
              urlDisplayLabel: 'View trace in Jaeger',
            },
          ],
        },
      }
    : undefined;
  const jaegerDs = {
    ...common,
    name: jaeger.name,
    type: jaeger.type,
    uid: jaeger.uid,
    url: urls.jaegerUrl,
    isDefault: false,
    jsonData: lokiDs
      ? {
          // Trace → logs: a span opens its service's log lines carrying the trace id in Loki.
          tracesToLogsV2: {
            datasourceUid: loki.uid,
            tags: [{ key: 'service.name', value: 'service' }],
            filterByTraceID: true,
            filterBySpanID: false,
            spanStartTimeShift: '-5m',
            spanEndTimeShift: '5m',
            customQuery: false,
          },
        }
      : {},
  };
  return { apiVersion: 1, datasources: lokiDs ? [prometheusDs, lokiDs, jaegerDs] : [prometheusDs, jaegerDs] };
}

/** The dashboards provisioning document: the seed's provider, reading the flat `<uid>.json` files at `path`. */
export function grafanaDashboardProvider(path: string) {
  return {
    apiVersion: 1,
    providers: [
      {
        name: GRAFANA_FOLDER,
        orgId: 1,
        folder: GRAFANA_FOLDER,
        type: 'file',
        disableDeletion: false,
        updateIntervalSeconds: 30,
        // The generated files are the source: UI edits would silently diverge from the catalog.
        allowUiUpdates: false,
        // The seed says true, but the files are flat (one folder): true would put them in General.
        options: { path, foldersFromFilesStructure: false },
      },
    ],
  };
}

/** Both provisioning files as YAML text, keyed by path relative to Grafana's provisioning directory. */
export function renderGrafanaProvisioning(
  urls: GrafanaDatasourceUrls,
  dashboardsPath: string = GRAFANA_DASHBOARDS_PATH,
): Record<string, string> {
  return {
    [GRAFANA_PROVISIONING_FILES.datasources]: stringify(grafanaDatasources(urls), { lineWidth: 0 }),
    [GRAFANA_PROVISIONING_FILES.dashboards]: stringify(grafanaDashboardProvider(dashboardsPath), {
      lineWidth: 0,
    }),
  };
}

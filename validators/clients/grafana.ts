import { z } from 'zod';
import { BackendError, BackendHttp, type BackendOptions } from './http.ts';

export interface GrafanaHealth {
  database: string;
  version?: string;
  commit?: string;
}

export interface GrafanaSearchHit {
  uid: string;
  title: string;
  type: string;
  folderTitle?: string;
  url?: string;
}

/** A datasource reference as dashboards store it: `{ type, uid }`, or a bare name (older dashboards). */
export type GrafanaDatasourceRef = { type?: string; uid?: string } | string | null;

export interface GrafanaTarget {
  refId?: string;
  datasource?: GrafanaDatasourceRef;
  expr?: string;
  hide?: boolean;
  [key: string]: unknown;
}

export interface GrafanaPanel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: GrafanaDatasourceRef;
  targets?: GrafanaTarget[];
  /** Collapsed rows keep their panels here. */
  panels?: GrafanaPanel[];
  [key: string]: unknown;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  panels?: GrafanaPanel[];
  [key: string]: unknown;
}

export interface GrafanaDashboardResponse {
  dashboard: GrafanaDashboard;
  meta: { folderTitle?: string; provisioned?: boolean; [key: string]: unknown };
}

export interface GrafanaDatasource {
  uid: string;
  name: string;
  type: string;
  url?: string;
  isDefault?: boolean;
}

export interface GrafanaDatasourceHealth {
  /** `OK` when the datasource answered; `ERROR` (or `UNKNOWN`) with Grafana's message otherwise. */
  status: string;
  message: string;
  /** How it was checked: the plugin's health check, or (plugins without one) a request through Grafana's proxy. */
  via: 'health' | 'proxy';
}

export interface DsQuery {
  refId: string;
  datasource: { uid: string; type?: string };
  expr?: string;
  [key: string]: unknown;
}

export interface DsQueryRequest {
  /** Epoch milliseconds, as strings (what Grafana's frontend sends). */
  from: string;
  to: string;
  queries: DsQuery[];
}

export interface DataFrame {
  schema?: { name?: string; refId?: string; fields?: { name: string; type?: string }[] };
  data?: { values?: unknown[][] };
}

export interface DsQueryResult {
  status?: number;
  frames?: DataFrame[];
  error?: string;
}

export interface DsQueryResponse {
  results: Record<string, DsQueryResult>;
}

// Schemas of Grafana's answers, for exactly the fields the interfaces above declare (others pass through).

const HealthSchema: z.ZodType<GrafanaHealth> = z.object({
  database: z.string(),
  version: z.string().optional(),
  commit: z.string().optional(),
});
const SearchHitsSchema: z.ZodType<GrafanaSearchHit[]> = z.array(
  z.object({
    uid: z.string(),
    title: z.string(),
    type: z.string(),
    folderTitle: z.string().optional(),
    url: z.string().optional(),
  }),
);
const DatasourceRefSchema: z.ZodType<GrafanaDatasourceRef> = z.union([
  z.looseObject({ type: z.string().optional(), uid: z.string().optional() }),
  z.string(),
  z.null(),
]);
const TargetSchema: z.ZodType<GrafanaTarget> = z.looseObject({
  refId: z.string().optional(),
  datasource: DatasourceRefSchema.optional(),
  expr: z.string().optional(),
  hide: z.boolean().optional(),
});
const PanelSchema: z.ZodType<GrafanaPanel> = z.lazy(() =>
  z.looseObject({
    id: z.number().optional(),
    type: z.string().optional(),
    title: z.string().optional(),
    datasource: DatasourceRefSchema.optional(),
    targets: z.array(TargetSchema).optional(),
    panels: z.array(PanelSchema).optional(),
  }),
);
const DashboardResponseSchema: z.ZodType<GrafanaDashboardResponse> = z.object({
  dashboard: z.looseObject({ uid: z.string(), title: z.string(), panels: z.array(PanelSchema).optional() }),
  meta: z.looseObject({ folderTitle: z.string().optional(), provisioned: z.boolean().optional() }),
});
const DatasourcesSchema: z.ZodType<GrafanaDatasource[]> = z.array(
  z.object({
    uid: z.string(),
    name: z.string(),
    type: z.string(),
    url: z.string().optional(),
    isDefault: z.boolean().optional(),
  }),
);
const DatasourceHealthBodySchema = z.object({
  status: z.string().optional(),
  message: z.string().optional(),
});
const DsQueryResponseSchema: z.ZodType<DsQueryResponse> = z.object({
  results: z.record(
    z.string(),
    z.object({
      status: z.number().optional(),
      error: z.string().optional(),
      frames: z
        .array(
          z.object({
            schema: z
              .object({
                name: z.string().optional(),
                refId: z.string().optional(),
                fields: z.array(z.object({ name: z.string(), type: z.string().optional() })).optional(),
              })
              .optional(),
            data: z.object({ values: z.array(z.array(z.unknown())).optional() }).optional(),
          }),
        )
        .optional(),
    }),
  ),
});

/** Grafana's HTTP API: the parts the dashboards validator reads. */
export interface GrafanaApi {
  readonly baseUrl: string;
  health(): Promise<GrafanaHealth>;
  searchDashboards(): Promise<GrafanaSearchHit[]>;
  /** The dashboard by uid, or undefined when Grafana has none (404). */
  dashboard(uid: string): Promise<GrafanaDashboardResponse | undefined>;
  datasources(): Promise<GrafanaDatasource[]>;
  datasourceHealth(ds: { uid: string; type: string }): Promise<GrafanaDatasourceHealth>;
  /** Runs queries through Grafana (`POST /api/ds/query`); per-query errors come back in `results`. */
  query(request: DsQueryRequest): Promise<DsQueryResponse>;
}

/**
 * Per datasource type, a cheap read through Grafana's datasource proxy: the check Grafana's own
 * frontend runs for plugins whose backend has no health check (Loki and Jaeger in Grafana 10).
 */
export const PROXY_HEALTH_PATHS: Readonly<Record<string, string>> = {
  prometheus: '/api/v1/status/buildinfo',
  loki: '/loki/api/v1/labels',
  jaeger: '/api/services',
};

/** Grafana, authenticated by the extra headers (`Authorization: Basic …` or `Bearer <service-account token>`). */
export class GrafanaClient implements GrafanaApi {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Grafana', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  health(): Promise<GrafanaHealth> {
    // 503 still carries the JSON naming the failing part (`"database": "failing"`).
    return this.http.request({ method: 'GET', url: '/api/health', validateStatus: okOr(503) }, HealthSchema);
  }

  searchDashboards(): Promise<GrafanaSearchHit[]> {
    return this.http.get('/api/search', SearchHitsSchema, { type: 'dash-db', limit: 5000 });
  }

  dashboard(uid: string): Promise<GrafanaDashboardResponse | undefined> {
    return this.http.getOptional(`/api/dashboards/uid/${encodeURIComponent(uid)}`, DashboardResponseSchema);
  }

  datasources(): Promise<GrafanaDatasource[]> {
    return this.http.get('/api/datasources', DatasourcesSchema);
  }

  async datasourceHealth(ds: { uid: string; type: string }): Promise<GrafanaDatasourceHealth> {
    const uid = encodeURIComponent(ds.uid);
    try {
      // 400 = the check ran and failed; its body says why.
      const body = await this.http.request(
        { method: 'GET', url: `/api/datasources/uid/${uid}/health`, validateStatus: okOr(400) },
        DatasourceHealthBodySchema,
      );
      return { status: body.status ?? 'UNKNOWN', message: body.message ?? '', via: 'health' };
    } catch (error) {
      // No backend health check in this Grafana: 404 "Not found" (Loki in 10.x), 503 "Plugin
      // unavailable" (Jaeger, a frontend-only plugin there). Fall through to the proxy probe.
      if (!(error instanceof BackendError && (error.status === 404 || error.status === 503))) throw error;
    }
    const path = PROXY_HEALTH_PATHS[ds.type];
    if (!path) {
      return { status: 'UNKNOWN', message: `no health check for datasource type ${ds.type}`, via: 'proxy' };
    }
    try {
      // The datasource's own answer: only that it answered (HTML, a proxy page, is refused).
      await this.http.requestText({ method: 'GET', url: `/api/datasources/proxy/uid/${uid}${path}` });
      return { status: 'OK', message: `GET ${path} through Grafana's proxy answered`, via: 'proxy' };
    } catch (error) {
      if (error instanceof BackendError && error.status !== undefined) {
        return { status: 'ERROR', message: error.message, via: 'proxy' };
      }
      throw error;
    }
  }

  query(request: DsQueryRequest): Promise<DsQueryResponse> {
    // Grafana answers 400 (or 207) when a query failed, with the per-query errors in the body.
    return this.http.request(
      { method: 'POST', url: '/api/ds/query', data: request, validateStatus: okOr(400, 207) },
      DsQueryResponseSchema,
    );
  }
}

const okOr =
  (...statuses: number[]) =>
  (status: number): boolean =>
    (status >= 200 && status < 300) || statuses.includes(status);

/**
 * Dashboards through a Grafana the user has (staging, or the official image on their machine):
 * Grafana healthy, its datasources provisioned and answering, each required dashboard provisioned
 * with its panels, every query parsing, and every panel showing data through `/api/ds/query`.
 */
import { GRAFANA_DATASOURCES, type DashboardDef } from '../../catalog/index.ts';
import { describeLast, pollUntil, type CheckResult } from '../../core/index.ts';
import type {
  DsQuery,
  DsQueryResponse,
  GrafanaApi,
  GrafanaDatasource,
  GrafanaPanel,
} from '../clients/index.ts';
import type { LogStoreApi, TimeWindow } from '../clients/log-store.ts';
import type { ValidationContext } from '../context.ts';
import { errorMessage, result, skipped, type ResultBase } from '../result.ts';
import {
  base,
  datasourceRefsCheck,
  parseBase,
  parseCheck,
  pathEvidence,
  panelDataCheck,
  perPanel,
  POLL_INTERVAL_MS,
  presenceCheck,
  presentBase,
  refsBase,
  runWindow,
  wantedPanels,
  type DashboardsPath,
  type PanelRunner,
} from './checks.ts';
import {
  interpolateQuery,
  interpolateVariables,
  parseDurationMs,
  queryTiming,
  type QueryLanguage,
  type ResolvedVariable,
} from './interpolate.ts';
import { dashboardQueries, hasData, type PanelQuery } from './panel-queries.ts';
import { resolveDashboardVariables } from './variables.ts';

/** Datasource types whose queries Grafana runs for the harness here. */
const QUERYABLE_TYPES = new Set(['prometheus', 'loki']);

const language = (q: PanelQuery): QueryLanguage => (q.datasource?.type === 'loki' ? 'logql' : 'promql');

export async function grafanaPath(
  ctx: ValidationContext,
  grafana: GrafanaApi,
  required: readonly DashboardDef[],
  logs: LogStoreApi | undefined,
): Promise<CheckResult[]> {
  const path: DashboardsPath = { kind: 'grafana', via: `via Grafana at ${grafana.baseUrl}` };
  const health = await grafanaHealth(
    grafana,
    base('grafana.healthy', 'Grafana is up and its database healthy', 1),
    path,
  );
  if (health.status !== 'pass') {
    return [
      health,
      ...required.map((d) => skipped(presentBase(d), 'Grafana is not healthy (see its check)')),
    ];
  }
  let datasources: GrafanaDatasource[];
  try {
    datasources = await grafana.datasources();
  } catch (error) {
    return [
      health,
      result(base('datasources.listed', 'Grafana lists its datasources', 1), 'error', {
        expected: 'GET /api/datasources answers',
        observed: errorMessage(error),
        message: `could not list Grafana's datasources ${path.via}: ${errorMessage(error)}`,
        evidence: pathEvidence(path),
      }),
    ];
  }
  const datasourceResults = await Promise.all(
    Object.values(GRAFANA_DATASOURCES).map((def) => datasourceHealth(grafana, def, datasources, path)),
  );
  const perDashboard = await Promise.all(
    required.map((d) => dashboardChecks(ctx, grafana, d, datasources, logs, path)),
  );
  return [health, ...datasourceResults, ...perDashboard.flat()];
}

async function grafanaHealth(grafana: GrafanaApi, b: ResultBase, path: DashboardsPath): Promise<CheckResult> {
  const evidence = { urls: [`${grafana.baseUrl}/api/health`], ...pathEvidence(path) };
  try {
    const h = await grafana.health();
    const observed = `database ${h.database}${h.version ? `, version ${h.version}` : ''}`;
    if (h.database === 'ok')
      return result(b, 'pass', {
        expected: 'database ok',
        observed,
        message: `Grafana is healthy; dashboards are checked ${path.via}`,
        evidence,
      });
    return result(b, 'fail', {
      expected: 'database ok',
      observed,
      message: `Grafana at ${grafana.baseUrl} reports its database as "${h.database}"`,
      evidence,
    });
  } catch (error) {
    return result(b, 'error', {
      expected: 'database ok',
      observed: errorMessage(error),
      message: `Grafana health check failed ${path.via}: ${errorMessage(error)}`,
      evidence,
    });
  }
}

async function datasourceHealth(
  grafana: GrafanaApi,
  def: (typeof GRAFANA_DATASOURCES)[keyof typeof GRAFANA_DATASOURCES],
  datasources: readonly GrafanaDatasource[],
  path: DashboardsPath,
): Promise<CheckResult> {
  const b = base(
    `datasource.${def.uid}`,
    `Datasource ${def.name} (${def.uid}) is provisioned and healthy`,
    1,
  );
  const expected = `a ${def.type} datasource with uid ${def.uid} whose health check passes`;
  const evidence = {
    urls: [`${grafana.baseUrl}/api/datasources/uid/${def.uid}/health`],
    ...pathEvidence(path),
  };
  const ds = datasources.find((d) => d.uid === def.uid);
  if (!ds) {
    const present = datasources.map((d) => `${d.uid} (${d.type})`).join(', ') || 'none';
    return result(b, 'fail', {
      expected,
      observed: `no datasource with uid ${def.uid}; present: ${present}`,
      message: `Grafana has no datasource with uid ${def.uid}: panels referring to it show errors (check the provisioning file)`,
      evidence,
    });
  }
  if (ds.type !== def.type) {
    return result(b, 'fail', {
      expected,
      observed: `uid ${def.uid} is of type ${ds.type}`,
      message: `datasource ${def.uid} is of type ${ds.type}, not ${def.type}`,
      evidence,
    });
  }
  try {
    const h = await grafana.datasourceHealth({ uid: ds.uid, type: ds.type });
    const observed = `${h.status}: ${h.message}`;
    if (h.status === 'OK')
      return result(b, 'pass', {
        expected,
        observed,
        message: `${def.name} answers Grafana (${h.via})`,
        evidence,
      });
    return result(b, 'fail', {
      expected,
      observed,
      message: `datasource ${def.uid} (${ds.url ?? 'no URL'}) fails its health check: ${h.message}`,
      evidence,
    });
  } catch (error) {
    return result(b, 'error', {
      expected,
      observed: errorMessage(error),
      message: `could not run the health check of datasource ${def.uid}: ${errorMessage(error)}`,
      evidence,
    });
  }
}

async function dashboardChecks(
  ctx: ValidationContext,
  grafana: GrafanaApi,
  def: DashboardDef,
  datasources: readonly GrafanaDatasource[],
  logs: LogStoreApi | undefined,
  path: DashboardsPath,
): Promise<CheckResult[]> {
  const url = `${grafana.baseUrl}/d/${def.uid}`;
  const wanted = wantedPanels(def);
  const expected = `dashboard ${def.uid} with panels ${wanted.map((t) => `"${t}"`).join(', ')}`;
  // Grafana provisions at start-up and re-reads files every 30 s: give it the ingest deadline.
  const outcome = await pollUntil({
    description: `dashboard ${def.uid} in Grafana`,
    probe: () => grafana.dashboard(def.uid),
    until: (d) => d !== undefined,
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: POLL_INTERVAL_MS,
  });
  const dashboard = outcome.last?.dashboard;
  if (!dashboard) {
    if (outcome.lastError !== undefined) {
      return [
        result(presentBase(def), 'error', {
          expected,
          observed: describeLast(outcome),
          message: `could not read dashboard ${def.uid} ${path.via}: ${describeLast(outcome)}`,
          evidence: { urls: [url], ...pathEvidence(path) },
        }),
      ];
    }
    const present = await grafana
      .searchDashboards()
      .then((hits) => hits.map((h) => h.uid).join(', ') || 'none')
      .catch((error: unknown) => `(search failed: ${errorMessage(error)})`);
    return [
      result(presentBase(def), 'fail', {
        expected,
        observed: `absent after ${outcome.elapsedMs}ms; dashboards present: ${present}`,
        message: `dashboard ${def.uid} ("${def.title}") is not in Grafana: is stack/grafana/dashboards/${def.uid}.json provisioned?`,
        evidence: { urls: [url, `${grafana.baseUrl}/api/search?type=dash-db`], ...pathEvidence(path) },
      }),
      skipped(refsBase(def), `dashboard ${def.uid} is absent`),
      skipped(parseBase(def), `dashboard ${def.uid} is absent`),
    ];
  }
  const panels = dashboardQueries(dashboard, datasources, 'Grafana');
  const variables = await resolveDashboardVariables(dashboard, ctx.clients.prometheus).catch(() => []);
  const w = runWindow(ctx);
  const timing = queryTiming({ rangeMs: w.end.getTime() - w.start.getTime() });
  const [parse, data] = await Promise.all([
    parseCheck(
      ctx,
      def,
      panels,
      (q) => interpolateQuery(q.expr, { variables, language: language(q), timing }),
      logs,
      path,
    ),
    perPanel(ctx, panels, ({ panel, queries }) => {
      const runnable = queries.filter((q) => q.datasource && QUERYABLE_TYPES.has(q.datasource.type));
      const unrunnable = queries
        .filter((q) => !runnable.includes(q))
        .map((q) =>
          q.datasource
            ? `${q.refId} is on a ${q.datasource.type} datasource (not run)`
            : `${q.refId}: ${q.datasourceProblem ?? 'no datasource'}`,
        );
      return panelDataCheck({
        ctx,
        def,
        panel,
        runnable,
        unrunnable,
        run: grafanaRunner(grafana, panel, variables),
        path,
        urls: [`${grafana.baseUrl}/d/${dashboard.uid}?viewPanel=${panel.id ?? ''}`],
      });
    }),
  ]);
  return [
    presenceCheck(def, dashboard, path, [url]),
    datasourceRefsCheck(def, panels, path, [url]),
    parse,
    ...data,
  ];
}

/** Runs a panel's targets in one `/api/ds/query`, template variables replaced as Grafana's frontend does. */
function grafanaRunner(
  grafana: GrafanaApi,
  panel: GrafanaPanel,
  variables: readonly ResolvedVariable[],
): PanelRunner {
  return async (queries, window) => {
    const sent = new Map(queries.map((q) => [q.refId, interpolateVariables(q.expr, variables, language(q))]));
    const response: DsQueryResponse = await grafana.query({
      from: String(window.start.getTime()),
      to: String(window.end.getTime()),
      queries: queries.map((q) => dsQuery(q, sent.get(q.refId) ?? q.expr, panel, window)),
    });
    const results = response?.results ?? {};
    return Object.fromEntries(
      queries.map((q) => {
        const r = results[q.refId];
        return [
          q.refId,
          { sent: sent.get(q.refId) ?? q.expr, data: hasData(r), ...(r?.error ? { error: r.error } : {}) },
        ];
      }),
    );
  };
}

/** The query as Grafana's frontend would send it for a panel over `window`. */
function dsQuery(q: PanelQuery, expr: string, panel: GrafanaPanel, window: TimeWindow): DsQuery {
  const ds = q.datasource as GrafanaDatasource;
  const maxDataPoints = typeof panel.maxDataPoints === 'number' ? panel.maxDataPoints : 100;
  const minIntervalMs = parseDurationMs(typeof panel.interval === 'string' ? panel.interval : undefined);
  const t = q.target;
  const timing = queryTiming({
    rangeMs: window.end.getTime() - window.start.getTime(),
    maxDataPoints,
    // Grafana applies the datasource's scrape interval itself; only a panel's min interval is ours to pass.
    minIntervalMs: minIntervalMs ?? 1_000,
  });
  return {
    ...t,
    refId: q.refId,
    datasource: { uid: ds.uid, type: ds.type },
    expr,
    maxDataPoints,
    intervalMs: timing.intervalMs,
    // A stored target without range/instant runs as a range query, as the panel editor defaults.
    ...(ds.type === 'prometheus' && t.range === undefined && t.instant === undefined ? { range: true } : {}),
    ...(ds.type === 'loki' && t.queryType === undefined ? { queryType: 'range' } : {}),
  };
}

import {
  GRAFANA_DATASOURCES,
  dashboardByUid,
  onEventMetrics,
  requiredFor,
  type DashboardDef,
} from '../catalog/index.ts';
import { describeLast, forEachConcurrent, pollUntil, type CheckResult } from '../core/index.ts';
import {
  BackendError,
  type DsQueryResponse,
  type DsQueryResult,
  type GrafanaApi,
  type GrafanaDashboard,
  type GrafanaDatasource,
  type GrafanaDatasourceRef,
  type GrafanaPanel,
  type LokiApi,
  type PrometheusApi,
} from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { errorMessage, result, skipped, type ResultBase } from './result.ts';

/** Default run window when the context has none: the last 15 minutes (Grafana's usual range). */
const DEFAULT_WINDOW_MS = 15 * 60_000;
const DEFAULT_CONCURRENCY = 8;
const POLL_INTERVAL_MS = 1_000;
/** Datasource types whose queries the harness can parse and run through Grafana. */
const QUERYABLE_TYPES = new Set(['prometheus', 'loki']);

// ---------------------------------------------------------------------------------------------
// Query parsing. No PromQL/LogQL parser is installed (and the harness cannot install one), so the
// parsers ask the backends' own parsers: Prometheus's `/api/v1/query` answers `bad_data` with a
// position for a syntax error, Loki's query API answers 400 "parse error at line 1, col N". Same
// grammar as the panel will meet, at the cost of one cheap query per expression.
// ---------------------------------------------------------------------------------------------

export type ParseOutcome = { ok: true } | { ok: false; error: string };
/** Parses one expression; throws only when the parser itself cannot be reached. */
export type QueryParser = (expr: string) => Promise<ParseOutcome>;

/** Grafana's built-in interval/range macros, replaced by a plausible value so the backend can parse the query. */
const GRAFANA_MACROS: readonly [RegExp, string][] = [
  [/\$\{?__(rate_interval|interval|range)_ms\}?/g, '60000'],
  [/\$\{?__(rate_interval|interval|range)_s\}?/g, '60'],
  [/\$\{?__(rate_interval|interval|range)\}?/g, '1m'],
];

export function interpolateGrafanaMacros(expr: string): string {
  return GRAFANA_MACROS.reduce((e, [pattern, value]) => e.replace(pattern, value), expr);
}

/** The body of a BackendError (`<backend> answered <status> at <url>: <body>`). */
function errorBody(error: BackendError): string {
  const marker = `${error.url}: `;
  const at = error.message.indexOf(marker);
  return at < 0 ? error.message : error.message.slice(at + marker.length);
}

/** PromQL through Prometheus's parser: `GET /api/v1/query` answers 400 `bad_data` on a syntax error. */
export function promqlParser(prometheus: PrometheusApi): QueryParser {
  return async (expr) => {
    try {
      // Evaluated at the Unix epoch: nothing is there, so only parsing costs anything.
      await prometheus.query(interpolateGrafanaMacros(expr), new Date(0));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      // 422 = parsed, but failed to execute (e.g. many-to-many matching): the data check reports it.
      if (error.status === 422) return { ok: true };
      if (error.status !== 400) throw error;
      const body = errorBody(error);
      const message = /"error":"((?:[^"\\]|\\.)*)"/.exec(body)?.[1]?.replace(/\\"/g, '"') ?? body;
      return { ok: false, error: message };
    }
  };
}

/** LogQL through Loki's parser: its query API answers 400 "parse error at line 1, col N: …". */
export function logqlParser(loki: LokiApi): QueryParser {
  return async (expr) => {
    try {
      // A one-second window just now: Loki refuses a range from the epoch (max query length).
      const end = new Date();
      await loki.queryRange(interpolateGrafanaMacros(expr), {
        start: new Date(end.getTime() - 1_000),
        end,
        limit: 1,
      });
      return { ok: true };
    } catch (error) {
      if (!(error instanceof BackendError) || error.status !== 400) throw error;
      return { ok: false, error: errorBody(error) };
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Panels and their queries, as Grafana stores them.
// ---------------------------------------------------------------------------------------------

export interface PanelQuery {
  refId: string;
  expr: string;
  /** The target as stored, passed to Grafana as is (range/instant, legend, format…). */
  target: Record<string, unknown>;
  datasource?: GrafanaDatasource;
  /** Why the datasource could not be resolved, if it could not. */
  datasourceProblem?: string;
}

/** Every panel, rows' nested panels included (a collapsed row keeps its panels inside it). */
export function flattenPanels(panels: readonly GrafanaPanel[] = []): GrafanaPanel[] {
  return panels.flatMap((p) => (p.type === 'row' ? flattenPanels(p.panels ?? []) : [p]));
}

const SPECIAL_UIDS = new Set(['-- Mixed --', '-- Dashboard --', '-- Grafana --', 'grafana']);

function resolveDatasource(
  ref: GrafanaDatasourceRef | undefined,
  datasources: readonly GrafanaDatasource[],
): { datasource?: GrafanaDatasource; problem?: string } {
  if (ref === undefined || ref === null || (typeof ref === 'object' && !ref.uid && !ref.type)) {
    const def = datasources.find((d) => d.isDefault);
    return def ? { datasource: def } : { problem: 'no datasource set and Grafana has no default datasource' };
  }
  if (typeof ref === 'string') {
    const byName = datasources.find((d) => d.name === ref || d.uid === ref);
    return byName ? { datasource: byName } : { problem: `datasource "${ref}" does not exist` };
  }
  if (ref.uid && /^\$/.test(ref.uid)) return { problem: `datasource is the variable ${ref.uid}` };
  if (ref.uid && SPECIAL_UIDS.has(ref.uid)) return { problem: `datasource ${ref.uid} is not a backend` };
  const found = ref.uid
    ? datasources.find((d) => d.uid === ref.uid)
    : datasources.find((d) => d.type === ref.type && d.isDefault);
  if (!found) return { problem: `datasource uid ${ref.uid ?? `(default ${ref.type})`} does not exist` };
  if (ref.type && ref.type !== found.type)
    return { problem: `datasource ${found.uid} is of type ${found.type}, the panel says ${ref.type}` };
  return { datasource: found };
}

/** A panel's visible queries with their resolved datasources (a target's own datasource wins over the panel's). */
export function panelQueries(panel: GrafanaPanel, datasources: readonly GrafanaDatasource[]): PanelQuery[] {
  return (panel.targets ?? [])
    .filter((t) => !t.hide && typeof t.expr === 'string' && t.expr.trim() !== '')
    .map((t, i) => {
      const panelRef = panel.datasource;
      const mixed = typeof panelRef === 'object' && panelRef?.uid === '-- Mixed --';
      const ref = t.datasource ?? (mixed ? undefined : panelRef);
      const { datasource, problem } = resolveDatasource(ref, datasources);
      return {
        refId: t.refId ?? String.fromCharCode(65 + i),
        expr: t.expr as string,
        target: t,
        ...(datasource ? { datasource } : {}),
        ...(problem ? { datasourceProblem: problem } : {}),
      };
    });
}

/** True when a query result holds at least one value (what Grafana shows instead of "No data"). */
export function hasData(res: DsQueryResult | undefined): boolean {
  return (res?.frames ?? []).some((f) => (f.data?.values ?? []).some((column) => column.length > 0));
}

// ---------------------------------------------------------------------------------------------
// The checks.
// ---------------------------------------------------------------------------------------------

const base = (id: string, title: string, phase: number): ResultBase => ({
  id: `dashboards.${id}`,
  family: 'dashboards',
  title,
  phase,
});

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * Grafana as people will see it: healthy, its datasources provisioned and answering, each dashboard
 * the phase requires present with its panels, every panel query parsing, and every panel showing
 * data for the run window (not "No data").
 */
export async function dashboards(ctx: ValidationContext): Promise<CheckResult[]> {
  const grafana = ctx.clients.grafana;
  const required = requiredFor(ctx.phase)
    .dashboards.map((uid) => dashboardByUid(uid))
    .filter((d): d is DashboardDef => d !== undefined);
  const healthBase = base('grafana.healthy', 'Grafana is up and its database healthy', 1);
  if (!grafana) {
    return [
      skipped(healthBase, 'needs the Grafana endpoint'),
      ...required.map((d) => skipped(presentBase(d), 'needs the Grafana endpoint')),
    ];
  }
  const health = await grafanaHealth(grafana, healthBase);
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
    const message = `could not list Grafana's datasources: ${errorMessage(error)}`;
    return [
      health,
      result(base('datasources.listed', 'Grafana lists its datasources', 1), 'error', {
        expected: 'GET /api/datasources answers',
        observed: errorMessage(error),
        message,
      }),
    ];
  }
  const datasourceResults = await Promise.all(
    Object.values(GRAFANA_DATASOURCES).map((def) => datasourceHealth(grafana, def, datasources)),
  );
  const perDashboard = await Promise.all(required.map((d) => dashboardChecks(ctx, grafana, d, datasources)));
  return [health, ...datasourceResults, ...perDashboard.flat()];
}

async function grafanaHealth(grafana: GrafanaApi, b: ResultBase): Promise<CheckResult> {
  const evidence = { urls: [`${grafana.baseUrl}/api/health`] };
  try {
    const h = await grafana.health();
    const observed = `database ${h.database}${h.version ? `, version ${h.version}` : ''}`;
    if (h.database === 'ok')
      return result(b, 'pass', {
        expected: 'database ok',
        observed,
        message: 'Grafana is healthy',
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
      message: `Grafana health check failed: ${errorMessage(error)}`,
      evidence,
    });
  }
}

async function datasourceHealth(
  grafana: GrafanaApi,
  def: (typeof GRAFANA_DATASOURCES)[keyof typeof GRAFANA_DATASOURCES],
  datasources: readonly GrafanaDatasource[],
): Promise<CheckResult> {
  const b = base(
    `datasource.${def.uid}`,
    `Datasource ${def.name} (${def.uid}) is provisioned and healthy`,
    1,
  );
  const expected = `a ${def.type} datasource with uid ${def.uid} whose health check passes`;
  const evidence = { urls: [`${grafana.baseUrl}/api/datasources/uid/${def.uid}/health`] };
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

function presentBase(d: DashboardDef): ResultBase {
  return base(`${d.uid}.present`, `Dashboard ${d.uid} is present with its panels`, d.phase);
}

async function dashboardChecks(
  ctx: ValidationContext,
  grafana: GrafanaApi,
  def: DashboardDef,
  datasources: readonly GrafanaDatasource[],
): Promise<CheckResult[]> {
  const pb = presentBase(def);
  const refsBase = base(
    `${def.uid}.datasources`,
    `Dashboard ${def.uid}: panels use existing datasources`,
    def.phase,
  );
  const parseBase = base(
    `${def.uid}.queries-parse`,
    `Dashboard ${def.uid}: every panel query parses`,
    def.phase,
  );
  const url = `${grafana.baseUrl}/d/${def.uid}`;
  const wanted = [...new Set([...def.requiredPanels, ...def.panels.map((p) => p.title)])];
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
        result(pb, 'error', {
          expected,
          observed: describeLast(outcome),
          message: `could not read dashboard ${def.uid} from Grafana: ${describeLast(outcome)}`,
          evidence: { urls: [url] },
        }),
      ];
    }
    const present = await grafana
      .searchDashboards()
      .then((hits) => hits.map((h) => h.uid).join(', ') || 'none')
      .catch((error: unknown) => `(search failed: ${errorMessage(error)})`);
    return [
      result(pb, 'fail', {
        expected,
        observed: `absent after ${outcome.elapsedMs}ms; dashboards present: ${present}`,
        message: `dashboard ${def.uid} ("${def.title}") is not in Grafana: is stack/grafana/dashboards/${def.uid}.json provisioned?`,
        evidence: { urls: [url, `${grafana.baseUrl}/api/search?type=dash-db`] },
      }),
      skipped(refsBase, `dashboard ${def.uid} is absent`),
      skipped(parseBase, `dashboard ${def.uid} is absent`),
    ];
  }
  const panels = flattenPanels(dashboard.panels);
  const titles = new Set(panels.map((p) => p.title ?? ''));
  const missing = wanted.filter((t) => !titles.has(t));
  const seedMissing = missing.filter((t) => def.requiredPanels.includes(t));
  const present =
    missing.length === 0
      ? result(pb, 'pass', {
          expected,
          observed: `${panels.length} panels, all expected ones present`,
          message: `dashboard ${def.uid} has all ${wanted.length} panels`,
          evidence: { urls: [url] },
        })
      : result(pb, 'fail', {
          expected,
          observed: `missing ${missing.map((t) => `"${t}"`).join(', ')}`,
          message: `dashboard ${def.uid} is missing panels: ${missing.map((t) => `"${t}"`).join(', ')}${
            seedMissing.length
              ? ` (the seed's validation script requires ${seedMissing.map((t) => `"${t}"`).join(', ')})`
              : ''
          }`,
          evidence: { urls: [url], missingPanels: missing },
        });
  const queries = panels.map((panel) => ({ panel, queries: panelQueries(panel, datasources) }));
  const [parse, data] = await Promise.all([
    parseCheck(ctx, parseBase, dashboard, queries),
    panelDataChecks(ctx, grafana, def, dashboard, queries),
  ]);
  return [present, datasourceRefsCheck(refsBase, dashboard, queries, url), parse, ...data];
}

type PanelWithQueries = { panel: GrafanaPanel; queries: PanelQuery[] };

function datasourceRefsCheck(
  b: ResultBase,
  dashboard: GrafanaDashboard,
  panels: readonly PanelWithQueries[],
  url: string,
): CheckResult {
  const problems = panels.flatMap(({ panel, queries }) =>
    queries
      .filter((q) => q.datasourceProblem)
      .map((q) => `panel "${panel.title ?? '?'}" query ${q.refId}: ${q.datasourceProblem}`),
  );
  const used = [...new Set(panels.flatMap(({ queries }) => queries.flatMap((q) => q.datasource?.uid ?? [])))];
  if (problems.length === 0) {
    return result(b, 'pass', {
      expected: 'every query on an existing datasource',
      observed: `uses ${used.join(', ') || 'no datasource'}`,
      message: `every panel of ${dashboard.uid} uses an existing datasource`,
      evidence: { urls: [url] },
    });
  }
  return result(b, 'fail', {
    expected: 'every query on an existing datasource',
    observed: problems.join('; '),
    message: `dashboard ${dashboard.uid}: ${problems.length} panel quer${problems.length === 1 ? 'y refers' : 'ies refer'} to missing datasources: ${problems.join('; ')}`,
    evidence: { urls: [url], problems },
  });
}

async function parseCheck(
  ctx: ValidationContext,
  b: ResultBase,
  dashboard: GrafanaDashboard,
  panels: readonly PanelWithQueries[],
): Promise<CheckResult> {
  const parsers: Record<string, QueryParser | undefined> = {
    prometheus: ctx.clients.prometheus ? promqlParser(ctx.clients.prometheus) : undefined,
    loki: ctx.clients.loki ? logqlParser(ctx.clients.loki) : undefined,
  };
  const all = panels.flatMap(({ panel, queries }) => queries.map((q) => ({ panel, q })));
  const parseable = all.filter(({ q }) => q.datasource && parsers[q.datasource.type]);
  const unchecked = all.length - parseable.length;
  if (parseable.length === 0)
    return skipped(b, 'needs the Prometheus (PromQL) or Loki (LogQL) endpoint to parse panel queries');
  const failures: string[] = [];
  const errors: string[] = [];
  await forEachConcurrent(parseable, ctx.concurrency ?? DEFAULT_CONCURRENCY, async ({ panel, q }) => {
    const parse = parsers[q.datasource?.type ?? ''];
    if (!parse) return;
    try {
      const outcome = await parse(q.expr);
      if (!outcome.ok)
        failures.push(`panel "${panel.title ?? '?'}" query ${q.refId} \`${q.expr}\`: ${outcome.error}`);
    } catch (error) {
      errors.push(`panel "${panel.title ?? '?'}" query ${q.refId}: ${errorMessage(error)}`);
    }
  });
  const evidence = {
    promql: parseable.filter(({ q }) => q.datasource?.type === 'prometheus').map(({ q }) => q.expr),
    logql: parseable.filter(({ q }) => q.datasource?.type === 'loki').map(({ q }) => q.expr),
    parser: "the backends' own parsers (Prometheus /api/v1/query, Loki /loki/api/v1/query_range)",
  };
  const note =
    unchecked > 0
      ? ` (${unchecked} quer${unchecked === 1 ? 'y' : 'ies'} on other datasources not parsed)`
      : '';
  if (failures.length > 0) {
    return result(b, 'fail', {
      expected: 'every query parses',
      observed: `${failures.length} of ${parseable.length} do not parse`,
      message: `dashboard ${dashboard.uid}: ${failures.join('; ')}`,
      evidence: { ...evidence, failures },
    });
  }
  if (errors.length > 0) {
    return result(b, 'error', {
      expected: 'every query parses',
      observed: errors[0] ?? '',
      message: `could not parse the queries of ${dashboard.uid}: ${errors.join('; ')}`,
      evidence,
    });
  }
  return result(b, 'pass', {
    expected: 'every query parses',
    observed: `${parseable.length} quer${parseable.length === 1 ? 'y parses' : 'ies parse'}${note}`,
    message: `every panel query of ${dashboard.uid} parses${note}`,
    evidence,
  });
}

/** What a panel's queries returned on the last attempt. */
interface PanelOutcome {
  byRef: Record<string, { data: boolean; error?: string }>;
}

async function panelDataChecks(
  ctx: ValidationContext,
  grafana: GrafanaApi,
  def: DashboardDef,
  dashboard: GrafanaDashboard,
  panels: readonly PanelWithQueries[],
): Promise<CheckResult[]> {
  // Indexed by position so reports keep the dashboard's panel order, not completion order.
  const out: CheckResult[] = new Array<CheckResult>(panels.length);
  await forEachConcurrent(panels.keys(), ctx.concurrency ?? DEFAULT_CONCURRENCY, async (i) => {
    const p = panels[i];
    if (p) out[i] = await panelData(ctx, grafana, def, dashboard, p.panel, p.queries);
  });
  return out.filter((r) => r !== undefined);
}

const panelSlug = (panel: GrafanaPanel) => `${panel.id ?? 0}-${slug(panel.title ?? 'untitled')}`;

async function panelData(
  ctx: ValidationContext,
  grafana: GrafanaApi,
  def: DashboardDef,
  dashboard: GrafanaDashboard,
  panel: GrafanaPanel,
  queries: readonly PanelQuery[],
): Promise<CheckResult> {
  const title = panel.title ?? 'untitled';
  const b = base(
    `${def.uid}.panel-data.${panelSlug(panel)}`,
    `Dashboard ${def.uid}, panel "${title}" shows data for the run window`,
    def.phase,
  );
  const runnable = queries.filter((q) => q.datasource && QUERYABLE_TYPES.has(q.datasource.type));
  if (runnable.length === 0) {
    const why =
      queries.length === 0
        ? 'the panel has no queries'
        : 'its queries are not on a Prometheus or Loki datasource';
    return skipped(b, `not checked: ${why}`);
  }
  // Empty until their event happens (an error, a breaker trip): accepted as empty, named in `observed`.
  const mayBeEmpty = new Map(
    runnable.map((q) => [q.refId, q.datasource?.type === 'prometheus' ? onEventMetrics(q.expr) : []]),
  );
  const mustHaveData = (refId: string) => (mayBeEmpty.get(refId) ?? []).length === 0;
  const window = () => {
    if (ctx.window) return ctx.window;
    const end = new Date();
    return { start: new Date(end.getTime() - DEFAULT_WINDOW_MS), end };
  };
  const url = `${grafana.baseUrl}/d/${dashboard.uid}?viewPanel=${panel.id ?? ''}`;
  const evidence = {
    urls: [url],
    promql: runnable.filter((q) => q.datasource?.type === 'prometheus').map((q) => q.expr),
    logql: runnable.filter((q) => q.datasource?.type === 'loki').map((q) => q.expr),
  };
  const started = Date.now();
  const outcome = await pollUntil<PanelOutcome>({
    description: `data for panel "${title}" of ${def.uid}`,
    probe: async () => {
      const w = window();
      const response: DsQueryResponse = await grafana.query({
        from: String(w.start.getTime()),
        to: String(w.end.getTime()),
        queries: runnable.map((q) => dsQuery(q, w)),
      });
      const results = response?.results ?? {};
      return {
        byRef: Object.fromEntries(
          runnable.map((q) => {
            const r = results[q.refId];
            return [q.refId, { data: hasData(r), ...(r?.error ? { error: r.error } : {}) }];
          }),
        ),
      };
    },
    // A query error will not heal by waiting; missing data may (late scrapes).
    until: (o) =>
      Object.values(o.byRef).some((r) => r.error) ||
      runnable.every((q) => !mustHaveData(q.refId) || o.byRef[q.refId]?.data),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: POLL_INTERVAL_MS,
  });
  const durationMs = Date.now() - started;
  const expected = 'every query returns data';
  if (!outcome.last) {
    return result(b, 'error', {
      expected,
      observed: describeLast(outcome),
      message: `could not run the queries of panel "${title}" (${def.uid}) through Grafana: ${describeLast(outcome)}`,
      evidence,
      durationMs,
    });
  }
  const byRef = outcome.last.byRef;
  const errored = runnable.filter((q) => byRef[q.refId]?.error);
  const empty = runnable.filter((q) => mustHaveData(q.refId) && !byRef[q.refId]?.data);
  const acceptedEmpty = runnable.filter((q) => !mustHaveData(q.refId) && !byRef[q.refId]?.data);
  const describe = (q: PanelQuery) => `${q.refId} \`${q.expr}\``;
  if (errored.length > 0) {
    const list = errored.map((q) => `${describe(q)}: ${byRef[q.refId]?.error ?? ''}`).join('; ');
    return result(b, 'fail', {
      expected,
      observed: `query error: ${list}`,
      message: `dashboard ${def.uid}, panel "${title}": Grafana reports an error for query ${list}`,
      evidence,
      durationMs,
    });
  }
  if (empty.length > 0) {
    const list = empty.map(describe).join(', ');
    return result(b, 'fail', {
      expected,
      observed: `no data for ${list} after ${outcome.elapsedMs}ms`,
      message: `dashboard ${def.uid}, panel "${title}" would show "No data": query ${list} returns nothing for the run window (a misspelt metric or label, or a metric the fleet does not expose)`,
      evidence,
      durationMs,
    });
  }
  const accepted = acceptedEmpty.map(
    (q) => `${q.refId} empty, accepted: on-event ${(mayBeEmpty.get(q.refId) ?? []).join(', ')} not seen yet`,
  );
  return result(b, 'pass', {
    expected,
    observed: [
      `${runnable.length - acceptedEmpty.length} of ${runnable.length} queries returned data`,
      ...accepted,
    ].join('; '),
    message: `panel "${title}" of ${def.uid} shows data`,
    evidence,
    durationMs,
  });
}

/** The query as Grafana's frontend would send it for a panel over `window`. */
function dsQuery(
  q: PanelQuery,
  window: { start: Date; end: Date },
): Record<string, unknown> & {
  refId: string;
  datasource: { uid: string; type: string };
} {
  const ds = q.datasource as GrafanaDatasource;
  const spanMs = window.end.getTime() - window.start.getTime();
  const maxDataPoints = 100;
  const t = q.target;
  return {
    ...t,
    refId: q.refId,
    datasource: { uid: ds.uid, type: ds.type },
    expr: q.expr,
    maxDataPoints,
    intervalMs: Math.max(1_000, Math.floor(spanMs / maxDataPoints)),
    // A stored target without range/instant runs as a range query, as the panel editor defaults.
    ...(ds.type === 'prometheus' && t.range === undefined && t.instant === undefined ? { range: true } : {}),
    ...(ds.type === 'loki' && t.queryType === undefined ? { queryType: 'range' } : {}),
  };
}

/**
 * Dashboards without a Grafana server (the embedded default): the committed dashboard JSON is
 * checked against the catalog, and the harness runs every panel target itself against its
 * datasource — PromQL on Prometheus (`query_range`), LogQL on the log store (`runPanelQuery`:
 * Loki as is, VictoriaLogs translated) — with Grafana's interpolation, for the run window.
 */
import { readFile } from 'node:fs/promises';
import { dashboardFile, GRAFANA_DATASOURCES, type DashboardDef } from '../../catalog/index.ts';
import type { CheckResult } from '../../core/index.ts';
import {
  BackendError,
  type GrafanaDashboard,
  type GrafanaPanel,
  type PrometheusApi,
} from '../clients/index.ts';
import { UntranslatableQueryError, type LogStoreApi, type TimeWindow } from '../clients/log-store.ts';
import type { ValidationContext } from '../context.ts';
import { errorMessage, result, skipped } from '../result.ts';
import {
  base,
  datasourceRefsCheck,
  parseBase,
  parseCheck,
  pathEvidence,
  panelDataCheck,
  perPanel,
  presenceCheck,
  presentBase,
  refsBase,
  runWindow,
  wantedPanels,
  type DashboardsPath,
  type PanelRunner,
  type TargetOutcome,
} from './checks.ts';
import {
  DEFAULT_SCRAPE_INTERVAL_MS,
  interpolateQuery,
  parseDurationMs,
  queryTiming,
  type QueryLanguage,
  type QueryTiming,
  type ResolvedVariable,
} from './interpolate.ts';
import { catalogDatasources, dashboardQueries, type PanelQuery } from './panel-queries.ts';
import { resolveDashboardVariables } from './variables.ts';

/** Reads a committed dashboard by uid; undefined when there is no such file. */
export type DashboardSource = (uid: string) => Promise<GrafanaDashboard | undefined>;

export interface DirectPathOptions {
  /** Where dashboards come from (default: the committed files, stack/grafana/dashboards/<uid>.json). */
  source?: DashboardSource;
  /** The datasource's scrape interval for `$__rate_interval` (default: 15 s, the provisioned `timeInterval`). */
  scrapeIntervalMs?: number;
}

const REPO_ROOT = new URL('../../', import.meta.url);

/** The committed dashboard files, as generated from catalog/dashboards.ts. */
export const committedDashboards: DashboardSource = async (uid) => {
  try {
    return JSON.parse(await readFile(new URL(dashboardFile(uid), REPO_ROOT), 'utf8')) as GrafanaDashboard;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/** Prometheus refuses more than 11,000 points per series: Grafana raises the step to stay under it. */
const MAX_POINTS_PER_SERIES = 11_000;
const WHERE = "the catalog's datasources (catalog/datasources.ts)";

/** The log store the context carries, if any (the logs role's client). */
export const logStoreOf = (ctx: ValidationContext): LogStoreApi | undefined => ctx.clients.logs;

function describePath(ctx: ValidationContext): DashboardsPath {
  const { prometheus } = ctx.clients;
  const logs = logStoreOf(ctx);
  const against = [
    ...(prometheus ? [`Prometheus at ${prometheus.baseUrl}`] : []),
    ...(logs ? [`${logs.product} at ${logs.baseUrl}`] : []),
  ];
  return {
    kind: 'harness',
    via: `run by the harness against ${against.join(', ') || 'no datasource (none configured)'}`,
  };
}

export async function directPath(
  ctx: ValidationContext,
  required: readonly DashboardDef[],
  options: DirectPathOptions = {},
): Promise<CheckResult[]> {
  const path = describePath(ctx);
  const source = options.source ?? committedDashboards;
  const datasourceResults = await Promise.all(
    Object.values(GRAFANA_DATASOURCES).map((def) => datasourceAnswers(ctx, def, path)),
  );
  const perDashboard = await Promise.all(required.map((d) => dashboardChecks(ctx, d, source, options, path)));
  return [...datasourceResults, ...perDashboard.flat()];
}

/** The backend behind each catalog datasource answers the harness (Grafana's datasource health check, without Grafana). */
async function datasourceAnswers(
  ctx: ValidationContext,
  def: (typeof GRAFANA_DATASOURCES)[keyof typeof GRAFANA_DATASOURCES],
  path: DashboardsPath,
): Promise<CheckResult> {
  const b = base(`datasource.${def.uid}`, `Datasource ${def.name} (${def.uid}) answers the harness`, 1);
  const logs = logStoreOf(ctx);
  const probe: { name: string; url: string; run: () => Promise<string> } | undefined =
    def.type === 'prometheus' && ctx.clients.prometheus
      ? {
          name: 'Prometheus',
          url: ctx.clients.prometheus.baseUrl,
          run: async () =>
            `vector(1) answered ${(await ctx.clients.prometheus?.query('vector(1)'))?.length ?? 0} sample`,
        }
      : def.type === 'loki' && logs
        ? {
            name: logs.product,
            url: logs.baseUrl,
            run: async () =>
              `stream labels: ${(await logs.streamLabelNames(runWindow(ctx))).join(', ') || 'none yet'}`,
          }
        : def.type === 'jaeger' && ctx.clients.jaeger
          ? {
              name: 'Jaeger',
              url: ctx.clients.jaeger.baseUrl,
              run: async () => `${(await ctx.clients.jaeger?.services())?.length ?? 0} services`,
            }
          : undefined;
  if (!probe) {
    const needs = def.type === 'loki' ? 'a log store (VictoriaLogs or Loki)' : `the ${def.name} endpoint`;
    return { ...skipped(b, `needs ${needs} to run ${def.uid} panels`), evidence: pathEvidence(path) };
  }
  const via = `run by the harness against ${probe.name} at ${probe.url}`;
  const evidence = { urls: [probe.url], path: path.kind, via };
  const expected = `${probe.name} behind datasource ${def.uid} answers`;
  try {
    const observed = await probe.run();
    return result(b, 'pass', {
      expected,
      observed,
      message: `${def.name} (${def.uid}) answers: ${via}`,
      evidence,
    });
  } catch (error) {
    return result(b, 'fail', {
      expected,
      observed: errorMessage(error),
      message: `datasource ${def.uid}: ${probe.name} at ${probe.url} does not answer (${errorMessage(error)}); panels on it would show errors`,
      evidence,
    });
  }
}

const languageOf = (q: PanelQuery): QueryLanguage => (q.datasource?.type === 'loki' ? 'logql' : 'promql');

/** The timing Grafana would use for one target of a panel over the window. */
function targetTiming(
  q: PanelQuery,
  panel: GrafanaPanel,
  window: TimeWindow,
  options: DirectPathOptions,
): QueryTiming {
  const minStep = parseDurationMs(typeof q.target.interval === 'string' ? q.target.interval : undefined);
  const panelMin = parseDurationMs(typeof panel.interval === 'string' ? panel.interval : undefined);
  const scrape = minStep ?? options.scrapeIntervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS;
  return queryTiming({
    rangeMs: window.end.getTime() - window.start.getTime(),
    ...(typeof panel.maxDataPoints === 'number' ? { maxDataPoints: panel.maxDataPoints } : {}),
    minIntervalMs: minStep ?? panelMin ?? scrape,
    scrapeIntervalMs: scrape,
  });
}

async function dashboardChecks(
  ctx: ValidationContext,
  def: DashboardDef,
  source: DashboardSource,
  options: DirectPathOptions,
  path: DashboardsPath,
): Promise<CheckResult[]> {
  const file = dashboardFile(def.uid);
  const wanted = wantedPanels(def);
  const expected = `dashboard ${def.uid} with panels ${wanted.map((t) => `"${t}"`).join(', ')}`;
  let dashboard: GrafanaDashboard | undefined;
  try {
    dashboard = await source(def.uid);
  } catch (error) {
    return [
      result(presentBase(def), 'error', {
        expected,
        observed: errorMessage(error),
        message: `could not read dashboard ${def.uid} from ${file}: ${errorMessage(error)}`,
        evidence: { files: [file], ...pathEvidence(path) },
      }),
    ];
  }
  if (!dashboard) {
    return [
      result(presentBase(def), 'fail', {
        expected,
        observed: `${file} does not exist`,
        message: `dashboard ${def.uid} ("${def.title}") is not committed: ${file} is missing (regenerate it from catalog/dashboards.ts)`,
        evidence: { files: [file], ...pathEvidence(path) },
      }),
      skipped(refsBase(def), `dashboard ${def.uid} is absent`),
      skipped(parseBase(def), `dashboard ${def.uid} is absent`),
    ];
  }
  const logs = logStoreOf(ctx);
  const panels = dashboardQueries(dashboard, catalogDatasources(), WHERE);
  let variables: ResolvedVariable[] = [];
  try {
    variables = await resolveDashboardVariables(dashboard, ctx.clients.prometheus);
  } catch {
    // Without Prometheus' label values, All expands to the stored options only; the queries still run.
  }
  const interpolate = (q: PanelQuery, panel: GrafanaPanel, window: TimeWindow) =>
    interpolateQuery(q.expr, {
      variables,
      language: languageOf(q),
      timing: targetTiming(q, panel, window, options),
    });
  const [parse, data] = await Promise.all([
    parseCheck(ctx, def, panels, (q, panel) => interpolate(q, panel, runWindow(ctx)), logs, path),
    perPanel(ctx, panels, ({ panel, queries }) => {
      const runnable: PanelQuery[] = [];
      const unrunnable: string[] = [];
      for (const q of queries) {
        const type = q.datasource?.type;
        if (!q.datasource) unrunnable.push(`${q.refId}: ${q.datasourceProblem ?? 'no datasource'}`);
        else if (type === 'prometheus' && !ctx.clients.prometheus)
          unrunnable.push(`${q.refId} needs the Prometheus endpoint`);
        else if (type === 'loki' && !logs)
          unrunnable.push(`${q.refId} needs a log store (VictoriaLogs or Loki)`);
        else if (type !== 'prometheus' && type !== 'loki')
          unrunnable.push(
            `${q.refId} is a ${type} query: trace panels show one trace or a search, not a series the harness can check`,
          );
        else runnable.push(q);
      }
      return panelDataCheck({
        ctx,
        def,
        panel,
        runnable,
        unrunnable,
        run: directRunner(ctx, panel, (q, w) => interpolate(q, panel, w), options),
        path,
        urls: [file],
      });
    }),
  ]);
  return [
    presenceCheck(def, dashboard, path, [file]),
    datasourceRefsCheck(def, panels, path, [file]),
    parse,
    ...data,
  ];
}

/** The `error` text of a Prometheus API error body, or the whole message. */
function prometheusError(error: BackendError): string {
  const m = /"error":"((?:[^"\\]|\\.)*)"/.exec(error.message);
  return m?.[1]?.replace(/\\"/g, '"') ?? error.message;
}

/** A rejected query (400 bad_data, 422 execution error) is the panel's fault; anything else is the backend's. */
const isQueryRejection = (error: unknown): error is BackendError =>
  error instanceof BackendError && (error.status === 400 || error.status === 422);

function directRunner(
  ctx: ValidationContext,
  panel: GrafanaPanel,
  interpolate: (q: PanelQuery, window: TimeWindow) => string,
  options: DirectPathOptions,
): PanelRunner {
  return async (queries, window) => {
    const outcomes = await Promise.all(
      queries.map(async (q): Promise<[string, TargetOutcome]> => {
        const sent = interpolate(q, window);
        if (q.datasource?.type === 'prometheus') {
          const prometheus = ctx.clients.prometheus as PrometheusApi;
          return [
            q.refId,
            await runPromql(prometheus, q, sent, targetTiming(q, panel, window, options), window),
          ];
        }
        return [q.refId, await runLogql(logStoreOf(ctx) as LogStoreApi, sent, window)];
      }),
    );
    return Object.fromEntries(outcomes);
  };
}

async function runPromql(
  prometheus: PrometheusApi,
  q: PanelQuery,
  sent: string,
  timing: QueryTiming,
  window: TimeWindow,
): Promise<TargetOutcome> {
  const instant = q.target.instant === true && q.target.range !== true;
  const rangeMs = window.end.getTime() - window.start.getTime();
  // Grafana's step: the interval, raised so a series stays under Prometheus' point limit.
  const stepS = Math.max(timing.intervalMs, Math.ceil(rangeMs / MAX_POINTS_PER_SERIES)) / 1000;
  // Prometheus evaluates at start, start + step, … ≤ end: a run shorter than one step would be judged
  // at its first instant only, before the load created any series. One step past the end is the
  // dashboard refreshed just after the run; every evaluation still looks back over the run only.
  const end = new Date(window.end.getTime() + stepS * 1000);
  try {
    const data = instant
      ? (await prometheus.query(sent, window.end)).length > 0
      : (await prometheus.queryRange(sent, window.start, end, stepS)).some((s) => s.values.length > 0);
    return { sent, data };
  } catch (error) {
    if (isQueryRejection(error)) return { sent, data: false, error: prometheusError(error) };
    throw error;
  }
}

async function runLogql(logs: LogStoreApi, logql: string, window: TimeWindow): Promise<TargetOutcome> {
  try {
    const outcome = await logs.runPanelQuery(logql, window);
    return { sent: outcome.query, data: outcome.matched > 0 };
  } catch (error) {
    if (error instanceof UntranslatableQueryError) return { sent: logql, data: false, skip: error.reason };
    if (isQueryRejection(error)) return { sent: logql, data: false, error: error.message };
    throw error;
  }
}

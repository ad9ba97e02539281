/**
 * The dashboards checks both paths share: each required dashboard present with its panels, every
 * query on a datasource that resolves, every query parsing, and each panel's data turned into a
 * result. A path only says where dashboards come from and how a panel's targets run.
 */
import { onEventMetrics, type DashboardDef } from '../../catalog/index.ts';
import { describeLast, forEachConcurrent, pollUntil, type CheckResult } from '../../core/index.ts';
import type { GrafanaDashboard, GrafanaPanel } from '../clients/index.ts';
import type { LogStoreApi, TimeWindow } from '../clients/log-store.ts';
import type { ValidationContext } from '../context.ts';
import { errorMessage, nothingExamined, result, skipped, type ResultBase } from '../result.ts';
import { parserDescription, parserFor } from './parse.ts';
import { flattenPanels, type PanelQuery, type PanelWithQueries } from './panel-queries.ts';

/** Default run window when the context has none: the last 15 minutes (Grafana's usual range). */
export const DEFAULT_WINDOW_MS = 15 * 60_000;
export const DEFAULT_CONCURRENCY = 8;
export const POLL_INTERVAL_MS = 1_000;

/** Which path checked the dashboards, carried in every result's evidence. */
export interface DashboardsPath {
  kind: 'grafana' | 'harness';
  /** `via Grafana at <url>` or `run by the harness against Prometheus at <url>, VictoriaLogs at <url>`. */
  via: string;
}

export const base = (id: string, title: string, phase: number): ResultBase => ({
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

export const panelSlug = (panel: GrafanaPanel) => `${panel.id ?? 0}-${slug(panel.title ?? 'untitled')}`;

export const pathEvidence = (path: DashboardsPath) => ({ path: path.kind, via: path.via });

export function presentBase(d: DashboardDef): ResultBase {
  return base(`${d.uid}.present`, `Dashboard ${d.uid} is present with its panels`, d.phase);
}
export function refsBase(d: DashboardDef): ResultBase {
  return base(`${d.uid}.datasources`, `Dashboard ${d.uid}: panels use existing datasources`, d.phase);
}
export function parseBase(d: DashboardDef): ResultBase {
  return base(`${d.uid}.queries-parse`, `Dashboard ${d.uid}: every panel query parses`, d.phase);
}
export function panelBase(d: DashboardDef, panel: GrafanaPanel): ResultBase {
  return base(
    `${d.uid}.panel-data.${panelSlug(panel)}`,
    `Dashboard ${d.uid}, panel "${panel.title ?? 'untitled'}" shows data for the run window`,
    d.phase,
  );
}

/** The run window: the context's, or the last 15 minutes at each attempt. */
export function runWindow(ctx: ValidationContext): TimeWindow {
  if (ctx.window) return ctx.window;
  const end = new Date();
  return { start: new Date(end.getTime() - DEFAULT_WINDOW_MS), end };
}

/** Every panel title the catalog expects on a dashboard (the seed's required ones first). */
export function wantedPanels(def: DashboardDef): string[] {
  return [...new Set([...def.requiredPanels, ...def.panels.map((p) => p.title)])];
}

export function presenceCheck(
  def: DashboardDef,
  dashboard: GrafanaDashboard,
  path: DashboardsPath,
  urls: string[],
): CheckResult {
  const wanted = wantedPanels(def);
  const expected = `dashboard ${def.uid} with panels ${wanted.map((t) => `"${t}"`).join(', ')}`;
  const panels = flattenPanels(dashboard.panels);
  const titles = new Set(panels.map((p) => p.title ?? ''));
  const missing = wanted.filter((t) => !titles.has(t));
  const seedMissing = missing.filter((t) => def.requiredPanels.includes(t));
  const evidence = { urls, ...pathEvidence(path) };
  // A dashboard without panels shows nothing, whatever the catalog expects of it.
  if (panels.length === 0)
    return nothingExamined(presentBase(def), {
      expected,
      message: `dashboard ${def.uid} has no panels (${path.via})`,
      evidence,
    });
  if (missing.length === 0) {
    return result(presentBase(def), 'pass', {
      expected,
      observed: `${panels.length} panels, all expected ones present`,
      message: `dashboard ${def.uid} has all ${wanted.length} panels (${path.via})`,
      evidence,
      examined: panels.length,
    });
  }
  const list = missing.map((t) => `"${t}"`).join(', ');
  return result(presentBase(def), 'fail', {
    expected,
    observed: `missing ${list}`,
    examined: panels.length,
    message: `dashboard ${def.uid} is missing panels: ${list}${
      seedMissing.length
        ? ` (the seed's validation script requires ${seedMissing.map((t) => `"${t}"`).join(', ')})`
        : ''
    }`,
    evidence: { ...evidence, missingPanels: missing },
  });
}

export function datasourceRefsCheck(
  def: DashboardDef,
  panels: readonly PanelWithQueries[],
  path: DashboardsPath,
  urls: string[],
): CheckResult {
  const problems = panels.flatMap(({ panel, queries }) =>
    queries
      .filter((q) => q.datasourceProblem)
      .map((q) => `panel "${panel.title ?? '?'}" query ${q.refId}: ${q.datasourceProblem}`),
  );
  const used = [...new Set(panels.flatMap(({ queries }) => queries.flatMap((q) => q.datasource?.uid ?? [])))];
  const evidence = { urls, ...pathEvidence(path) };
  if (problems.length === 0) {
    return result(refsBase(def), 'pass', {
      expected: 'every query on an existing datasource',
      observed: `uses ${used.join(', ') || 'no datasource'}`,
      message: `every panel of ${def.uid} uses an existing datasource (${path.via})`,
      evidence,
    });
  }
  return result(refsBase(def), 'fail', {
    expected: 'every query on an existing datasource',
    observed: problems.join('; '),
    message: `dashboard ${def.uid}: ${problems.length} panel quer${problems.length === 1 ? 'y refers' : 'ies refer'} to missing datasources: ${problems.join('; ')}`,
    evidence: { ...evidence, problems },
  });
}

/**
 * Every query parses. `prepare` turns a stored query into what is parsed: the interpolated query
 * (macros and variables replaced, as the datasource will receive it).
 */
export async function parseCheck(
  ctx: ValidationContext,
  def: DashboardDef,
  panels: readonly PanelWithQueries[],
  prepare: (q: PanelQuery, panel: GrafanaPanel) => string,
  logs: LogStoreApi | undefined,
  path: DashboardsPath,
): Promise<CheckResult> {
  const b = parseBase(def);
  const all = panels.flatMap(({ panel, queries }) => queries.map((q) => ({ panel, q })));
  const parseable = all.filter(({ q }) => q.datasource && parserFor(q.datasource.type, logs));
  const unchecked = all.length - parseable.length;
  if (parseable.length === 0) return skipped(b, `dashboard ${def.uid} has no PromQL or LogQL query to parse`);
  const failures: string[] = [];
  const errors: string[] = [];
  const parsed: { type: string; query: string }[] = [];
  await forEachConcurrent(parseable, ctx.concurrency ?? DEFAULT_CONCURRENCY, async ({ panel, q }) => {
    const type = q.datasource?.type ?? '';
    const parse = parserFor(type, logs);
    if (!parse) return;
    const query = prepare(q, panel);
    parsed.push({ type, query });
    try {
      const outcome = await parse(query);
      if (!outcome.ok)
        failures.push(`panel "${panel.title ?? '?'}" query ${q.refId} \`${query}\`: ${outcome.error}`);
    } catch (error) {
      errors.push(`panel "${panel.title ?? '?'}" query ${q.refId}: ${errorMessage(error)}`);
    }
  });
  const evidence = {
    promql: parsed.filter((p) => p.type === 'prometheus').map((p) => p.query),
    logql: parsed.filter((p) => p.type === 'loki').map((p) => p.query),
    parser: parserDescription(logs),
    ...pathEvidence(path),
  };
  const note =
    unchecked > 0
      ? ` (${unchecked} quer${unchecked === 1 ? 'y' : 'ies'} on other datasources not parsed)`
      : '';
  if (failures.length > 0) {
    return result(b, 'fail', {
      expected: 'every query parses',
      observed: `${failures.length} of ${parseable.length} do not parse`,
      message: `dashboard ${def.uid}: ${failures.join('; ')}`,
      evidence: { ...evidence, failures },
    });
  }
  if (errors.length > 0) {
    return result(b, 'error', {
      expected: 'every query parses',
      observed: errors[0] ?? '',
      message: `could not parse the queries of ${def.uid}: ${errors.join('; ')}`,
      evidence,
    });
  }
  return result(b, 'pass', {
    expected: 'every query parses',
    observed: `${parseable.length} quer${parseable.length === 1 ? 'y parses' : 'ies parse'}${note}`,
    message: `every panel query of ${def.uid} parses${note}`,
    evidence,
  });
}

// ---------------------------------------------------------------------------------------------
// Panel data: a path runs the targets, this turns what they returned into one result per panel.
// ---------------------------------------------------------------------------------------------

/** What one target returned on an attempt. */
export interface TargetOutcome {
  /** The query as the datasource received it (interpolated, or translated by the log store). */
  sent: string;
  data: boolean;
  /** The datasource rejected or failed the query: waiting will not help. */
  error?: string;
  /** The harness cannot run this target exactly (an untranslatable log query): the panel is skipped. */
  skip?: string;
}

/** Runs a panel's runnable targets once over a window, by refId. Throws when the backend cannot be reached. */
export type PanelRunner = (
  queries: readonly PanelQuery[],
  window: TimeWindow,
) => Promise<Record<string, TargetOutcome>>;

export interface PanelDataInput {
  ctx: ValidationContext;
  def: DashboardDef;
  panel: GrafanaPanel;
  /** The targets this path can run; `unrunnable` says why the others are not run. */
  runnable: readonly PanelQuery[];
  unrunnable: string[];
  run: PanelRunner;
  path: DashboardsPath;
  urls: string[];
}

export async function panelDataCheck(input: PanelDataInput): Promise<CheckResult> {
  const { ctx, def, panel, runnable, run, path } = input;
  const title = panel.title ?? 'untitled';
  const b = panelBase(def, panel);
  if (runnable.length === 0) {
    const why = input.unrunnable.length > 0 ? input.unrunnable.join('; ') : 'the panel has no queries';
    return { ...skipped(b, `not checked: ${why}`), evidence: { urls: input.urls, ...pathEvidence(path) } };
  }
  // Empty until their event happens (an error, a breaker trip): accepted as empty, named in `observed`.
  const mayBeEmpty = new Map(
    runnable.map((q) => [q.refId, q.datasource?.type === 'prometheus' ? onEventMetrics(q.expr) : []]),
  );
  const mustHaveData = (refId: string) => (mayBeEmpty.get(refId) ?? []).length === 0;
  const started = Date.now();
  const outcome = await pollUntil<Record<string, TargetOutcome>>({
    description: `data for panel "${title}" of ${def.uid}`,
    probe: () => run(runnable, runWindow(ctx)),
    // An error or an untranslatable query will not heal by waiting; missing data may (late scrapes).
    until: (o) =>
      Object.values(o).some((r) => r.error !== undefined) ||
      runnable.every((q) => !mustHaveData(q.refId) || o[q.refId]?.data || o[q.refId]?.skip !== undefined),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: POLL_INTERVAL_MS,
  });
  const durationMs = Date.now() - started;
  const expected = 'every query returns data';
  const byRef = outcome.last ?? {};
  const sent = (q: PanelQuery) => byRef[q.refId]?.sent ?? q.expr;
  const evidence = {
    urls: input.urls,
    promql: runnable.filter((q) => q.datasource?.type === 'prometheus').map(sent),
    logql: runnable.filter((q) => q.datasource?.type === 'loki').map(sent),
    ...pathEvidence(path),
    ...(input.unrunnable.length > 0 ? { notRun: input.unrunnable } : {}),
  };
  if (!outcome.last) {
    return result(b, 'error', {
      expected,
      observed: describeLast(outcome),
      message: `could not run the queries of panel "${title}" (${def.uid}) ${path.via}: ${describeLast(outcome)}`,
      evidence,
      durationMs,
    });
  }
  const describe = (q: PanelQuery) => `${q.refId} \`${sent(q)}\``;
  const errored = runnable.filter((q) => byRef[q.refId]?.error !== undefined);
  if (errored.length > 0) {
    const list = errored.map((q) => `${describe(q)}: ${byRef[q.refId]?.error ?? ''}`).join('; ');
    return result(b, 'fail', {
      expected,
      observed: `query error: ${list}`,
      message: `dashboard ${def.uid}, panel "${title}": query ${list} (${path.via})`,
      evidence,
      durationMs,
    });
  }
  const untranslatable = runnable.filter((q) => byRef[q.refId]?.skip !== undefined);
  const empty = runnable.filter(
    (q) => mustHaveData(q.refId) && !byRef[q.refId]?.data && byRef[q.refId]?.skip === undefined,
  );
  if (empty.length > 0) {
    const list = empty.map(describe).join(', ');
    return result(b, 'fail', {
      expected,
      observed: `no data for ${list} after ${outcome.elapsedMs}ms`,
      message: `dashboard ${def.uid}, panel "${title}" would show "No data": query ${list} returns nothing for the run window (a misspelt metric or label, or a metric the fleet does not expose; ${path.via})`,
      evidence,
      durationMs,
    });
  }
  if (untranslatable.length > 0) {
    const reasons = untranslatable.map((q) => `${q.refId} \`${q.expr}\`: ${byRef[q.refId]?.skip ?? ''}`);
    return {
      ...skipped(
        b,
        `not checked: dashboard ${def.uid}, panel "${title}": ${reasons.join('; ')} (${path.via})`,
      ),
      evidence,
      durationMs,
    };
  }
  const acceptedEmpty = runnable.filter((q) => !mustHaveData(q.refId) && !byRef[q.refId]?.data);
  const accepted = acceptedEmpty.map(
    (q) => `${q.refId} empty, accepted: on-event ${(mayBeEmpty.get(q.refId) ?? []).join(', ')} not seen yet`,
  );
  const notRun = input.unrunnable.length > 0 ? [`not run: ${input.unrunnable.join('; ')}`] : [];
  return result(b, 'pass', {
    expected,
    observed: [
      `${runnable.length - acceptedEmpty.length} of ${runnable.length} queries returned data`,
      ...accepted,
      ...notRun,
    ].join('; '),
    message: `panel "${title}" of ${def.uid} shows data (${path.via})`,
    evidence,
    durationMs,
  });
}

/** Runs `check` for each panel with bounded parallelism, keeping the dashboard's panel order. */
export async function perPanel(
  ctx: ValidationContext,
  panels: readonly PanelWithQueries[],
  check: (p: PanelWithQueries) => Promise<CheckResult>,
): Promise<CheckResult[]> {
  const out: CheckResult[] = new Array<CheckResult>(panels.length);
  await forEachConcurrent(panels.keys(), ctx.concurrency ?? DEFAULT_CONCURRENCY, async (i) => {
    const p = panels[i];
    if (p) out[i] = await check(p);
  });
  return out.filter((r) => r !== undefined);
}

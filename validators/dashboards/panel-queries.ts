/**
 * Panels and their queries as Grafana stores them: rows flattened, each target's datasource
 * resolved (a target's own datasource wins over the panel's), template variables listed.
 */
import { GRAFANA_DATASOURCES } from '../../catalog/index.ts';
import type {
  DsQueryResult,
  GrafanaDashboard,
  GrafanaDatasource,
  GrafanaDatasourceRef,
  GrafanaPanel,
} from '../clients/index.ts';
import type { TemplateVariable } from './interpolate.ts';

export interface PanelQuery {
  refId: string;
  /** The query as stored (`expr` for Prometheus and Loki, `query` for Jaeger), before interpolation. */
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

/** The dashboard's template variables (`templating.list`). */
export function templateVariables(dashboard: GrafanaDashboard): TemplateVariable[] {
  const templating = dashboard.templating as { list?: TemplateVariable[] } | undefined;
  return (templating?.list ?? []).filter((v) => typeof v?.name === 'string');
}

/** The catalog's datasources (catalog/datasources.ts) in Grafana's shape: what the committed JSON refers to. */
export function catalogDatasources(): GrafanaDatasource[] {
  return Object.values(GRAFANA_DATASOURCES).map((d) => ({
    uid: d.uid,
    name: d.name,
    type: d.type,
    isDefault: d.type === 'prometheus',
  }));
}

const SPECIAL_UIDS = new Set(['-- Mixed --', '-- Dashboard --', '-- Grafana --', 'grafana']);

export function resolveDatasource(
  ref: GrafanaDatasourceRef | undefined,
  datasources: readonly GrafanaDatasource[],
  where: string,
): { datasource?: GrafanaDatasource; problem?: string } {
  if (ref === undefined || ref === null || (typeof ref === 'object' && !ref.uid && !ref.type)) {
    const def = datasources.find((d) => d.isDefault);
    return def
      ? { datasource: def }
      : { problem: `no datasource set and ${where} has no default datasource` };
  }
  if (typeof ref === 'string') {
    const byName = datasources.find((d) => d.name === ref || d.uid === ref);
    return byName ? { datasource: byName } : { problem: `datasource "${ref}" does not exist in ${where}` };
  }
  if (ref.uid && /^\$/.test(ref.uid)) return { problem: `datasource is the variable ${ref.uid}` };
  if (ref.uid && SPECIAL_UIDS.has(ref.uid)) return { problem: `datasource ${ref.uid} is not a backend` };
  const found = ref.uid
    ? datasources.find((d) => d.uid === ref.uid)
    : datasources.find((d) => d.type === ref.type && d.isDefault);
  if (!found)
    return { problem: `datasource uid ${ref.uid ?? `(default ${ref.type})`} does not exist in ${where}` };
  if (ref.type && ref.type !== found.type)
    return { problem: `datasource ${found.uid} is of type ${found.type}, the panel says ${ref.type}` };
  return { datasource: found };
}

/** The text of a target's query: `expr` (Prometheus, Loki) or `query` (Jaeger and others). */
function queryText(t: Record<string, unknown>): string | undefined {
  const text = typeof t.expr === 'string' ? t.expr : typeof t.query === 'string' ? t.query : undefined;
  return text !== undefined && text.trim() !== '' ? text : undefined;
}

/**
 * A panel's visible queries with their resolved datasources. `where` names the datasource list in
 * problems ("Grafana", "the catalog's datasources").
 */
export function panelQueries(
  panel: GrafanaPanel,
  datasources: readonly GrafanaDatasource[],
  where = 'Grafana',
): PanelQuery[] {
  return (panel.targets ?? [])
    .filter((t) => !t.hide && queryText(t) !== undefined)
    .map((t, i) => {
      const panelRef = panel.datasource;
      const mixed = typeof panelRef === 'object' && panelRef?.uid === '-- Mixed --';
      const ref = t.datasource ?? (mixed ? undefined : panelRef);
      const { datasource, problem } = resolveDatasource(ref, datasources, where);
      return {
        refId: t.refId ?? String.fromCharCode(65 + i),
        expr: queryText(t) ?? '',
        target: t,
        ...(datasource ? { datasource } : {}),
        ...(problem ? { datasourceProblem: problem } : {}),
      };
    });
}

/** True when a Grafana query result holds at least one value (what Grafana shows instead of "No data"). */
export function hasData(res: DsQueryResult | undefined): boolean {
  return (res?.frames ?? []).some((f) => (f.data?.values ?? []).some((column) => column.length > 0));
}

export type PanelWithQueries = { panel: GrafanaPanel; queries: PanelQuery[] };

/** Every panel of a dashboard with its queries. */
export function dashboardQueries(
  dashboard: GrafanaDashboard,
  datasources: readonly GrafanaDatasource[],
  where?: string,
): PanelWithQueries[] {
  return flattenPanels(dashboard.panels).map((panel) => ({
    panel,
    queries: panelQueries(panel, datasources, where),
  }));
}

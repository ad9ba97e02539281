/**
 * The dashboards family. Two paths, one set of checks: where a Grafana is present (the user's
 * staging or official image: `ctx.clients.grafana`), everything goes through it — provisioning,
 * datasource health, `/api/ds/query`. Otherwise (the embedded default, no Grafana server) the
 * committed dashboard JSON is checked and the harness runs every panel target against its
 * datasource with Grafana's interpolation. Every result's evidence says which path ran.
 */
import { dashboardByUid, requiredFor, type DashboardDef } from '../catalog/index.ts';
import type { CheckResult } from '../core/index.ts';
import type { ValidationContext } from './context.ts';
import { directPath, logStoreOf, type DirectPathOptions } from './dashboards/direct-path.ts';
import { grafanaPath } from './dashboards/grafana-path.ts';

export { flattenPanels, hasData, panelQueries, catalogDatasources } from './dashboards/panel-queries.ts';
export type { PanelQuery } from './dashboards/panel-queries.ts';
export { parsePromql, promqlParser, logqlParser } from './dashboards/parse.ts';
export type { ParseOutcome, QueryParser } from './dashboards/parse.ts';
export {
  interpolateQuery,
  interpolateMacros,
  interpolateVariables,
  queryTiming,
  roundInterval,
  resolveVariable,
} from './dashboards/interpolate.ts';
export type { QueryTiming, ResolvedVariable, TemplateVariable } from './dashboards/interpolate.ts';
export { committedDashboards } from './dashboards/direct-path.ts';
export type { DashboardSource, DirectPathOptions } from './dashboards/direct-path.ts';

/** The dashboards the phase requires (phases are cumulative). */
function requiredDashboards(ctx: ValidationContext): DashboardDef[] {
  return requiredFor(ctx.phase)
    .dashboards.map((uid) => dashboardByUid(uid))
    .filter((d): d is DashboardDef => d !== undefined);
}

/** The dashboards check with options for the path without Grafana (tests pass a dashboard source). */
export function createDashboardsCheck(options: DirectPathOptions = {}) {
  return async (ctx: ValidationContext): Promise<CheckResult[]> => {
    const required = requiredDashboards(ctx);
    const grafana = ctx.clients.grafana;
    return grafana
      ? grafanaPath(ctx, grafana, required, logStoreOf(ctx))
      : directPath(ctx, required, options);
  };
}

/**
 * Dashboards as people will see them: each required dashboard present with its panels, every
 * query on a resolving datasource and parsing, and every panel showing data for the run window.
 */
export const dashboards = createDashboardsCheck();

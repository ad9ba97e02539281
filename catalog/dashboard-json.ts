/**
 * Renders the catalog's dashboards (dashboards.ts) as Grafana dashboard JSON with the Grafana
 * Foundation SDK's builders. The committed files under stack/grafana/dashboards/ are this output
 * (generate-dashboards.ts writes them; dashboards-drift.test.ts fails when they differ).
 * Not exported from index.ts: only the generator needs the SDK, the fleet and validators do not.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { DashboardBuilder, type GridPos } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as GaugePanel } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as HeatmapPanel } from '@grafana/grafana-foundation-sdk/heatmap';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { DataqueryBuilder as PromQuery, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DASHBOARDS, dashboardFile } from './dashboards.ts';
import { datasourceRef } from './datasources.ts';
import type { DashboardDef, PanelDef } from './types.ts';

const GRID_WIDTH = 24;
/** Panel size on Grafana's 24-column grid, by kind: single values small, logs full width. */
const PANEL_SIZE: Readonly<Record<PanelDef['kind'], { w: number; h: number }>> = {
  stat: { w: 6, h: 6 },
  gauge: { w: 6, h: 6 },
  bargauge: { w: 12, h: 8 },
  timeseries: { w: 12, h: 8 },
  heatmap: { w: 12, h: 8 },
  table: { w: 12, h: 8 },
  logs: { w: 24, h: 10 },
};

type Query = PanelDef['queries'][number];

/** Jaeger has no query builder in the SDK: its query is a trace id (or search) in `query`. */
class JaegerQuery implements Builder<Dataquery> {
  constructor(private readonly internal: { refId: string; query: string; datasource: object }) {}
  build(): Dataquery {
    return { ...this.internal, _implementsDataqueryVariant() {} };
  }
}

function target(query: Query, refId: string, kind: PanelDef['kind']): Builder<Dataquery> {
  const datasource = datasourceRef(query.datasource);
  switch (query.datasource) {
    case 'prometheus': {
      // Range queries, stated explicitly, so Grafana and the validator run them the same way.
      const q = new PromQuery().refId(refId).datasource(datasource).expr(query.expr).range();
      if (query.legend !== undefined) q.legendFormat(query.legend);
      if (kind === 'heatmap') q.format(PromQueryFormat.Heatmap);
      return q;
    }
    case 'loki': {
      const q = new LokiQuery().refId(refId).datasource(datasource).expr(query.expr).queryType('range');
      if (query.legend !== undefined) q.legendFormat(query.legend);
      return q;
    }
    case 'jaeger':
      return new JaegerQuery({ refId, query: query.expr, datasource });
  }
}

/** The SDK builder for a panel kind, with the options that kind needs to render the catalog's queries. */
function panelBuilder(kind: PanelDef['kind']) {
  switch (kind) {
    case 'timeseries':
      return new TimeseriesPanel();
    case 'stat':
      return new StatPanel();
    case 'gauge':
      return new GaugePanel();
    case 'bargauge':
      return new BarGaugePanel();
    case 'table':
      return new TablePanel();
    // The queries already return buckets (`sum by (le)`): show them, do not re-bucket.
    case 'heatmap':
      return new HeatmapPanel().calculate(false);
    case 'logs':
      return new LogsPanel().showTime(true).wrapLogMessage(true).enableLogDetails(true);
  }
}

/**
 * Places panels left to right, wrapping to a new row when the next one does not fit; the last
 * panel of a row is widened to the grid's edge so no row ends in a gap.
 */
function layout(panels: readonly PanelDef[]): GridPos[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const positions: GridPos[] = [];
  const closeRow = () => {
    const last = positions.at(-1);
    if (last) last.w = GRID_WIDTH - last.x;
  };
  for (const p of panels) {
    const { w, h } = PANEL_SIZE[p.kind];
    if (x + w > GRID_WIDTH) {
      closeRow();
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    positions.push({ x, y, w, h });
    x += w;
    rowHeight = Math.max(rowHeight, h);
  }
  closeRow();
  return positions;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** One catalog dashboard as the SDK builds it (before key sorting). */
export function buildDashboard(def: DashboardDef): object {
  const positions = layout(def.panels);
  const dashboard = new DashboardBuilder(def.title)
    .uid(def.uid)
    .tags([...def.tags])
    .description(`Generated from catalog/dashboards.ts (phase ${def.phase}); edit the catalog, not Grafana.`)
    // Provisioned from files: UI edits would be lost on the next provisioning, so forbid them.
    .readonly()
    .timezone('browser')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s');
  def.panels.forEach((p, i) => {
    const datasources = [...new Set(p.queries.map((q) => q.datasource))];
    const panel = panelBuilder(p.kind)
      .id(i + 1)
      .title(p.title)
      .gridPos(positions[i] ?? { x: 0, y: 0, w: 12, h: 8 })
      .targets(p.queries.map((q, j) => target(q, REF_IDS[j] ?? `Q${j}`, p.kind)));
    // A panel mixing datasources would need Grafana's "-- Mixed --"; the catalog has none.
    if (datasources.length === 1 && datasources[0]) panel.datasource(datasourceRef(datasources[0]));
    if (p.unit !== undefined && p.kind !== 'logs') panel.unit(p.unit);
    dashboard.withPanel(panel);
  });
  return dashboard.build();
}

/** Recursively sorts object keys, so the files do not depend on the SDK's property order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && typeof v !== 'function')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** A dashboard's file content: pretty JSON, keys sorted, trailing newline. */
export function renderDashboard(def: DashboardDef): string {
  return `${JSON.stringify(sortKeys(buildDashboard(def)), null, 2)}\n`;
}

/** Every dashboard file, keyed by repository-relative path. */
export function renderDashboardFiles(): Record<string, string> {
  return Object.fromEntries(DASHBOARDS.map((d) => [dashboardFile(d.uid), renderDashboard(d)]));
}

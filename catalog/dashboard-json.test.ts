import { describe, expect, it } from 'vitest';
import { buildDashboard, renderDashboard } from './dashboard-json.ts';
import { DASHBOARDS, GRAFANA_DATASOURCES } from './index.ts';

interface BuiltPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets: { refId: string; expr: string; datasource: { type: string; uid: string }; range?: boolean }[];
}
interface Built {
  uid: string;
  title: string;
  tags: string[];
  editable: boolean;
  panels: BuiltPanel[];
}

describe('dashboard JSON (Grafana Foundation SDK)', () => {
  it.each(DASHBOARDS.map((d) => [d.uid, d] as const))(
    '%s: every catalog panel, query and unit, in order',
    (_uid, def) => {
      const built = buildDashboard(def) as Built;
      expect(built).toMatchObject({ uid: def.uid, title: def.title, tags: [...def.tags], editable: false });
      expect(built.panels.map((p) => [p.title, p.type])).toEqual(def.panels.map((p) => [p.title, p.kind]));
      expect(built.panels.map((p) => p.id)).toEqual(def.panels.map((_, i) => i + 1));
      def.panels.forEach((p, i) => {
        const panel = built.panels[i] as BuiltPanel;
        expect(panel.targets.map((t) => t.expr)).toEqual(p.queries.map((q) => q.expr));
        expect(panel.targets.map((t) => t.refId)).toEqual(p.queries.map((_, j) => 'ABCDEFGHIJ'[j]));
        for (const [j, t] of panel.targets.entries()) {
          const kind = p.queries[j]?.datasource ?? 'prometheus';
          expect(t.datasource, `${def.uid} ${p.title}`).toEqual({
            type: kind,
            uid: GRAFANA_DATASOURCES[kind].uid,
          });
          if (kind === 'prometheus') expect(t.range).toBe(true);
        }
        expect(panel.datasource?.uid).toBe(GRAFANA_DATASOURCES[p.queries[0]?.datasource ?? 'prometheus'].uid);
        if (p.unit && p.kind !== 'logs') expect(panel.fieldConfig?.defaults?.unit).toBe(p.unit);
      });
    },
  );

  it('lays panels out on the 24-column grid without overlaps or gaps at row ends', () => {
    for (const def of DASHBOARDS) {
      const panels = (buildDashboard(def) as Built).panels;
      const cells = new Set<string>();
      for (const { gridPos: g, title } of panels) {
        expect(g.x + g.w, `${def.uid} ${title}`).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++)
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`), `${def.uid} ${title} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
      const rows = new Map<number, number>();
      for (const { gridPos: g } of panels) rows.set(g.y, Math.max(rows.get(g.y) ?? 0, g.x + g.w));
      expect(
        [...rows.values()].every((end) => end === 24),
        def.uid,
      ).toBe(true);
    }
  });

  it('renders pretty JSON with sorted keys, the same every time', () => {
    const def = DASHBOARDS[0];
    if (!def) throw new Error('no dashboards');
    const text = renderDashboard(def);
    expect(text).toBe(renderDashboard(def));
    expect(text.endsWith('}\n')).toBe(true);
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
  });
});

/**
 * The Grafana datasources every dashboard panel refers to, by FIXED uid: the generated dashboards,
 * the Grafana provisioning (stack/grafana) and the dashboards validator share these, so a panel
 * never depends on a datasource's display name or on Grafana's auto-generated ids.
 */
import type { PanelDef } from './types.ts';

export type DatasourceKind = PanelDef['queries'][number]['datasource'];

export interface GrafanaDatasourceDef {
  uid: string;
  /** Grafana's plugin id. */
  type: DatasourceKind;
  /** Display name (the seed's datasources.yml names). */
  name: string;
}

export const PROMETHEUS_DATASOURCE_UID = 'phoenix-prometheus';
export const LOKI_DATASOURCE_UID = 'phoenix-loki';
export const JAEGER_DATASOURCE_UID = 'phoenix-jaeger';

export const GRAFANA_DATASOURCES: Readonly<Record<DatasourceKind, GrafanaDatasourceDef>> = {
  prometheus: { uid: PROMETHEUS_DATASOURCE_UID, type: 'prometheus', name: 'Prometheus' },
  loki: { uid: LOKI_DATASOURCE_UID, type: 'loki', name: 'Loki' },
  jaeger: { uid: JAEGER_DATASOURCE_UID, type: 'jaeger', name: 'Jaeger' },
};

/** The `{ type, uid }` reference a panel or query carries. */
export function datasourceRef(kind: DatasourceKind): { type: string; uid: string } {
  const ds = GRAFANA_DATASOURCES[kind];
  return { type: ds.type, uid: ds.uid };
}

/**
 * A dashboard's template variables made concrete for a run: the saved selection, with "All"
 * expanded to every value. A query variable refreshed on load stores no options; its values come
 * from Prometheus (`label_values(label)` / `label_values(metric, label)`), as Grafana would fetch them.
 */
import type { GrafanaDashboard, PrometheusApi } from '../clients/index.ts';
import {
  optionValues,
  resolveVariable,
  selectedValues,
  ALL_VALUE,
  type ResolvedVariable,
} from './interpolate.ts';
import { templateVariables } from './panel-queries.ts';

/** The metric and label of a `label_values(…)` variable query, if it is one. */
export function labelValuesQuery(query: unknown): { metric?: string; label: string } | undefined {
  const text =
    typeof query === 'string'
      ? query
      : typeof query === 'object' &&
          query !== null &&
          typeof (query as { query?: unknown }).query === 'string'
        ? (query as { query: string }).query
        : undefined;
  const m = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_]\w*)\s*\)\s*$/.exec(text ?? '');
  if (!m?.[2]) return undefined;
  return m[1] ? { metric: m[1], label: m[2] } : { label: m[2] };
}

export async function resolveDashboardVariables(
  dashboard: GrafanaDashboard,
  prometheus?: PrometheusApi,
): Promise<ResolvedVariable[]> {
  return Promise.all(
    templateVariables(dashboard).map(async (v) => {
      const needsLookup = selectedValues(v).includes(ALL_VALUE) && optionValues(v).length === 0;
      const q = needsLookup ? labelValuesQuery(v.query) : undefined;
      if (!q || !prometheus) return resolveVariable(v);
      const values = q.metric
        ? [
            ...new Set((await prometheus.series(q.metric)).map((s) => s[q.label] ?? '').filter(Boolean)),
          ].sort()
        : await prometheus.labelValues(q.label);
      return resolveVariable(v, values);
    }),
  );
}

import type { PrometheusApi } from './clients/index.ts';

/** What Phoenix exposed during a run, per metric family: its label names and its series count. */
export type MetricInventory = Record<string, { labels: string[]; series: number }>;

const DIMENSIONS_OF_ONE_SERIES = new Set(['__name__', 'le', 'quantile', 'job', 'instance']);

/**
 * The metric inventory of a run (for `--baseline`: a metric or label that disappeared, cardinality
 * growth). Histogram buckets count as one series (the `le` dimension belongs to one series).
 */
export async function metricInventory(
  prom: PrometheusApi,
  window: { start: Date; end: Date },
  serviceLabel: string,
): Promise<MetricInventory> {
  const series = await prom.series(`{__name__=~"phoenix_.+", ${serviceLabel}!=""}`, window.start, window.end);
  const families = new Map<string, { labels: Set<string>; keys: Set<string> }>();
  for (const labels of series) {
    const family = (labels.__name__ ?? '').replace(/_(bucket|sum|count)$/, '');
    const entry =
      families.get(family) ?? families.set(family, { labels: new Set(), keys: new Set() }).get(family);
    if (!entry) continue;
    const own = Object.entries(labels).filter(([k]) => !DIMENSIONS_OF_ONE_SERIES.has(k));
    for (const [k] of own) if (k !== serviceLabel) entry.labels.add(k);
    entry.keys.add(
      own
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
  }
  return Object.fromEntries(
    [...families]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, e]) => [name, { labels: [...e.labels].sort(), series: e.keys.size }]),
  );
}

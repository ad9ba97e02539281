import { max, min } from 'd3-array';
import { html, type SafeHtml } from '../html.ts';
import type { LatencyPoint } from '../model.ts';
import { elapsedAxis, elapsedXAxis, linearYAxis, logYAxis, yGrid } from './axes.ts';
import { COLORS, legend, svgChart, type Frame } from './frame.ts';
import { seriesLine } from './series.ts';

/** A y axis is logarithmic when the values span more than this factor. */
const LOG_SCALE_SPREAD = 10;

/**
 * p50/p95/p99 per second over the run. The y axis is logarithmic when the values span more than a
 * decade, so a p99 spike does not flatten the p50 line into the axis.
 */
export function latencyOverTimeChart(points: readonly LatencyPoint[]): SafeHtml {
  const f: Frame = { width: 1100, height: 280, left: 64, right: 20, top: 30, bottom: 30 };
  const highest = max(points, (p) => p.p99) ?? 0;
  const lowest = min(points, (p) => (p.p50 > 0 ? p.p50 : undefined)) ?? 0;
  const logarithmic = lowest > 0 && highest / lowest > LOG_SCALE_SPREAD;
  const y = logarithmic ? logYAxis(f, lowest, highest) : linearYAxis(f, highest, 5);
  const x = elapsedXAxis(f, points);
  const series = (['p99', 'p95', 'p50'] as const).map(
    (key) =>
      html`<path
        d="${seriesLine(points, x.x, (p) => y.scale(p[key]))}"
        fill="none"
        stroke="${COLORS[key]}"
        stroke-width="${key === 'p50' ? 2 : 1.6}"
        stroke-linejoin="round"
        stroke-linecap="round"
      />`,
  );
  const label = logarithmic ? 'latency (ms, log scale)' : 'latency (ms)';
  const body = html`${yGrid(f, y, label)}${elapsedAxis(f, x)}${series}${legend(
    [
      { label: 'p50', color: COLORS.p50 },
      { label: 'p95', color: COLORS.p95 },
      { label: 'p99', color: COLORS.p99 },
    ],
    f.width - f.right,
    f.top - 10,
  )}`;
  return svgChart(f, 'Latency percentiles per second', body);
}

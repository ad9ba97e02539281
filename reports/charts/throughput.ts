import { max } from 'd3-array';
import { html, type SafeHtml } from '../html.ts';
import type { LatencyPoint } from '../model.ts';
import { elapsedAxis, elapsedXAxis, linearYAxis, yGrid } from './axes.ts';
import { formatCount } from './format.ts';
import { COLORS, coord, legend, plotBase, plotWidth, svgChart, type Frame } from './frame.ts';
import { seriesArea, seriesLine } from './series.ts';

/** Requests per second (area) with failed requests per second (red bars). */
export function throughputChart(points: readonly LatencyPoint[]): SafeHtml {
  const f: Frame = { width: 1100, height: 170, left: 64, right: 20, top: 26, bottom: 30 };
  const y = linearYAxis(f, max(points, (p) => p.rps) ?? 0, 4);
  const x = elapsedXAxis(f, points);
  const base = plotBase(f);
  const rps = (p: LatencyPoint): number => y.scale(p.rps);
  const barWidth = Math.max(1, (plotWidth(f) / x.spanS) * 0.7);
  const errorBars = points
    .filter((p) => p.errors > 0)
    .map(
      (p) =>
        html`<rect
          x="${coord(x.x(p.t) - barWidth / 2)}"
          y="${coord(y.scale(p.errors))}"
          width="${coord(barWidth)}"
          height="${coord(base - y.scale(p.errors))}"
          fill="${COLORS.errors}"
          ><title>${formatCount(p.errors)} failed of ${formatCount(p.rps)}</title></rect
        >`,
    );
  const body = html`${yGrid(f, y, 'requests/s')}${elapsedAxis(f, x)}
    <path d="${seriesArea(points, x.x, rps, base)}" fill="${COLORS.rps}" fill-opacity="0.14" stroke="none" />
    <path
      d="${seriesLine(points, x.x, rps)}"
      fill="none"
      stroke="${COLORS.rps}"
      stroke-width="1.6"
      stroke-linejoin="round"
    />${errorBars}${legend(
      [
        { label: 'requests/s', color: COLORS.rps },
        { label: 'failed/s', color: COLORS.errors },
      ],
      f.width - f.right,
      f.top - 8,
    )}`;
  return svgChart(f, 'Requests and failed requests per second', body);
}

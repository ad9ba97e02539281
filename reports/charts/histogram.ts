import { bisector, max } from 'd3-array';
import { scaleLinear, scaleLog } from 'd3-scale';
import { html, type SafeHtml } from '../html.ts';
import type { HistogramBucket } from '../model.ts';
import { linearYAxis, xBaseline, yGrid } from './axes.ts';
import { formatCount, formatMs, formatTick } from './format.ts';
import { COLORS, coord, plotBase, plotWidth, svgChart, type Frame } from './frame.ts';

/** The first bucket has no lower edge; it is drawn as if it spanned one 1.25× step below its upper. */
const FIRST_BUCKET_RATIO = 1.25;
/** At most about this many bucket-edge labels on the x axis. */
const MAX_X_LABELS = 14;

const byUpperEdge = bisector((b: HistogramBucket) => b.leMs);

/**
 * Where a latency falls on the bucket axis, in buckets from the left: the index of the first
 * bucket whose upper edge is at or above it, plus its log-interpolated place inside that bucket.
 */
export function bucketPosition(buckets: readonly HistogramBucket[], ms: number): number {
  const i = byUpperEdge.left(buckets, ms);
  const bucket = buckets[i];
  if (bucket === undefined) return buckets.length;
  const upper = bucket.leMs;
  const lower = i === 0 ? upper / FIRST_BUCKET_RATIO : (buckets[i - 1]?.leMs ?? 0);
  if (!(lower > 0 && upper > lower)) return i + 1;
  return scaleLog()
    .domain([lower, upper])
    .range([i, i + 1])
    .clamp(true)(ms);
}

/** Requests per latency bucket (bars, one band per bucket) with dashed p50/p95/p99 markers. */
export function latencyHistogramChart(
  buckets: readonly HistogramBucket[],
  marks: { p50Ms: number; p95Ms: number; p99Ms: number },
): SafeHtml {
  const f: Frame = { width: 1100, height: 260, left: 64, right: 20, top: 18, bottom: 40 };
  const y = linearYAxis(f, max(buckets, (b) => b.count) ?? 0, 4);
  // Bucket index (fractional inside a bucket) → x.
  const x = scaleLinear()
    .domain([0, Math.max(1, buckets.length)])
    .range([f.left, f.width - f.right]);
  const band = plotWidth(f) / Math.max(1, buckets.length);
  const base = plotBase(f);
  const every = Math.max(1, Math.ceil(buckets.length / MAX_X_LABELS));
  const bars = buckets.map((b, i) => {
    const lower = i === 0 ? 0 : (buckets[i - 1]?.leMs ?? 0);
    const left = x(i);
    const right = x(i + 1);
    const tick =
      (i + 1) % every === 0 || i === buckets.length - 1
        ? html`<line
              x1="${coord(right)}"
              x2="${coord(right)}"
              y1="${coord(base)}"
              y2="${coord(base + 4)}"
              stroke="${COLORS.axis}"
            />
            <text
              x="${coord(right)}"
              y="${coord(base + 17)}"
              text-anchor="middle"
              font-size="11"
              fill="${COLORS.muted}"
              >${formatTick(b.leMs)}</text
            >`
        : null;
    return html`<rect
        x="${coord(left + 1)}"
        y="${coord(y.scale(b.count))}"
        width="${coord(Math.max(1, band - 2))}"
        height="${coord(base - y.scale(b.count))}"
        rx="1.5"
        fill="${COLORS.p50}"
        fill-opacity="0.75"
        ><title>${formatMs(lower)} – ${formatMs(b.leMs)}: ${formatCount(b.count)} requests</title></rect
      >${tick}`;
  });
  const markers = (
    [
      ['p50', marks.p50Ms],
      ['p95', marks.p95Ms],
      ['p99', marks.p99Ms],
    ] as const
  ).map(([name, ms], i) => {
    const mx = x(bucketPosition(buckets, ms));
    const labelY = f.top + 12 + i * 15;
    const anchor = mx > f.width - 160 ? 'end' : 'start';
    return html`<line
        x1="${coord(mx)}"
        x2="${coord(mx)}"
        y1="${coord(f.top)}"
        y2="${coord(base)}"
        stroke="${COLORS[name]}"
        stroke-width="1.5"
        stroke-dasharray="4 3"
      />
      <text
        x="${coord(anchor === 'end' ? mx - 5 : mx + 5)}"
        y="${coord(labelY)}"
        text-anchor="${anchor}"
        font-size="12"
        font-weight="600"
        fill="${COLORS[name]}"
        >${name} ${formatMs(ms)}</text
      >`;
  });
  const body = html`${yGrid(f, y, 'requests')}${xBaseline(f)}${bars}${markers}
    <text
      x="${coord(f.left + plotWidth(f) / 2)}"
      y="${coord(f.height - 4)}"
      text-anchor="middle"
      font-size="11"
      fill="${COLORS.muted}"
      >request duration, upper bucket edge (ms, log scale)</text
    >`;
  return svgChart(f, 'Latency distribution', body);
}

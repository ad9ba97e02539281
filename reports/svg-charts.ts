import { SafeHtml, html } from './html.ts';
import type { AccountingRow } from '../core/index.ts';
import type { AlertDrill, HistogramBucket, LatencyPoint } from './model.ts';

/**
 * Inline SVG charts for the HTML report: no script, no fonts, no network. Sizes are in viewBox
 * units; the SVGs scale to their container. Hover text comes from SVG `<title>` elements.
 */

export const COLORS = {
  p50: '#0969da',
  p95: '#bf8700',
  p99: '#cf222e',
  rps: '#8250df',
  errors: '#cf222e',
  grid: '#d8dee4',
  axis: '#57606a',
  text: '#1f2328',
  muted: '#59636e',
  neutral: '#6e7781',
  ok: '#1a7f37',
  short: '#cf222e',
  over: '#bf8700',
  pending: '#bf8700',
  firing: '#cf222e',
  delivered: '#8250df',
  resolved: '#1a7f37',
} as const;

/** A fixed attribute of this module's own (never outside text), so it is spliced in as markup. */
const FONT = new SafeHtml(
  'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"',
);

// ─── number formatting ───────────────────────────────────────────────────────────────────────────

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 0.42 ms, 4.2 ms, 420 ms, 4.2 s, 2m 05s. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** Axis labels: 0.5, 2, 250, 1k, 2.5k. */
function formatTick(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function formatElapsed(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return rest === 0 ? `${m}m` : `${m}m${String(rest).padStart(2, '0')}`;
}

/** "Nice" axis ticks (1, 2, 5 × 10^k steps) from 0 to at least max. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

// ─── line chart: latency percentiles over time ───────────────────────────────────────────────────

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function plotWidth(f: Frame): number {
  return f.width - f.left - f.right;
}
function plotHeight(f: Frame): number {
  return f.height - f.top - f.bottom;
}

function yGrid(f: Frame, ticks: readonly number[], y: (v: number) => number, label: string): SafeHtml {
  const lines = ticks.map(
    (v) =>
      html`<line
          x1="${r(f.left)}"
          x2="${r(f.width - f.right)}"
          y1="${r(y(v))}"
          y2="${r(y(v))}"
          stroke="${COLORS.grid}"
          stroke-width="1"
        />
        <text x="${r(f.left - 8)}" y="${r(y(v) + 4)}" text-anchor="end" font-size="11" fill="${COLORS.muted}"
          >${formatTick(v)}</text
        >`,
  );
  const mid = r(f.top + plotHeight(f) / 2);
  return html`${lines}<text
      x="14"
      y="${mid}"
      transform="rotate(-90 14 ${mid})"
      text-anchor="middle"
      font-size="11"
      fill="${COLORS.muted}"
      >${label}</text
    >`;
}

/** A linear y scale from 0 to the top tick. */
function linearY(f: Frame, ticks: readonly number[]): (v: number) => number {
  const top = ticks[ticks.length - 1] ?? 1;
  return (v) => f.top + plotHeight(f) * (1 - v / top);
}

const LOG_STEPS = [1, 2, 5] as const;

/** 1-2-5 values from the one at or below `min` to the one at or above `max`. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  let decade = Math.floor(Math.log10(min));
  const below = LOG_STEPS.filter((s) => s * 10 ** decade <= min * (1 + 1e-9));
  let step = LOG_STEPS.indexOf(below[below.length - 1] ?? 1);
  for (;;) {
    const v = Number(((LOG_STEPS[step] ?? 1) * 10 ** decade).toPrecision(12));
    ticks.push(v);
    if (v >= max * (1 - 1e-9)) return ticks;
    step += 1;
    if (step === LOG_STEPS.length) {
      step = 0;
      decade += 1;
    }
  }
}

function logY(f: Frame, ticks: readonly number[]): (v: number) => number {
  const lo = Math.log(ticks[0] ?? 1);
  const hi = Math.log(ticks[ticks.length - 1] ?? 10);
  return (v) => f.top + plotHeight(f) * (1 - (Math.log(Math.max(v, ticks[0] ?? 1)) - lo) / (hi - lo || 1));
}

function xAxis(f: Frame, spanS: number): SafeHtml {
  const ticks = niceTicks(spanS, 8).filter((v) => v <= spanS);
  const y = f.height - f.bottom;
  const labels = ticks.map((v) => {
    const x = f.left + (plotWidth(f) * v) / (spanS || 1);
    return html`<line x1="${r(x)}" x2="${r(x)}" y1="${r(y)}" y2="${r(y + 4)}" stroke="${COLORS.axis}" />
      <text x="${r(x)}" y="${r(y + 17)}" text-anchor="middle" font-size="11" fill="${COLORS.muted}"
        >${formatElapsed(v)}</text
      >`;
  });
  return html`<line
      x1="${r(f.left)}"
      x2="${r(f.width - f.right)}"
      y1="${r(y)}"
      y2="${r(y)}"
      stroke="${COLORS.axis}"
    />${labels}`;
}

/** An SVG path through the points; a second without requests breaks the line instead of bridging it. */
function linePath(
  points: readonly { t: number; v: number }[],
  x: (t: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let previous: number | undefined;
  for (const p of points) {
    d += `${previous === undefined || p.t - previous > 1000 ? 'M' : 'L'}${r(x(p.t))} ${r(y(p.v))}`;
    previous = p.t;
  }
  return d;
}

function legend(items: readonly { label: string; color: string }[], xRight: number, y: number): SafeHtml {
  let x = xRight;
  const parts: SafeHtml[] = [];
  for (const item of [...items].reverse()) {
    const w = 24 + item.label.length * 7;
    x -= w;
    parts.push(
      html`<rect x="${r(x)}" y="${r(y - 8)}" width="14" height="4" rx="1" fill="${item.color}" />
        <text x="${r(x + 19)}" y="${r(y - 2)}" font-size="12" fill="${COLORS.text}">${item.label}</text>`,
    );
  }
  return html`${parts}`;
}

function svg(f: Frame, label: string, body: SafeHtml): SafeHtml {
  return html`<svg
    class="chart"
    viewBox="0 0 ${f.width} ${f.height}"
    role="img"
    aria-label="${label}"
    ${FONT}
  >
    <title>${label}</title>
    ${body}
  </svg>`;
}

function timeScale(points: readonly LatencyPoint[], f: Frame): { x: (t: number) => number; spanS: number } {
  const first = points[0]?.t ?? 0;
  const last = points[points.length - 1]?.t ?? first;
  const spanMs = Math.max(1000, last - first + 1000);
  return { x: (t) => f.left + (plotWidth(f) * (t - first + 500)) / spanMs, spanS: spanMs / 1000 };
}

/**
 * p50/p95/p99 per second over the run. The y axis is logarithmic when the values span more than a
 * decade, so a p99 spike does not flatten the p50 line into the axis.
 */
export function latencyOverTimeChart(points: readonly LatencyPoint[]): SafeHtml {
  const f: Frame = { width: 1100, height: 280, left: 64, right: 20, top: 30, bottom: 30 };
  const max = Math.max(0, ...points.map((p) => p.p99));
  const positive = points.map((p) => p.p50).filter((v) => v > 0);
  const min = positive.length > 0 ? Math.min(...positive) : 0;
  const logarithmic = min > 0 && max / min > 10;
  const ticks = logarithmic ? logTicks(min, max) : niceTicks(max, 5);
  const y = logarithmic ? logY(f, ticks) : linearY(f, ticks);
  const { x, spanS } = timeScale(points, f);
  const series = (['p99', 'p95', 'p50'] as const).map(
    (key) =>
      html`<path
        d="${linePath(
          points.map((p) => ({ t: p.t, v: p[key] })),
          x,
          y,
        )}"
        fill="none"
        stroke="${COLORS[key]}"
        stroke-width="${key === 'p50' ? 2 : 1.6}"
        stroke-linejoin="round"
        stroke-linecap="round"
      />`,
  );
  const label = logarithmic ? 'latency (ms, log scale)' : 'latency (ms)';
  const body = html`${yGrid(f, ticks, y, label)}${xAxis(f, spanS)}${series}${legend(
    [
      { label: 'p50', color: COLORS.p50 },
      { label: 'p95', color: COLORS.p95 },
      { label: 'p99', color: COLORS.p99 },
    ],
    f.width - f.right,
    f.top - 10,
  )}`;
  return svg(f, 'Latency percentiles per second', body);
}

/** Requests per second (area) with failed requests per second (red bars). */
export function throughputChart(points: readonly LatencyPoint[]): SafeHtml {
  const f: Frame = { width: 1100, height: 170, left: 64, right: 20, top: 26, bottom: 30 };
  const ticks = niceTicks(Math.max(0, ...points.map((p) => p.rps)), 4);
  const { x, spanS } = timeScale(points, f);
  const y = linearY(f, ticks);
  const base = f.height - f.bottom;
  const line = linePath(
    points.map((p) => ({ t: p.t, v: p.rps })),
    x,
    y,
  );
  // Close each run of consecutive seconds down to the axis to fill the area under it.
  const segments = line.split('M').filter(Boolean);
  const areas = segments.map((segment) => {
    const coords = segment.split('L');
    const firstX = coords[0]?.split(' ')[0] ?? '0';
    const lastX = coords[coords.length - 1]?.split(' ')[0] ?? '0';
    return `M${firstX} ${r(base)}L${segment}L${lastX} ${r(base)}Z`;
  });
  const barWidth = Math.max(1, (plotWidth(f) / Math.max(1, spanS)) * 0.7);
  const errorBars = points
    .filter((p) => p.errors > 0)
    .map(
      (p) =>
        html`<rect
          x="${r(x(p.t) - barWidth / 2)}"
          y="${r(y(p.errors))}"
          width="${r(barWidth)}"
          height="${r(base - y(p.errors))}"
          fill="${COLORS.errors}"
          ><title>${formatCount(p.errors)} failed of ${formatCount(p.rps)}</title></rect
        >`,
    );
  const body = html`${yGrid(f, ticks, y, 'requests/s')}${xAxis(f, spanS)}
    <path d="${areas.join('')}" fill="${COLORS.rps}" fill-opacity="0.14" stroke="none" />
    <path
      d="${line}"
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
  return svg(f, 'Requests and failed requests per second', body);
}

// ─── histogram: latency distribution ─────────────────────────────────────────────────────────────

/** Where a latency falls on the histogram's bucket axis (log-interpolated inside its bucket). */
function bucketPosition(buckets: readonly HistogramBucket[], ms: number): number {
  for (let i = 0; i < buckets.length; i++) {
    const upper = buckets[i]?.leMs ?? 0;
    if (ms <= upper) {
      const lower = i === 0 ? upper / 1.25 : (buckets[i - 1]?.leMs ?? 0);
      const fraction = lower > 0 && upper > lower ? Math.log(ms / lower) / Math.log(upper / lower) : 1;
      return i + Math.min(1, Math.max(0, fraction));
    }
  }
  return buckets.length;
}

export function latencyHistogramChart(
  buckets: readonly HistogramBucket[],
  marks: { p50Ms: number; p95Ms: number; p99Ms: number },
): SafeHtml {
  const f: Frame = { width: 1100, height: 260, left: 64, right: 20, top: 18, bottom: 40 };
  const ticks = niceTicks(Math.max(0, ...buckets.map((b) => b.count)), 4);
  const band = plotWidth(f) / Math.max(1, buckets.length);
  const y = linearY(f, ticks);
  const base = f.height - f.bottom;
  const every = Math.max(1, Math.ceil(buckets.length / 14));
  const bars = buckets.map((b, i) => {
    const lower = i === 0 ? 0 : (buckets[i - 1]?.leMs ?? 0);
    const x = f.left + i * band;
    const tick =
      (i + 1) % every === 0 || i === buckets.length - 1
        ? html`<line
              x1="${r(x + band)}"
              x2="${r(x + band)}"
              y1="${r(base)}"
              y2="${r(base + 4)}"
              stroke="${COLORS.axis}"
            />
            <text
              x="${r(x + band)}"
              y="${r(base + 17)}"
              text-anchor="middle"
              font-size="11"
              fill="${COLORS.muted}"
              >${formatTick(b.leMs)}</text
            >`
        : null;
    return html`<rect
        x="${r(x + 1)}"
        y="${r(y(b.count))}"
        width="${r(Math.max(1, band - 2))}"
        height="${r(base - y(b.count))}"
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
    const x = f.left + bucketPosition(buckets, ms) * band;
    const labelY = f.top + 12 + i * 15;
    const anchor = x > f.width - 160 ? 'end' : 'start';
    return html`<line
        x1="${r(x)}"
        x2="${r(x)}"
        y1="${r(f.top)}"
        y2="${r(base)}"
        stroke="${COLORS[name]}"
        stroke-width="1.5"
        stroke-dasharray="4 3"
      />
      <text
        x="${r(anchor === 'end' ? x - 5 : x + 5)}"
        y="${r(labelY)}"
        text-anchor="${anchor}"
        font-size="12"
        font-weight="600"
        fill="${COLORS[name]}"
        >${name} ${formatMs(ms)}</text
      >`;
  });
  const body = html`${yGrid(f, ticks, y, 'requests')}<line
      x1="${r(f.left)}"
      x2="${r(f.width - f.right)}"
      y1="${r(base)}"
      y2="${r(base)}"
      stroke="${COLORS.axis}"
    />${bars}${markers}
    <text
      x="${r(f.left + plotWidth(f) / 2)}"
      y="${r(f.height - 4)}"
      text-anchor="middle"
      font-size="11"
      fill="${COLORS.muted}"
      >request duration, upper bucket edge (ms, log scale)</text
    >`;
  return svg(f, 'Latency distribution', body);
}

// ─── accounting funnel ───────────────────────────────────────────────────────────────────────────

const STAGES = ['sent', 'traced', 'logged', 'counted'] as const;

/** One flow's funnel: four bars, each against what was sent (red when short, amber when over). */
export function funnelChart(row: AccountingRow): SafeHtml {
  const f: Frame = { width: 420, height: 4 * 30 + 6, left: 64, right: 124, top: 4, bottom: 2 };
  const max = Math.max(1, ...STAGES.map((s) => row[s]));
  const bars = STAGES.map((stage, i) => {
    const value = row[stage];
    const y = f.top + i * 30;
    const w = (plotWidth(f) * value) / max;
    const color =
      stage === 'sent'
        ? COLORS.neutral
        : value === row.sent
          ? COLORS.ok
          : value < row.sent
            ? COLORS.short
            : COLORS.over;
    const diff = value - row.sent;
    const ratio = row.sent > 0 ? (100 * value) / row.sent : 0;
    const pct = row.sent > 0 ? `${Number.isInteger(ratio) ? ratio : ratio.toFixed(1)}%` : '';
    const note =
      stage === 'sent'
        ? ''
        : diff === 0
          ? pct
          : `${diff > 0 ? '+' : '−'}${formatCount(Math.abs(diff))} · ${pct}`;
    return html`<text
        x="${r(f.left - 8)}"
        y="${r(y + 15)}"
        text-anchor="end"
        font-size="12"
        fill="${COLORS.muted}"
        >${stage}</text
      >
      <rect x="${r(f.left)}" y="${r(y + 2)}" width="${r(plotWidth(f))}" height="18" rx="3" fill="#eff2f5" />
      <rect
        x="${r(f.left)}"
        y="${r(y + 2)}"
        width="${r(Math.max(value > 0 ? 2 : 0, w))}"
        height="18"
        rx="3"
        fill="${color}"
        ><title>${stage}: ${formatCount(value)} of ${formatCount(row.sent)} sent</title></rect
      >
      <text
        x="${r(f.width - f.right + 8)}"
        y="${r(y + 15)}"
        font-size="12"
        font-weight="600"
        fill="${COLORS.text}"
        >${formatCount(value)}</text
      >
      <text
        x="${r(f.width - 4)}"
        y="${r(y + 15)}"
        text-anchor="end"
        font-size="11"
        fill="${stage !== 'sent' && diff !== 0 ? color : COLORS.muted}"
        >${note}</text
      >`;
  });
  return svg(f, `Accounting funnel for ${row.flow}`, html`${bars}`);
}

// ─── alert drill timeline ────────────────────────────────────────────────────────────────────────

const DRILL_STAGES = [
  ['pendingMs', 'pending'],
  ['firingMs', 'firing'],
  ['deliveredMs', 'delivered'],
  ['resolvedMs', 'resolved'],
] as const;

/** The longest drill, so every timeline shares one scale. */
export function drillScaleMs(drills: readonly AlertDrill[]): number {
  return Math.max(1000, ...drills.flatMap((d) => DRILL_STAGES.map(([key]) => d[key] ?? 0)));
}

/** fault injected → pending → firing → delivered → resolved, each marker with its time after injection. */
export function drillTimeline(drill: AlertDrill, scaleMs: number): SafeHtml {
  const f: Frame = { width: 760, height: 64, left: 14, right: 70, top: 0, bottom: 0 };
  const x = (ms: number): number => f.left + (plotWidth(f) * ms) / scaleMs;
  const axisY = 34;
  const reached = DRILL_STAGES.filter(([key]) => drill[key] !== undefined);
  const lastMs = Math.max(0, ...reached.map(([key]) => drill[key] ?? 0));
  const missing = DRILL_STAGES.filter(([key]) => drill[key] === undefined).map(([, name]) => name);
  const markers = reached.map(([key, name], i) => {
    const ms = drill[key] ?? 0;
    const above = i % 2 === 0;
    return html`<circle
        cx="${r(x(ms))}"
        cy="${axisY}"
        r="6"
        fill="${COLORS[name]}"
        stroke="#fff"
        stroke-width="2"
        ><title>${name} after ${formatMs(ms)}</title></circle
      >
      <text
        x="${r(x(ms))}"
        y="${above ? axisY - 12 : axisY + 22}"
        text-anchor="middle"
        font-size="11"
        fill="${COLORS.text}"
        ><tspan font-weight="600" fill="${COLORS[name]}">${name}</tspan> ${formatMs(ms)}</text
      >`;
  });
  const gap =
    missing.length > 0
      ? html`<text
          x="${r(x(lastMs) + 12)}"
          y="${axisY + 4}"
          font-size="11"
          fill="${drill.status === 'pass' ? COLORS.muted : COLORS.short}"
          stroke="#fff"
          stroke-width="4"
          paint-order="stroke"
          >not ${missing.join(', ')}</text
        >`
      : null;
  const body = html`<line
      x1="${r(f.left)}"
      x2="${r(f.width - f.right)}"
      y1="${axisY}"
      y2="${axisY}"
      stroke="${COLORS.grid}"
      stroke-width="2"
    />
    <line
      x1="${r(f.left)}"
      x2="${r(x(lastMs))}"
      y1="${axisY}"
      y2="${axisY}"
      stroke="${COLORS.axis}"
      stroke-width="2"
    />
    <path
      d="M${r(f.left)} ${axisY - 7}L${r(f.left + 6)} ${axisY}L${r(f.left)} ${axisY + 7}Z"
      fill="${COLORS.axis}"
      ><title>fault injected</title></path
    >
    ${markers}${gap}<text
      x="${r(f.width - 2)}"
      y="${axisY + 4}"
      text-anchor="end"
      font-size="10"
      fill="${COLORS.muted}"
      >${formatMs(scaleMs)}</text
    >`;
  return svg(f, `Alert drill timeline for ${drill.alert}`, body);
}

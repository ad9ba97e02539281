import { extent } from 'd3-array';
import { scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3-scale';
import { html, type SafeHtml } from '../html.ts';
import { formatElapsed, formatTick } from './format.ts';
import { COLORS, coord, plotBase, plotHeight, type Frame } from './frame.ts';

/** A y scale with the values its gridlines and labels sit on. */
export interface YAxis {
  scale: ScaleContinuousNumeric<number, number>;
  ticks: number[];
}

/** Linear from 0 to a round top at or above `max` (d3's `nice`), with about `count` round ticks. */
export function linearYAxis(f: Frame, max: number, count: number): YAxis {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const scale = scaleLinear()
    .domain([0, top])
    .range([plotBase(f), f.top])
    .nice(count);
  return { scale, ticks: scale.ticks(count) };
}

/** The leading digit of a positive number: 1 for 0.1, 2 for 2000, 5 for 0.05. */
function leadingDigit(v: number): number {
  return Math.round(v / 10 ** Math.floor(Math.log10(v)));
}

/** At most this many labelled gridlines on a log axis before it keeps only the powers of ten. */
const MAX_LOG_TICKS = 10;

/**
 * Logarithmic over [min, max] widened to whole decades (d3's `nice`), gridlines on the 1-2-5
 * values (only the powers of ten when that would crowd the axis). Values at or below zero are
 * clamped to the bottom instead of going to -Infinity. `min` must be positive.
 */
export function logYAxis(f: Frame, min: number, max: number): YAxis {
  const scale = scaleLog()
    .domain([min, Math.max(min, max)])
    .range([plotBase(f), f.top])
    .nice()
    .clamp(true);
  const all = scale.ticks();
  const oneTwoFive = all.filter((v) => [1, 2, 5].includes(leadingDigit(v)));
  const ticks = oneTwoFive.length <= MAX_LOG_TICKS ? oneTwoFive : all.filter((v) => leadingDigit(v) === 1);
  return { scale, ticks };
}

/** Gridlines with their labels, and the axis title turned along the left edge. */
export function yGrid(f: Frame, axis: YAxis, label: string): SafeHtml {
  const lines = axis.ticks.map((v) => {
    const y = axis.scale(v);
    return html`<line
        x1="${coord(f.left)}"
        x2="${coord(f.width - f.right)}"
        y1="${coord(y)}"
        y2="${coord(y)}"
        stroke="${COLORS.grid}"
        stroke-width="1"
      />
      <text
        x="${coord(f.left - 8)}"
        y="${coord(y + 4)}"
        text-anchor="end"
        font-size="11"
        fill="${COLORS.muted}"
        >${formatTick(v)}</text
      >`;
  });
  const mid = coord(f.top + plotHeight(f) / 2);
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

/** The horizontal line along the plot's bottom edge. */
export function xBaseline(f: Frame): SafeHtml {
  const y = coord(plotBase(f));
  return html`<line
    x1="${coord(f.left)}"
    x2="${coord(f.width - f.right)}"
    y1="${y}"
    y2="${y}"
    stroke="${COLORS.axis}"
  />`;
}

/** An x scale over the seconds of a run, and where a per-second point goes on it. */
export interface ElapsedAxis {
  /** Seconds since the first point → x. */
  scale: ScaleContinuousNumeric<number, number>;
  /** A point's epoch-ms → x, in the middle of its second. */
  x: (t: number) => number;
  /** Seconds covered, at least 1. */
  spanS: number;
}

/** Linear over the run's seconds, from the first point's second to the end of the last one. */
export function elapsedXAxis(f: Frame, points: readonly { t: number }[]): ElapsedAxis {
  const [first = 0, last = first] = extent(points, (p) => p.t);
  const spanS = Math.max(1, (last - first) / 1000 + 1);
  const scale = scaleLinear()
    .domain([0, spanS])
    .range([f.left, f.width - f.right]);
  return { scale, x: (t) => scale((t - first + 500) / 1000), spanS };
}

/** The bottom axis with elapsed-time labels (0s, 10s, … 2m30) on about `count` round ticks. */
export function elapsedAxis(f: Frame, axis: ElapsedAxis, count = 8): SafeHtml {
  const y = plotBase(f);
  const labels = axis.scale.ticks(count).map((v) => {
    const x = axis.scale(v);
    return html`<line
        x1="${coord(x)}"
        x2="${coord(x)}"
        y1="${coord(y)}"
        y2="${coord(y + 4)}"
        stroke="${COLORS.axis}"
      />
      <text x="${coord(x)}" y="${coord(y + 17)}" text-anchor="middle" font-size="11" fill="${COLORS.muted}"
        >${formatElapsed(v)}</text
      >`;
  });
  return html`${xBaseline(f)}${labels}`;
}

import { max } from 'd3-array';
import { scaleLinear } from 'd3-scale';
import { html, type SafeHtml } from '../html.ts';
import type { AlertDrill } from '../model.ts';
import { formatMs } from './format.ts';
import { COLORS, coord, svgChart, type Frame } from './frame.ts';

const DRILL_STAGES = [
  ['pendingMs', 'pending'],
  ['firingMs', 'firing'],
  ['deliveredMs', 'delivered'],
  ['resolvedMs', 'resolved'],
] as const;

/** The shortest scale a timeline gets, so a drill that reached nothing still has an axis. */
const MIN_SCALE_MS = 1000;

/** The longest drill, so every timeline shares one scale. */
export function drillScaleMs(drills: readonly AlertDrill[]): number {
  return Math.max(MIN_SCALE_MS, max(drills.flatMap((d) => DRILL_STAGES.map(([key]) => d[key] ?? 0))) ?? 0);
}

/** fault injected → pending → firing → delivered → resolved, each marker with its time after injection. */
export function drillTimeline(drill: AlertDrill, scaleMs: number): SafeHtml {
  const f: Frame = { width: 760, height: 64, left: 14, right: 70, top: 0, bottom: 0 };
  const x = scaleLinear()
    .domain([0, scaleMs])
    .range([f.left, f.width - f.right]);
  const axisY = 34;
  const reached = DRILL_STAGES.filter(([key]) => drill[key] !== undefined);
  const lastMs = max(reached, ([key]) => drill[key]) ?? 0;
  const missing = DRILL_STAGES.filter(([key]) => drill[key] === undefined).map(([, name]) => name);
  const markers = reached.map(([key, name], i) => {
    const ms = drill[key] ?? 0;
    const above = i % 2 === 0;
    return html`<circle
        cx="${coord(x(ms))}"
        cy="${axisY}"
        r="6"
        fill="${COLORS[name]}"
        stroke="#fff"
        stroke-width="2"
        ><title>${name} after ${formatMs(ms)}</title></circle
      >
      <text
        x="${coord(x(ms))}"
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
          x="${coord(x(lastMs) + 12)}"
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
      x1="${coord(f.left)}"
      x2="${coord(f.width - f.right)}"
      y1="${axisY}"
      y2="${axisY}"
      stroke="${COLORS.grid}"
      stroke-width="2"
    />
    <line
      x1="${coord(f.left)}"
      x2="${coord(x(lastMs))}"
      y1="${axisY}"
      y2="${axisY}"
      stroke="${COLORS.axis}"
      stroke-width="2"
    />
    <path
      d="M${coord(f.left)} ${axisY - 7}L${coord(f.left + 6)} ${axisY}L${coord(f.left)} ${axisY + 7}Z"
      fill="${COLORS.axis}"
      ><title>fault injected</title></path
    >
    ${markers}${gap}<text
      x="${coord(f.width - 2)}"
      y="${axisY + 4}"
      text-anchor="end"
      font-size="10"
      fill="${COLORS.muted}"
      >${formatMs(scaleMs)}</text
    >`;
  return svgChart(f, `Alert drill timeline for ${drill.alert}`, body);
}

import { max } from 'd3-array';
import { scaleLinear } from 'd3-scale';
import type { AccountingRow } from '../../core/index.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatCount } from './format.ts';
import { COLORS, coord, plotWidth, svgChart, type Frame } from './frame.ts';

const STAGES = ['sent', 'traced', 'logged', 'counted'] as const;
const ROW_HEIGHT = 30;

/** One flow's funnel: four bars, each against what was sent (red when short, amber when over). */
export function funnelChart(row: AccountingRow): SafeHtml {
  const f: Frame = {
    width: 420,
    height: STAGES.length * ROW_HEIGHT + 6,
    left: 64,
    right: 124,
    top: 4,
    bottom: 2,
  };
  const width = scaleLinear()
    .domain([0, Math.max(1, max(STAGES, (s) => row[s]) ?? 0)])
    .range([0, plotWidth(f)]);
  const bars = STAGES.map((stage, i) => {
    const value = row[stage];
    const y = f.top + i * ROW_HEIGHT;
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
        x="${coord(f.left - 8)}"
        y="${coord(y + 15)}"
        text-anchor="end"
        font-size="12"
        fill="${COLORS.muted}"
        >${stage}</text
      >
      <rect
        x="${coord(f.left)}"
        y="${coord(y + 2)}"
        width="${coord(plotWidth(f))}"
        height="18"
        rx="3"
        fill="#eff2f5"
      />
      <rect
        x="${coord(f.left)}"
        y="${coord(y + 2)}"
        width="${coord(Math.max(value > 0 ? 2 : 0, width(value)))}"
        height="18"
        rx="3"
        fill="${color}"
        ><title>${stage}: ${formatCount(value)} of ${formatCount(row.sent)} sent</title></rect
      >
      <text
        x="${coord(f.width - f.right + 8)}"
        y="${coord(y + 15)}"
        font-size="12"
        font-weight="600"
        fill="${COLORS.text}"
        >${formatCount(value)}</text
      >
      <text
        x="${coord(f.width - 4)}"
        y="${coord(y + 15)}"
        text-anchor="end"
        font-size="11"
        fill="${stage !== 'sent' && diff !== 0 ? color : COLORS.muted}"
        >${note}</text
      >`;
  });
  return svgChart(f, `Accounting funnel for ${row.flow}`, html`${bars}`);
}

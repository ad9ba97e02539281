import { SafeHtml, html } from '../html.ts';

/**
 * The box every inline SVG chart of the HTML report is drawn in: no script, no fonts, no network.
 * Sizes are in viewBox units and the SVGs scale to their container; hover text comes from SVG
 * `<title>` elements.
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

/** The chart's size and the margins around its plot area (for tick labels, legend, axis titles). */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function plotWidth(f: Frame): number {
  return f.width - f.left - f.right;
}

export function plotHeight(f: Frame): number {
  return f.height - f.top - f.bottom;
}

/** The y of the plot's bottom edge, where bars and areas start. */
export function plotBase(f: Frame): number {
  return f.height - f.bottom;
}

/** A coordinate for an attribute, to a tenth of a unit (short markup, no float noise). */
export function coord(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Colour swatches with labels, right-aligned at `xRight`. */
export function legend(
  items: readonly { label: string; color: string }[],
  xRight: number,
  y: number,
): SafeHtml {
  let x = xRight;
  const parts: SafeHtml[] = [];
  for (const item of [...items].reverse()) {
    const w = 24 + item.label.length * 7;
    x -= w;
    parts.push(
      html`<rect x="${coord(x)}" y="${coord(y - 8)}" width="14" height="4" rx="1" fill="${item.color}" />
        <text x="${coord(x + 19)}" y="${coord(y - 2)}" font-size="12" fill="${COLORS.text}"
          >${item.label}</text
        >`,
    );
  }
  return html`${parts}`;
}

/** The `<svg>` element around a chart's body, labelled for screen readers and hover. */
export function svgChart(f: Frame, label: string, body: SafeHtml): SafeHtml {
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

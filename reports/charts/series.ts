import { area, line } from 'd3-shape';

/**
 * Path data for per-second series. A second without requests has no point, and the path breaks
 * there instead of bridging the gap (d3-shape's `defined`).
 */

type Vertex = readonly [x: number, y: number] | null;

const MS_PER_POINT = 1000;

/** The points as [x, y], with a `null` (a break) wherever a second is missing. */
function vertices<T extends { t: number }>(
  points: readonly T[],
  x: (t: number) => number,
  y: (point: T) => number,
): Vertex[] {
  const out: Vertex[] = [];
  let previous: number | undefined;
  for (const p of points) {
    if (previous !== undefined && p.t - previous > MS_PER_POINT) out.push(null);
    out.push([x(p.t), y(p)]);
    previous = p.t;
  }
  return out;
}

/** The line through the points, one `M` per unbroken run of seconds. */
export function seriesLine<T extends { t: number }>(
  points: readonly T[],
  x: (t: number) => number,
  y: (point: T) => number,
): string {
  const path = line<Vertex>()
    .defined((v) => v !== null)
    .x((v) => v?.[0] ?? 0)
    .y((v) => v?.[1] ?? 0)
    .digits(1);
  return path(vertices(points, x, y)) ?? '';
}

/** The area between the line and `baseY`, closed at each break. */
export function seriesArea<T extends { t: number }>(
  points: readonly T[],
  x: (t: number) => number,
  y: (point: T) => number,
  baseY: number,
): string {
  const path = area<Vertex>()
    .defined((v) => v !== null)
    .x((v) => v?.[0] ?? 0)
    .y0(baseY)
    .y1((v) => v?.[1] ?? 0)
    .digits(1);
  return path(vertices(points, x, y)) ?? '';
}

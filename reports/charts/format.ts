/** Numbers and durations as the HTML report prints them: tiles, tables, chart labels and hover text. */

/** 1,234 (rounded to a whole number). */
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
export function formatTick(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** Elapsed-time axis labels: 45s, 2m, 2m30. */
export function formatElapsed(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return rest === 0 ? `${m}m` : `${m}m${String(rest).padStart(2, '0')}`;
}

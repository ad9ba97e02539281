const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * A Prometheus / Grafana / LogQL duration (`15s`, `1h30m`, `500ms`, `1.5m`) in milliseconds;
 * undefined when the text is not one.
 */
export function parseDurationMs(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return undefined;
  return parts.reduce((sum, [, n = '0', unit = 's']) => sum + Number(n) * (UNIT_MS[unit] ?? 0), 0);
}

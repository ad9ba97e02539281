/**
 * Prometheus durations (`5m`, `1h30m`, `250ms`) as the catalog's rules write them: strict parsing
 * (an unknown form throws), printing with the largest units first, and scaling for the
 * time-compressed rules profile.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};
const DURATION = /^(?:\d+(?:ms|[smhdwy]))+$/;
const DURATION_PART = /(\d+)(ms|[smhdwy])/g;
/** Units used when printing, largest first (Prometheus accepts compound durations like 1m30s). */
const PRINT_UNITS = ['d', 'h', 'm', 's'] as const;

export function parseDurationMs(duration: string): number {
  if (!DURATION.test(duration)) throw new Error(`not a Prometheus duration: "${duration}"`);
  let total = 0;
  for (const [, n, unit] of duration.matchAll(DURATION_PART)) total += Number(n) * (UNIT_MS[unit ?? ''] ?? 0);
  return total;
}

export function formatDurationMs(ms: number): string {
  let rest = Math.round(ms / 1_000) * 1_000;
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of PRINT_UNITS) {
    const size = UNIT_MS[unit] ?? 1;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** Scales a duration, rounding to whole seconds; `minMs` keeps range windows from vanishing. */
export function scaleDuration(duration: string, factor: number, minMs = 0): string {
  if (factor === 1) return duration;
  return formatDurationMs(Math.max(minMs, parseDurationMs(duration) * factor));
}

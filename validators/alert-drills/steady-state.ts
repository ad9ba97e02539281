import { parseDurationMs, type AlertRuleDef } from '../../catalog/index.ts';
import { pollInterval, pollUntil, type CheckResult } from '../../core/index.ts';
import type { PrometheusApi } from '../clients/index.ts';
import type { DrillProfile, ValidationContext } from '../context.ts';
import { errorMessage, result, type ResultBase } from '../result.ts';
import { ALERTS_METRIC, activeAlerts } from './alert-state.ts';
import { LAG_ROUNDS } from './deadlines.ts';
import { renderLabels, seconds } from './format.ts';

/**
 * The steady-state watch, before any fault: under normal load no required alert may be pending or
 * firing for one window (the seed's alert-fatigue pitfall). Alerts of later phases are mentioned,
 * not failed. Two ways to watch the same window: over the run's load, when it was fault-free and
 * at least a window long, read back from Prometheus' own ALERTS history (no waiting: the load
 * already ran); else live, polling ALERTS under the drills' traffic for one window.
 */

/** The window the seed's rules use most (`rate(…[5m])`): the steady-state watch lasts one, scaled. */
const STEADY_WINDOW = '5m';

export const steadyBase = (phase: number): ResultBase => ({
  id: 'alerts.drill.steady-state',
  family: 'alerts',
  title: 'No alert is pending or firing under normal load with no fault',
  phase,
});

interface SeenAlert {
  alert: string;
  state: string;
  labels: Record<string, string>;
  atMs: number;
}

/** What the watch saw; judged the same way, live or read back. */
interface Watched {
  seen: Map<string, SeenAlert>;
  reads: number;
  lastError?: unknown;
  windowMs: number;
  /** "of steady load" / "of the run's load": where the window was. */
  where: string;
  evidence: Record<string, unknown>;
  durationMs: number;
}

const seenKey = (alert: string, labels: Record<string, string>) => `${alert}${renderLabels(labels)}`;

/** Notes one ALERTS series seen at `atMs` (ms into the window); firing wins over pending. */
function note(
  seen: Map<string, SeenAlert>,
  metric: Record<string, string>,
  state: string,
  atMs: number,
): void {
  const alert = metric['alertname'] ?? '?';
  const { alertname: _n, alertstate: _s, __name__: _m, ...labels } = metric;
  const key = seenKey(alert, labels);
  const before = seen.get(key);
  if (!before || (before.state !== 'firing' && state === 'firing'))
    seen.set(key, { alert, state, labels, atMs: before?.atMs ?? atMs });
}

function judge(
  ctx: ValidationContext,
  b: ResultBase,
  required: readonly AlertRuleDef[],
  prometheus: PrometheusApi,
  w: Watched,
): CheckResult {
  const requiredNames = new Set(required.map((a) => a.alert));
  const { evidence, durationMs, windowMs, where, reads } = w;
  evidence['reads'] = reads;
  const describe = (s: SeenAlert) =>
    `${s.alert}${renderLabels(s.labels)} (${s.state}, from +${seconds(s.atMs)})`;
  const all = [...w.seen.values()];
  const noisy = all.filter((s) => requiredNames.has(s.alert));
  const others = all.filter((s) => !requiredNames.has(s.alert));
  evidence['active'] = all.map((s) => ({ alert: s.alert, state: s.state, labels: s.labels, atMs: s.atMs }));
  const expected = `no alert pending or firing for ${seconds(windowMs)} ${where}`;
  if (reads === 0) {
    return result(b, 'error', {
      expected,
      observed: errorMessage(w.lastError),
      message: `could not read ALERTS from Prometheus at ${prometheus.baseUrl}: ${errorMessage(w.lastError)}`,
      evidence,
      durationMs,
    });
  }
  const aside =
    others.length > 0
      ? `; also active, not required at phase ${ctx.phase}: ${others.map(describe).join(', ')}`
      : '';
  if (noisy.length > 0) {
    return result(b, 'fail', {
      expected,
      examined: reads,
      observed: noisy.map(describe).join(', '),
      message: `${noisy.length} alert(s) went active under normal load with no fault (alert fatigue): ${noisy.map(describe).join(', ')}${aside}`,
      evidence,
      durationMs,
    });
  }
  return result(b, 'pass', {
    expected,
    examined: reads,
    observed: `nothing active in ${reads} reads over ${seconds(windowMs)}${aside}`,
    message: `no required alert went pending or firing during ${seconds(windowMs)} ${where}${aside}`,
    evidence,
    durationMs,
  });
}

/** The steady-state window of a profile: one `[5m]`, scaled (or ctx.drills.steadyWindowMs). */
function steadyWindowMs(ctx: ValidationContext, profile: DrillProfile): number {
  return ctx.drills?.steadyWindowMs ?? parseDurationMs(STEADY_WINDOW) * profile.timeScale;
}

/**
 * The steady state judged over the run's load, read back from Prometheus' ALERTS history: the last
 * window of the load (whatever was active before it had the rest of the load to clear, as the live
 * watch's settling). Only for a load that had no fault on (`faultFree`) and lasted at least one
 * window; undefined otherwise (the caller watches live). Waits only until Prometheus has evaluated
 * its rules past the load's end.
 */
export async function steadyStateOverLoad(
  ctx: ValidationContext,
  prometheus: PrometheusApi,
  required: readonly AlertRuleDef[],
  profile: DrillProfile,
  load: { start: Date; end: Date; faultFree: boolean },
): Promise<CheckResult | undefined> {
  const windowMs = steadyWindowMs(ctx, profile);
  const endMs = load.end.getTime();
  if (!load.faultFree || endMs - load.start.getTime() < windowMs) return undefined;
  const started = Date.now();
  const b = steadyBase(Math.min(...required.map((a) => a.phase)));
  const { scrapeIntervalS, evaluationIntervalS } = profile.timing;
  const lagMs = LAG_ROUNDS * (scrapeIntervalS + evaluationIntervalS) * 1000;
  const startMs = endMs - windowMs;
  const range = `${Math.round(windowMs)}ms`;
  const evidence: Record<string, unknown> = {
    promql: [`${ALERTS_METRIC}[${range}]`],
    urls: [`${prometheus.baseUrl}/alerts`],
    windowMs,
    window: { start: new Date(startMs).toISOString(), end: load.end.toISOString() },
    source: "the run's load, from Prometheus' ALERTS history",
  };
  // Every rule group evaluated after the load ended: the window's ALERTS samples are all written.
  const evaluated = await pollUntil({
    description: 'rules evaluated past the end of the load',
    probe: () => prometheus.rules(),
    until: (groups) =>
      groups.length > 0 &&
      groups.every((g) => Date.parse(String((g as Record<string, unknown>)['lastEvaluation'])) >= endMs),
    timeoutMs: lagMs,
    intervalMs: Math.max(5, evaluationIntervalS * 500),
  });
  if (!evaluated.ok) evidence['rulesEvaluatedAfterLoad'] = false;
  const seen = new Map<string, SeenAlert>();
  let reads = 0;
  let lastError: unknown;
  try {
    const history = await prometheus.queryRaw(`${ALERTS_METRIC}[${range}]`, load.end);
    // Every evaluation in the window was read back: a quiet window simply has no ALERTS sample.
    reads = Math.max(1, Math.floor(windowMs / (evaluationIntervalS * 1000)));
    for (const series of history) {
      const first = series.values[0];
      const atMs = first ? Number(first[0]) * 1000 - startMs : 0;
      const firing = series.metric['alertstate'] === 'firing';
      note(seen, series.metric, firing ? 'firing' : 'pending', Math.max(0, atMs));
    }
  } catch (error) {
    lastError = error;
  }
  return judge(ctx, b, required, prometheus, {
    seen,
    reads,
    lastError,
    windowMs,
    where: "of the run's load",
    evidence,
    durationMs: Date.now() - started,
  });
}

export async function steadyState(
  ctx: ValidationContext,
  prometheus: PrometheusApi,
  required: readonly AlertRuleDef[],
  profile: DrillProfile,
): Promise<CheckResult> {
  const phase = Math.min(...required.map((a) => a.phase));
  const b = steadyBase(phase);
  const windowMs = steadyWindowMs(ctx, profile);
  const { scrapeIntervalS, evaluationIntervalS } = profile.timing;
  const settleMs = windowMs + LAG_ROUNDS * (scrapeIntervalS + evaluationIntervalS) * 1000;
  const pollMs = Math.min(1_000, Math.max(5, evaluationIntervalS * 500));
  const started = Date.now();
  const evidence: Record<string, unknown> = {
    promql: [ALERTS_METRIC],
    urls: [`${prometheus.baseUrl}/alerts`],
    windowMs,
  };

  // Alerts left from before (an earlier fault) get one window to clear; a persistent one stays and is caught below.
  const settled = await pollUntil({
    description: 'no alert active before the steady-state window',
    probe: () => activeAlerts(prometheus),
    until: (active) => active.length === 0,
    timeoutMs: settleMs,
    intervalMs: pollMs,
  });
  if (settled.elapsedMs > pollMs) evidence['settledAfterMs'] = settled.elapsedMs;

  const seen = new Map<string, SeenAlert>();
  const windowStart = Date.now();
  let reads = 0;
  let lastError: unknown;
  while (Date.now() - windowStart < windowMs) {
    try {
      for (const a of await activeAlerts(prometheus))
        note(
          seen,
          { alertname: a.labels['alertname'] ?? '?', ...a.labels },
          a.state,
          Date.now() - windowStart,
        );
      reads += 1;
    } catch (error) {
      lastError = error;
    }
    await pollInterval(Math.min(pollMs, Math.max(0, windowMs - (Date.now() - windowStart))));
  }
  return judge(ctx, b, required, prometheus, {
    seen,
    reads,
    lastError,
    windowMs,
    where: 'of steady load',
    evidence,
    durationMs: Date.now() - started,
  });
}

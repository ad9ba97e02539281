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
 * not failed.
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

export async function steadyState(
  ctx: ValidationContext,
  prometheus: PrometheusApi,
  required: readonly AlertRuleDef[],
  profile: DrillProfile,
): Promise<CheckResult> {
  const phase = Math.min(...required.map((a) => a.phase));
  const b = steadyBase(phase);
  const windowMs = ctx.drills?.steadyWindowMs ?? parseDurationMs(STEADY_WINDOW) * profile.timeScale;
  const { scrapeIntervalS, evaluationIntervalS } = profile.timing;
  const settleMs = windowMs + LAG_ROUNDS * (scrapeIntervalS + evaluationIntervalS) * 1000;
  const pollMs = Math.min(1_000, Math.max(5, evaluationIntervalS * 500));
  const started = Date.now();
  const requiredNames = new Set(required.map((a) => a.alert));
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
      for (const a of await activeAlerts(prometheus)) {
        const alert = a.labels['alertname'] ?? '?';
        const { alertname: _n, ...labels } = a.labels;
        const key = `${alert}${renderLabels(labels)}`;
        const before = seen.get(key);
        if (!before || (before.state !== 'firing' && a.state === 'firing'))
          seen.set(key, { alert, state: a.state, labels, atMs: before?.atMs ?? Date.now() - windowStart });
      }
      reads += 1;
    } catch (error) {
      lastError = error;
    }
    await pollInterval(Math.min(pollMs, Math.max(0, windowMs - (Date.now() - windowStart))));
  }
  evidence['reads'] = reads;
  const durationMs = Date.now() - started;
  const describe = (s: SeenAlert) =>
    `${s.alert}${renderLabels(s.labels)} (${s.state}, from +${seconds(s.atMs)})`;
  const all = [...seen.values()];
  const noisy = all.filter((s) => requiredNames.has(s.alert));
  const others = all.filter((s) => !requiredNames.has(s.alert));
  evidence['active'] = all.map((s) => ({ alert: s.alert, state: s.state, labels: s.labels, atMs: s.atMs }));
  const expected = `no alert pending or firing for ${seconds(windowMs)} of steady load`;
  if (reads === 0) {
    return result(b, 'error', {
      expected,
      observed: errorMessage(lastError),
      message: `could not read ALERTS from Prometheus at ${prometheus.baseUrl}: ${errorMessage(lastError)}`,
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
    message: `no required alert went pending or firing during ${seconds(windowMs)} of normal load${aside}`,
    evidence,
    durationMs,
  });
}

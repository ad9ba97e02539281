import { scaleExpr, type AlertRuleDef } from '../../catalog/index.ts';
import { describeLast, pollUntil, type CheckResult } from '../../core/index.ts';
import { annotationProblems, labelProblems } from '../alert-templates.ts';
import type { PrometheusApi, WebhookSinkClient } from '../clients/index.ts';
import type { DrillProfile, FleetControl, ValidationContext } from '../context.ts';
import { errorMessage, result, type ResultBase } from '../result.ts';
import {
  ALERTS_METRIC,
  activeAlerts,
  deliveries,
  describeActive,
  firstByReceiver,
  hasLabels,
  receiverList,
  type ActiveAlert,
  type Delivery,
} from './alert-state.ts';
import { drillDeadlines, longestWindowMs } from './deadlines.ts';
import { expectedLabels } from './expected-labels.ts';
import { seconds } from './format.ts';

/**
 * One drill, as a state machine: switch the alert's catalog trigger (a fleet fault) on, see
 * Prometheus hold the alert pending and then firing, see Alertmanager deliver it to every receiver
 * the catalog names with the catalog's labels and fully rendered annotations, switch the fault off
 * and see the resolved notification arrive. Each stage has its deadline (deadlines.ts); the result
 * names the stage that did not happen and the last state seen.
 */

export const drillBase = (alert: AlertRuleDef): ResultBase => ({
  id: `alerts.drill.${alert.alert}`,
  family: 'alerts',
  title: `${alert.alert} fires on ${alert.trigger.fault} at ${alert.trigger.service}, reaches ${alert.receivers.join(' and ')}, and resolves`,
  phase: alert.phase,
});

/** What every drill needs, handed in by alertDrills (index.ts). */
export interface DrillEnv {
  ctx: ValidationContext;
  prometheus: PrometheusApi;
  sink: Pick<WebhookSinkClient, 'notifications' | 'baseUrl'>;
  fleet: FleetControl;
  profile: DrillProfile;
  trafficNote: string;
}

interface DrillTimings {
  msToPending?: number;
  msToFiring?: number;
  msToDelivered?: number;
  msToResolved?: number;
}

/** Drills `alert` through pending → firing → delivered → resolved; the fault is always cleared. */
export async function runDrill(env: DrillEnv, alert: AlertRuleDef): Promise<CheckResult> {
  const b = drillBase(alert);
  const { prometheus, sink, fleet, profile } = env;
  const { service, fault } = alert.trigger;
  const params = alert.trigger.params ?? {};
  const deadlines = drillDeadlines(alert, profile);
  const what = `${fault} on ${service}`;
  const drillStarted = Date.now();
  const expected = await expectedLabels(prometheus, env.ctx.serviceLabel, alert);
  const expectedReceivers: string[] = [...alert.receivers].sort();
  const timings: DrillTimings = {};
  const evidence: Record<string, unknown> = {
    promql: [`${ALERTS_METRIC}{alertname="${alert.alert}"}`, scaleExpr(alert.expr, profile.timeScale)],
    urls: [`${prometheus.baseUrl}/alerts`, `${sink.baseUrl}/api/notifications`],
    fault: { service, name: fault, params },
    expectedLabels: expected,
    expectedReceivers,
    deadlinesMs: deadlines,
  };
  const outcome = (
    status: 'pass' | 'fail' | 'skip' | 'error',
    observed: string,
    message: string,
    startedAt?: Date,
  ) => {
    if (startedAt) {
      // The run report's `drills` entry (reports/model.ts): every stage timed from the fault going on.
      const clearedAfterMs = evidence['faultClearedAfterMs'] as number | undefined;
      evidence['drill'] = {
        alert: alert.alert,
        receiver: expectedReceivers.join(', '),
        startedAt: startedAt.toISOString(),
        pendingMs: timings.msToPending,
        firingMs: timings.msToFiring,
        deliveredMs: timings.msToDelivered,
        resolvedMs:
          clearedAfterMs !== undefined && timings.msToResolved !== undefined
            ? clearedAfterMs + timings.msToResolved
            : undefined,
        status,
      };
    }
    return result(b, status, {
      expected: `pending → firing → delivered to ${expectedReceivers.join(' and ')} → resolved, on ${what}`,
      observed,
      message,
      evidence: { ...evidence, ...timings },
      // One alert drilled through its whole lifecycle.
      examined: 1,
      durationMs: Date.now() - drillStarted,
    });
  };
  const mine = (a: ActiveAlert) => hasLabels(a.labels, expected);

  // Precondition: the alert is not already active (left over from another drill), or timings would lie.
  const quiet = await pollUntil({
    description: `${alert.alert} inactive before the drill`,
    probe: () => activeAlerts(prometheus, alert.alert),
    until: (active) => !active.some(mine),
    timeoutMs: deadlines.resolvedMs,
    intervalMs: deadlines.pollMs,
  });
  if (!quiet.ok && quiet.lastError !== undefined) {
    const why = errorMessage(quiet.lastError);
    return outcome('error', why, `could not read ${alert.alert}'s state from Prometheus: ${why}`);
  }
  if (!quiet.ok) {
    const last = describeLast(quiet, (a) => describeActive(alert.alert, a));
    return outcome(
      'fail',
      last,
      `${alert.alert} was already active before ${what} and did not clear within ${seconds(deadlines.resolvedMs)} (last: ${last}); it fires without its trigger`,
    );
  }

  try {
    await fleet.setFault(service, { name: fault, ...params });
  } catch (error) {
    return outcome(
      'skip',
      errorMessage(error),
      `the fleet cannot produce ${alert.alert}'s trigger (${what}): ${errorMessage(error)}`,
    );
  }
  const startedAt = new Date();
  const t0 = startedAt.getTime();
  let clearedAt: number | undefined;
  let clearError: unknown;
  const clear = async () => {
    if (clearedAt !== undefined) return;
    try {
      // Only this drill's fault: a concurrent drill may have another on the same service.
      await fleet.clearFaults(service, fault);
    } catch (error) {
      clearError = error;
    }
    clearedAt = Date.now();
    evidence['faultClearedAfterMs'] = clearedAt - t0;
  };

  try {
    // 1. pending (or already firing: a `for:` shorter than a poll).
    let seenAt = 0;
    const pending = await pollUntil({
      description: `${alert.alert} pending`,
      probe: async () => {
        const active = await activeAlerts(prometheus, alert.alert);
        seenAt = Date.now();
        return active;
      },
      until: (active) => active.some(mine),
      timeoutMs: deadlines.pendingMs,
      intervalMs: deadlines.pollMs,
    });
    if (!pending.ok) {
      const last = describeLast(pending, (a) => describeActive(alert.alert, a));
      return outcome(
        'fail',
        last,
        `${alert.alert} never went pending within ${seconds(deadlines.pendingMs)} of ${what} (last: ${last})${longestWindowMs(alert.expr) > 0 ? env.trafficNote : ''}`,
        startedAt,
      );
    }
    timings.msToPending = seenAt - t0;

    // 2. firing, after its `for:`.
    const firing = await pollUntil({
      description: `${alert.alert} firing`,
      probe: async () => {
        const active = await activeAlerts(prometheus, alert.alert);
        seenAt = Date.now();
        return active;
      },
      until: (active) => active.some((a) => mine(a) && a.state === 'firing'),
      timeoutMs: deadlines.firingMs,
      intervalMs: deadlines.pollMs,
    });
    const fired = firing.last?.find((a) => mine(a) && a.state === 'firing');
    if (!firing.ok || !fired) {
      const last = describeLast(firing, (a) => describeActive(alert.alert, a));
      return outcome(
        'fail',
        last,
        `${alert.alert} went pending ${seconds(timings.msToPending)} after ${what} but never fired within ${seconds(deadlines.firingMs)} (for: ${alert.for} × ${profile.timeScale.toPrecision(3)}; last: ${last})`,
        startedAt,
      );
    }
    timings.msToFiring = seenAt - t0;
    evidence['alertLabels'] = fired.labels;

    // 3. delivered to every receiver, with the catalog's labels and rendered annotations.
    const delivered = await pollUntil({
      description: `${alert.alert} delivered`,
      probe: async () => firstByReceiver(await deliveries(sink, fired.labels, 'firing', t0)),
      until: (byReceiver) => expectedReceivers.every((r) => byReceiver.has(r)),
      timeoutMs: deadlines.deliveredMs,
      intervalMs: deadlines.pollMs,
    });
    const byReceiver = delivered.last ?? new Map<string, Delivery>();
    evidence['deliveredTo'] = [...byReceiver.keys()].sort();
    if (!delivered.ok) {
      const missing = expectedReceivers.filter((r) => !byReceiver.has(r));
      const observed = delivered.lastError
        ? errorMessage(delivered.lastError)
        : `delivered to ${receiverList(byReceiver.keys())}`;
      return outcome(
        'fail',
        observed,
        `${alert.alert} fired but within ${seconds(deadlines.deliveredMs)} Alertmanager delivered it to ${receiverList(byReceiver.keys())}; expected ${expectedReceivers.join(', ')} (missing ${missing.join(', ')})`,
        startedAt,
      );
    }
    timings.msToDelivered =
      Math.max(...expectedReceivers.map((r) => byReceiver.get(r)?.receivedAtMs ?? t0)) - t0;
    const extra = [...byReceiver.keys()].filter((r) => !expectedReceivers.includes(r));
    if (extra.length > 0) {
      return outcome(
        'fail',
        `delivered to ${receiverList(byReceiver.keys())}`,
        `${alert.alert} was delivered to ${receiverList(byReceiver.keys())}; expected ${expectedReceivers.join(', ')} only (${extra.join(', ')} must not receive it)`,
        startedAt,
      );
    }
    const problems = [...byReceiver.values()].flatMap((d) =>
      [
        ...labelProblems(alert, d.labels, expected),
        ...annotationProblems(alert, d.labels, d.annotations),
      ].map((p) => `${p} (at ${d.receiver})`),
    );
    evidence['delivered'] = [...byReceiver.values()].map((d) => ({
      receiver: d.receiver,
      labels: d.labels,
      annotations: d.annotations,
    }));
    if (problems.length > 0) {
      return outcome(
        'fail',
        problems[0] ?? '',
        `${alert.alert} was delivered with ${problems.join('; ')}`,
        startedAt,
      );
    }

    // 4. resolved, once the fault is off.
    await clear();
    if (clearError !== undefined) {
      return outcome(
        'error',
        errorMessage(clearError),
        `could not clear ${what}: ${errorMessage(clearError)}`,
        startedAt,
      );
    }
    const off = clearedAt ?? Date.now();
    const resolved = await pollUntil({
      description: `${alert.alert} resolved`,
      probe: async () => ({
        byReceiver: firstByReceiver(await deliveries(sink, fired.labels, 'resolved', off)),
        active: (await activeAlerts(prometheus, alert.alert)).filter(mine),
      }),
      until: (r) => expectedReceivers.every((x) => r.byReceiver.has(x)),
      timeoutMs: deadlines.resolvedMs,
      intervalMs: deadlines.pollMs,
    });
    if (!resolved.ok) {
      const last = describeLast(
        resolved,
        (r) =>
          `resolved notification at ${receiverList(r.byReceiver.keys())}; Prometheus: ${describeActive(alert.alert, r.active)}`,
      );
      return outcome(
        'fail',
        last,
        `${alert.alert} did not resolve at ${expectedReceivers.join(', ')} within ${seconds(deadlines.resolvedMs)} of clearing ${what} (last: ${last})`,
        startedAt,
      );
    }
    const resolvedBy = resolved.last?.byReceiver ?? new Map<string, Delivery>();
    timings.msToResolved = Math.max(
      0,
      Math.max(...expectedReceivers.map((r) => resolvedBy.get(r)?.receivedAtMs ?? off)) - off,
    );
    const observed = `pending ${seconds(timings.msToPending)}, firing ${seconds(timings.msToFiring)}, delivered ${seconds(timings.msToDelivered)} after the fault; resolved ${seconds(timings.msToResolved)} after clearing it`;
    return outcome(
      'pass',
      observed,
      `${alert.alert} went pending ${seconds(timings.msToPending)} and fired ${seconds(timings.msToFiring)} after ${what}, reached ${expectedReceivers.join(' and ')} with its labels and rendered annotations at ${seconds(timings.msToDelivered)}, and resolved ${seconds(timings.msToResolved)} after the fault was cleared`,
      startedAt,
    );
  } catch (error) {
    return outcome(
      'error',
      errorMessage(error),
      `${alert.alert} drill could not run: ${errorMessage(error)}`,
      startedAt,
    );
  } finally {
    await clear();
  }
}

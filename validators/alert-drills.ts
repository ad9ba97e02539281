import {
  ALERT_RULES,
  expressionReferences,
  parseDurationMs,
  requiredFor,
  scaleExpr,
  type AlertRuleDef,
} from '../catalog/index.ts';
import { describeLast, pollInterval, pollUntil, type CheckResult } from '../core/index.ts';
import type { PromSample, PrometheusApi, SinkNotification, WebhookSinkClient } from './clients/index.ts';
import type { DrillProfile, FleetControl, ValidationContext } from './context.ts';
import { DEFAULT_SERVICE_LABEL } from './metrics.ts';
import { errorMessage, result, skipped, type ResultBase } from './result.ts';

/**
 * Live alert drills: for each alert the phase requires, switch its catalog trigger (a fleet fault)
 * on, see Prometheus hold the alert pending and then firing, see Alertmanager deliver it to every
 * receiver the catalog names with the catalog's labels and fully rendered annotations, switch the
 * fault off and see the resolved notification arrive. Before any fault: a steady-state watch, in
 * which no required alert may be pending or firing (the seed's alert-fatigue pitfall).
 *
 * Alert state is read from Prometheus' `ALERTS` series (the same state `/api/v1/alerts` shows, one
 * series per active alert with `alertstate` pending|firing) through the shared client, so a stack's
 * auth headers apply; deliveries from the harness's webhook sink.
 */

/** The seed's timings (stack/spec PRODUCTION_TIMING): drills without a profile run at production scale. */
const PRODUCTION_PROFILE: DrillProfile = {
  timeScale: 1,
  timing: { scrapeIntervalS: 15, evaluationIntervalS: 15, groupWaitS: 30, groupIntervalS: 300 },
};
/** The window the seed's rules use most (`rate(…[5m])`): the steady-state watch lasts one, scaled. */
const STEADY_WINDOW = '5m';
/** Deadline slack, in scrape+evaluation rounds: a scraped change is seen by a rule within one of each. */
const LAG_ROUNDS = 5;
const ALERTS_METRIC = 'ALERTS';
const EMPTY_RENDERING = '<no value>';

const drillBase = (alert: AlertRuleDef): ResultBase => ({
  id: `alerts.drill.${alert.alert}`,
  family: 'alerts',
  title: `${alert.alert} fires on ${alert.trigger.fault} at ${alert.trigger.service}, reaches ${alert.receivers.join(' and ')}, and resolves`,
  phase: alert.phase,
});

const steadyBase = (phase: number): ResultBase => ({
  id: 'alerts.steady-state',
  family: 'alerts',
  title: 'No alert is pending or firing under normal load with no fault',
  phase,
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const renderLabels = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;

// ---------------------------------------------------------------------------------------------
// Deadlines, lanes, expected labels: pure functions of the catalog and the profile.
// ---------------------------------------------------------------------------------------------

const RANGE = /\[([0-9a-z]+)(?::[0-9a-z]*)?\]/g;

/** The longest range window `expr` reads, through the recording rules it names (production scale). */
export function longestWindowMs(expr: string, depth = 0): number {
  let longest = 0;
  for (const m of expr.matchAll(RANGE)) longest = Math.max(longest, parseDurationMs(m[1] ?? '0s'));
  if (depth < 5) {
    for (const ref of expressionReferences(expr))
      if (ref.rule) longest = Math.max(longest, longestWindowMs(ref.rule.expr, depth + 1));
  }
  return longest;
}

export interface DrillDeadlines {
  /** From fault on until the alert is pending: its window fills with the fault's effect. */
  pendingMs: number;
  /** From pending until firing: its `for:`. */
  firingMs: number;
  /** From firing until every receiver got it: Alertmanager's group_wait. */
  deliveredMs: number;
  /** From fault off until the resolved notification: the window drains, then one group_interval. */
  resolvedMs: number;
  pollMs: number;
}

/** How long each stage may take, from the rule's own `for:` and windows at the profile's scale. */
export function drillDeadlines(alert: AlertRuleDef, profile: DrillProfile): DrillDeadlines {
  const { timing, timeScale } = profile;
  const evalMs = timing.evaluationIntervalS * 1000;
  const lagMs = LAG_ROUNDS * (timing.scrapeIntervalS * 1000 + evalMs);
  const windowMs = longestWindowMs(alert.expr) * timeScale;
  const forMs = parseDurationMs(alert.for) * timeScale;
  const alertmanagerMs = (timing.groupWaitS + timing.groupIntervalS) * 1000;
  return {
    pendingMs: Math.round(windowMs + lagMs),
    firingMs: Math.round(forMs + lagMs),
    deliveredMs: Math.round(alertmanagerMs + lagMs),
    resolvedMs: Math.round(windowMs + alertmanagerMs + lagMs),
    pollMs: Math.round(Math.min(250, Math.max(5, evalMs / 4))),
  };
}

/** The value the catalog promises for an output label, when the trigger determines it. */
function promisedServiceLabel(alert: AlertRuleDef): string | undefined {
  if (!alert.outputLabels?.includes('service')) return undefined;
  const target = alert.trigger.params?.['target'];
  // circuit-breaker-open: the breaker's series is labelled with the downstream service it guards.
  return typeof target === 'string' ? target : alert.trigger.service;
}

/** Services a drill disturbs: its trigger's, and the one its alert is about. */
function touchedServices(alert: AlertRuleDef): Set<string> {
  const service = promisedServiceLabel(alert);
  return new Set([alert.trigger.service, ...(service ? [service] : [])]);
}

/**
 * Drills that touch a common service or share an alert interfere (a breaker opened on data-router
 * raises data-router's error rate), so they run one after another, in catalog order; lanes run at once.
 */
export function drillLanes(alerts: readonly AlertRuleDef[]): AlertRuleDef[][] {
  const lanes: { alerts: AlertRuleDef[]; services: Set<string> }[] = [];
  for (const alert of alerts) {
    const touched = touchedServices(alert);
    const joined = lanes.filter(
      (l) => l.alerts.some((a) => a.alert === alert.alert) || [...touched].some((s) => l.services.has(s)),
    );
    const lane = { alerts: [...joined.flatMap((l) => l.alerts), alert], services: touched };
    for (const l of joined) {
      for (const s of l.services) lane.services.add(s);
      lanes.splice(lanes.indexOf(l), 1);
    }
    lanes.push(lane);
  }
  const order = (a: AlertRuleDef) => ALERT_RULES.indexOf(a);
  return lanes.map((l) => l.alerts.sort((a, b) => order(a) - order(b)));
}

// ---------------------------------------------------------------------------------------------
// Annotations: each must match its catalog template with every placeholder filled.
// ---------------------------------------------------------------------------------------------

const TEMPLATE_ACTION = /\{\{.*?\}\}/g;
const LABEL_ACTION = /^\{\{\s*\$labels\.(\w+)\s*\}\}$/;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Problems with one delivered alert's annotations, against the catalog's templates; [] when fine. */
export function annotationProblems(
  alert: AlertRuleDef,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): string[] {
  const templates: Record<string, string> = {
    summary: alert.annotations.summary,
    description: alert.annotations.description,
    runbook: alert.runbook,
  };
  const problems: string[] = [];
  for (const [name, template] of Object.entries(templates)) {
    const text = annotations[name];
    if (text === undefined || text.trim() === '') {
      problems.push(`annotation ${name} is empty`);
      continue;
    }
    if (/\{\{|\}\}/.test(text)) {
      problems.push(`annotation ${name} was not rendered: "${text}"`);
      continue;
    }
    const actions = template.match(TEMPLATE_ACTION) ?? [];
    const pattern = new RegExp(`^${template.split(TEMPLATE_ACTION).map(escapeRegExp).join('(.*?)')}$`, 's');
    const match = pattern.exec(text);
    if (!match) {
      problems.push(`annotation ${name} is "${text}", not the catalog's template "${template}"`);
      continue;
    }
    actions.forEach((action, i) => {
      const value = (match[i + 1] ?? '').trim();
      const label = LABEL_ACTION.exec(action)?.[1];
      if (value === '' || value === EMPTY_RENDERING) {
        problems.push(`annotation ${name} is "${text}": empty where the template has ${action}`);
      } else if (label !== undefined && labels[label] !== undefined && value !== labels[label]) {
        problems.push(`annotation ${name} shows "${value}" where ${action} should be "${labels[label]}"`);
      }
    });
  }
  return problems;
}

/** Problems with one delivered alert's labels; `expected` values undefined = any non-empty value. */
export function labelProblems(
  alert: AlertRuleDef,
  labels: Record<string, string>,
  expected: Record<string, string | undefined>,
): string[] {
  const problems: string[] = [];
  const want: Record<string, string | undefined> = {
    alertname: alert.alert,
    severity: alert.severity,
    ...alert.labels,
    ...expected,
  };
  for (const [name, value] of Object.entries(want)) {
    const got = labels[name];
    if (got === undefined || got === '') problems.push(`label ${name} is missing`);
    else if (value !== undefined && got !== value)
      problems.push(`label ${name}="${got}" (expected "${value}")`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Reading alert state and deliveries.
// ---------------------------------------------------------------------------------------------

interface ActiveAlert {
  state: string;
  labels: Record<string, string>;
}

function toActive(sample: PromSample): ActiveAlert {
  const { __name__: _name, alertstate, ...labels } = sample.metric;
  return { state: alertstate ?? '?', labels };
}

async function activeAlerts(prometheus: PrometheusApi, alert?: string): Promise<ActiveAlert[]> {
  const samples = await prometheus.query(alert ? `${ALERTS_METRIC}{alertname="${alert}"}` : ALERTS_METRIC);
  return samples.map(toActive);
}

/** True when `labels` carries every expected label (undefined = any non-empty value). */
function hasLabels(labels: Record<string, string>, expected: Record<string, string | undefined>): boolean {
  return Object.entries(expected).every(([k, v]) =>
    v === undefined ? (labels[k] ?? '') !== '' : labels[k] === v,
  );
}

function describeActive(alert: string, active: readonly ActiveAlert[]): string {
  if (active.length === 0) return `no ${alert} alert in Prometheus`;
  return active
    .map((a) => {
      const { alertname: _n, ...labels } = a.labels;
      return `${alert} ${a.state} ${renderLabels(labels)}`;
    })
    .join('; ');
}

interface Delivery {
  receiver: string;
  receivedAtMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The deliveries of one alert (its full label set) with `status`, received at or after `sinceMs`. */
async function deliveries(
  sink: Pick<WebhookSinkClient, 'notifications'>,
  labels: Record<string, string>,
  status: 'firing' | 'resolved',
  sinceMs: number,
): Promise<Delivery[]> {
  const notes: SinkNotification[] = await sink.notifications();
  return notes.flatMap((n) => {
    const receivedAtMs = Date.parse(n.receivedAt);
    if (!(receivedAtMs >= sinceMs)) return [];
    return n.payload.alerts
      .filter((a) => a.status === status && hasLabels(a.labels, labels))
      .map((a) => ({ receiver: n.receiver, receivedAtMs, labels: a.labels, annotations: a.annotations }));
  });
}

/** Per receiver, the earliest delivery. */
function firstByReceiver(list: readonly Delivery[]): Map<string, Delivery> {
  const first = new Map<string, Delivery>();
  for (const d of list) {
    const seen = first.get(d.receiver);
    if (!seen || d.receivedAtMs < seen.receivedAtMs) first.set(d.receiver, d);
  }
  return first;
}

const receiverList = (names: Iterable<string>) => [...names].sort().join(', ') || 'no receiver';

// ---------------------------------------------------------------------------------------------
// One drill.
// ---------------------------------------------------------------------------------------------

interface DrillEnv {
  ctx: ValidationContext;
  prometheus: PrometheusApi;
  sink: Pick<WebhookSinkClient, 'notifications' | 'baseUrl'>;
  fleet: FleetControl;
  profile: DrillProfile;
  trafficNote: string;
}

/** Labels the catalog promises on the alert, with the values the trigger determines. */
async function expectedLabels(
  env: DrillEnv,
  alert: AlertRuleDef,
): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  const params = alert.trigger.params ?? {};
  let target: Record<string, string> | undefined;
  const targetOf = async () => {
    if (target) return target;
    const serviceLabel = env.ctx.serviceLabel ?? DEFAULT_SERVICE_LABEL;
    const up = await env.prometheus
      .query(`up{${serviceLabel}="${alert.trigger.service}"}`)
      .catch(() => [] as PromSample[]);
    target = up[0]?.metric ?? {};
    return target;
  };
  for (const label of alert.outputLabels ?? []) {
    if (label === 'service') out[label] = promisedServiceLabel(alert);
    else if (label === 'instance' || label === 'job') out[label] = (await targetOf())[label];
    else out[label] = typeof params[label] === 'string' ? params[label] : undefined;
  }
  return out;
}

interface DrillTimings {
  msToPending?: number;
  msToFiring?: number;
  msToDelivered?: number;
  msToResolved?: number;
}

async function runDrill(env: DrillEnv, alert: AlertRuleDef): Promise<CheckResult> {
  const b = drillBase(alert);
  const { prometheus, sink, fleet, profile } = env;
  const { service, fault } = alert.trigger;
  const params = alert.trigger.params ?? {};
  const deadlines = drillDeadlines(alert, profile);
  const what = `${fault} on ${service}`;
  const drillStarted = Date.now();
  const expected = await expectedLabels(env, alert);
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
      await fleet.clearFaults(service);
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

// ---------------------------------------------------------------------------------------------
// Steady state.
// ---------------------------------------------------------------------------------------------

interface SeenAlert {
  alert: string;
  state: string;
  labels: Record<string, string>;
  atMs: number;
}

async function steadyState(
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

// ---------------------------------------------------------------------------------------------
// The check.
// ---------------------------------------------------------------------------------------------

/** The alerts to drill: those the phase requires (catalog order), narrowed by ctx.drills.alerts. */
function drillTargets(ctx: ValidationContext): { alerts: AlertRuleDef[]; unknown: string[] } {
  const required = new Set(requiredFor(ctx.phase).alerts);
  const wanted = ctx.drills?.alerts;
  const alerts = ALERT_RULES.filter((a) => required.has(a.alert) && (!wanted || wanted.includes(a.alert)));
  const unknown = (wanted ?? []).filter((n) => !alerts.some((a) => a.alert === n));
  return { alerts, unknown };
}

export async function alertDrills(ctx: ValidationContext): Promise<CheckResult[]> {
  const { alerts, unknown } = drillTargets(ctx);
  const unknownResults = unknown.map((name) =>
    skipped(
      { id: `alerts.drill.${name}`, family: 'alerts', title: `${name} drill`, phase: ctx.phase },
      `${name} is not a catalog alert required at phase ${ctx.phase}`,
    ),
  );
  if (alerts.length === 0) return unknownResults;
  const steadyPhase = Math.min(...alerts.map((a) => a.phase));
  const skipAll = (reason: string) => [
    skipped(steadyBase(steadyPhase), reason),
    ...alerts.map((a) => skipped(drillBase(a), reason)),
    ...unknownResults,
  ];
  const { prometheus, sink } = ctx.clients;
  if (!ctx.drills) {
    return skipAll(
      'the live alert drills need ctx.drills (time profile and traffic) and ctx.fleet (fault control)',
    );
  }
  if (!prometheus) return skipAll('needs the Prometheus endpoint');
  const profile = ctx.drills.profile ?? PRODUCTION_PROFILE;
  const traffic = ctx.drills.traffic;
  const fleet = ctx.fleet;

  // "Normal load with no fault": nothing left on from earlier (e.g. the CLI's --inject).
  if (fleet) await fleet.clearFaults();
  traffic?.start();
  try {
    const steady = await steadyState(ctx, prometheus, alerts, profile);
    if (!fleet)
      return [
        steady,
        ...alerts.map((a) =>
          skipped(drillBase(a), 'needs fault control of the fleet (ctx.fleet): the drills inject faults'),
        ),
        ...unknownResults,
      ];
    if (!sink)
      return [
        steady,
        ...alerts.map((a) =>
          skipped(drillBase(a), 'needs the webhook sink every Alertmanager receiver delivers to'),
        ),
        ...unknownResults,
      ];
    const env: DrillEnv = {
      ctx,
      prometheus,
      sink,
      fleet,
      profile,
      trafficNote: traffic
        ? ''
        : '; no drill traffic was provided (ctx.drills.traffic), and rate-based alerts need requests',
    };
    const lanes = drillLanes(alerts);
    const laneResults = await Promise.all(
      lanes.map(async (lane) => {
        const out: CheckResult[] = [];
        for (const alert of lane) out.push(await runDrill(env, alert));
        return out;
      }),
    );
    const byId = new Map(laneResults.flat().map((r) => [r.id, r]));
    const drills = alerts.flatMap((a) => byId.get(drillBase(a).id) ?? []);
    return [steady, ...drills, ...unknownResults];
  } finally {
    await traffic?.stop();
  }
}

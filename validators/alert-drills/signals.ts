import {
  SERVICE_NAMES,
  callTargets,
  expressionMetrics,
  metricsForServices,
  selectorNames,
  type AlertRuleDef,
  type ServiceName,
} from '../../catalog/index.ts';
import { promisedServiceLabel } from './expected-labels.ts';

/**
 * What a drill disturbs and what it watches, as signals: a metric at one service (the series whose
 * `service` label, or scrape target, is that service). Two drills interfere when one's fault changes
 * a signal the other's alert reads; lanes.ts keeps interfering drills apart in time.
 */

/** `metric@service`; `*@service` = every metric of that service (a fault whose effect is not listed). */
export type Signal = `${string}@${string}`;

const REQUESTS = 'phoenix_service_requests_total';
const DURATION = 'phoenix_service_request_duration_seconds';
const ANY = '*';

/** Services whose calls reach `service`, directly or through others (they see its failures and delays). */
export function upstreamOf(service: ServiceName): ServiceName[] {
  const out = new Set<ServiceName>();
  const visit = (s: ServiceName) => {
    for (const caller of SERVICE_NAMES)
      if (!out.has(caller) && callTargets(caller).includes(s)) {
        out.add(caller);
        visit(caller);
      }
  };
  visit(service);
  return [...out];
}

const at = (metrics: readonly string[], services: readonly string[]): Signal[] =>
  services.flatMap((s) => metrics.map((m): Signal => `${m}@${s}`));

/**
 * The signals each fault changes (docs/fleet-api.md): a failed or slowed answer changes the request
 * counters and durations of the service and of every caller up the chain (the orchestrator fails a
 * flow whose call failed). A fault not listed changes, conservatively, everything at the service
 * and its callers. Traffic volume downstream of a failed call (a blocked or failed step ends the
 * orchestrator's flow) is not a signal: the drilled alerts read ratios, quantiles, gauges and `up`,
 * which volume does not move, and LLMCostRate a cost rate its trigger puts ~20× above the threshold
 * (catalog/rules.ts), so losing half the LLM calls to SafetyBlockedRequestSpike's drill leaves it firing.
 */
const FAULT_EFFECTS: Readonly<
  Record<string, (service: ServiceName, params: Record<string, unknown>) => Signal[]>
> = {
  'error-rate': (s) => at([REQUESTS, DURATION], [s, ...upstreamOf(s)]),
  latency: (s) => at([DURATION], [s, ...upstreamOf(s)]),
  // The gauge is labelled with the guarded service; calls to it fail fast (503) at the caller.
  'circuit-breaker-open': (s, p) => [
    ...at(['phoenix_circuit_breaker_state'], [String(p['target'])]),
    ...at([REQUESTS, DURATION], [s, ...upstreamOf(s)]),
  ],
  // Its target's `up` drops and every series it exposes goes stale; its callers' calls fail.
  down: (s) => [
    ...at(['up', ...metricsForServices([s]).map((m) => m.name)], [s]),
    ...at([REQUESTS, DURATION], upstreamOf(s)),
  ],
  'block-requests': (s) => [
    ...at(['phoenix_safety_blocked_requests_total', 'phoenix_safety_requests_total'], [s]),
    ...at([REQUESTS, DURATION], [s, ...upstreamOf(s)]),
  ],
  // Only the cost counter is multiplied: tokens, answers and durations are unchanged.
  'expensive-model': (s) => at(['phoenix_llm_cost_dollars_total'], [s]),
};

/** The signals the alert's catalog trigger (its drill's fault) changes. */
export function faultSignals(alert: AlertRuleDef): Set<Signal> {
  const { service, fault } = alert.trigger;
  const effect = FAULT_EFFECTS[fault];
  return new Set(
    effect ? effect(service, alert.trigger.params ?? {}) : at([ANY], [service, ...upstreamOf(service)]),
  );
}

/**
 * The signals the alert's drill watches: every metric its expression reads (through the recording
 * rules it names; `up` included), at the service whose series the drill expects the alert on (the
 * `service` label the catalog promises, else the trigger's service: the scrape target of `up`, the
 * only exporter of safety or LLM-cost metrics).
 */
export function alertSignals(alert: AlertRuleDef): Set<Signal> {
  const service = promisedServiceLabel(alert) ?? alert.trigger.service;
  const catalog = expressionMetrics(alert.expr).map((m) => m.name);
  const others = selectorNames(alert.expr).filter((n) => !/^(phoenix|process)[_:]/.test(n));
  return new Set(at([...catalog, ...others], [service]));
}

/** Whether `fault` changes a signal in `reads` (a `*@service` fault signal covers that service). */
export function changesAny(fault: ReadonlySet<Signal>, reads: ReadonlySet<Signal>): boolean {
  for (const r of reads) {
    if (fault.has(r)) return true;
    const service = r.slice(r.lastIndexOf('@') + 1);
    if (fault.has(`${ANY}@${service}`)) return true;
  }
  return false;
}

/** Whether two drills disturb each other: one's fault changes what the other's alert reads, or both set the same fault. */
export function interfere(a: AlertRuleDef, b: AlertRuleDef): boolean {
  if (a.alert === b.alert) return true;
  if (a.trigger.service === b.trigger.service && a.trigger.fault === b.trigger.fault) return true;
  return changesAny(faultSignals(a), alertSignals(b)) || changesAny(faultSignals(b), alertSignals(a));
}

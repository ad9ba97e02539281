import { ALERT_RULES, type AlertRuleDef } from '../../catalog/index.ts';
import { promisedServiceLabel } from './expected-labels.ts';

/** Which drills may run at the same time: lanes of drills that do not disturb each other. */

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

import type { AlertRuleDef } from '../../catalog/index.ts';
import { interfere } from './signals.ts';

/**
 * Which drills may run at the same time. Two drills interfere when one's fault changes a signal the
 * other's alert reads (signals.ts: a breaker opened on data-router fails its routed calls, which
 * raises data-router's error ratio, HighErrorRate's signal), when they drill the same alert, or
 * when they set the same fault on the same service. Interfering drills share a lane and run one
 * after another, in the order given (the catalog's); lanes run at once. Interference is transitive within a lane.
 */
export function drillLanes(alerts: readonly AlertRuleDef[]): AlertRuleDef[][] {
  const lanes: AlertRuleDef[][] = [];
  for (const alert of alerts) {
    const joined = lanes.filter((lane) => lane.some((other) => interfere(alert, other)));
    for (const lane of joined) lanes.splice(lanes.indexOf(lane), 1);
    lanes.push([...joined.flat(), alert]);
  }
  const order = (a: AlertRuleDef) => alerts.indexOf(a);
  return lanes.map((lane) => lane.sort((a, b) => order(a) - order(b)));
}

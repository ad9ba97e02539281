import { ALERT_RULES, requiredFor, type AlertRuleDef } from '../../catalog/index.ts';
import type { ValidationContext } from '../context.ts';
import type { ResultBase } from '../result.ts';

/** What every offline result is about: its id/title/phase, and the alerts the phase requires. */

export const base = (id: string, title: string, phase: number): ResultBase => ({
  id: `alerts.offline.${id}`,
  family: 'alerts',
  title,
  phase,
});

/** Alerts the phase gate requires, in catalog order. */
export function requiredAlerts(ctx: ValidationContext): AlertRuleDef[] {
  const names = new Set(requiredFor(ctx.phase).alerts);
  return ALERT_RULES.filter((a) => names.has(a.alert));
}

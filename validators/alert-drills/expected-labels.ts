import type { AlertRuleDef } from '../../catalog/index.ts';
import type { PromSample, PrometheusApi } from '../clients/index.ts';
import { SERVICE_LABEL } from '../../core/index.ts';

/** The labels the catalog promises on a drilled alert, with the values its trigger determines. */

/** The value the catalog promises for an output label, when the trigger determines it. */
export function promisedServiceLabel(alert: AlertRuleDef): string | undefined {
  if (!alert.outputLabels?.includes('service')) return undefined;
  const target = alert.trigger.params?.['target'];
  // circuit-breaker-open: the breaker's series is labelled with the downstream service it guards.
  return typeof target === 'string' ? target : alert.trigger.service;
}

/**
 * Labels the catalog promises on the alert, with the values the trigger determines (undefined =
 * any non-empty value); `instance` and `job` are those of the trigger service's scrape target.
 */
export async function expectedLabels(
  prometheus: PrometheusApi,
  serviceLabel: string | undefined,
  alert: AlertRuleDef,
): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  const params = alert.trigger.params ?? {};
  let target: Record<string, string> | undefined;
  const targetOf = async () => {
    if (target) return target;
    const label = serviceLabel ?? SERVICE_LABEL;
    const up = await prometheus
      .query(`up{${label}="${alert.trigger.service}"}`)
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

import type { PromSample, PrometheusApi, SinkNotification, WebhookSinkClient } from '../clients/index.ts';
import { renderLabels } from './format.ts';

/**
 * Reading what the drills watch: alert state from Prometheus' `ALERTS` series (the same state
 * `/api/v1/alerts` shows, one series per active alert with `alertstate` pending|firing) through
 * the shared client, so a stack's auth headers apply; deliveries from the harness's webhook sink.
 */

export const ALERTS_METRIC = 'ALERTS';

export interface ActiveAlert {
  state: string;
  labels: Record<string, string>;
}

function toActive(sample: PromSample): ActiveAlert {
  const { __name__: _name, alertstate, ...labels } = sample.metric;
  return { state: alertstate ?? '?', labels };
}

/** Every active alert, or those named `alert`. */
export async function activeAlerts(prometheus: PrometheusApi, alert?: string): Promise<ActiveAlert[]> {
  const samples = await prometheus.query(alert ? `${ALERTS_METRIC}{alertname="${alert}"}` : ALERTS_METRIC);
  return samples.map(toActive);
}

/** True when `labels` carries every expected label (undefined = any non-empty value). */
export function hasLabels(
  labels: Record<string, string>,
  expected: Record<string, string | undefined>,
): boolean {
  return Object.entries(expected).every(([k, v]) =>
    v === undefined ? (labels[k] ?? '') !== '' : labels[k] === v,
  );
}

export function describeActive(alert: string, active: readonly ActiveAlert[]): string {
  if (active.length === 0) return `no ${alert} alert in Prometheus`;
  return active
    .map((a) => {
      const { alertname: _n, ...labels } = a.labels;
      return `${alert} ${a.state} ${renderLabels(labels)}`;
    })
    .join('; ');
}

export interface Delivery {
  receiver: string;
  receivedAtMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The deliveries of one alert (its full label set) with `status`, received at or after `sinceMs`. */
export async function deliveries(
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
export function firstByReceiver(list: readonly Delivery[]): Map<string, Delivery> {
  const first = new Map<string, Delivery>();
  for (const d of list) {
    const seen = first.get(d.receiver);
    if (!seen || d.receivedAtMs < seen.receivedAtMs) first.set(d.receiver, d);
  }
  return first;
}

export const receiverList = (names: Iterable<string>) => [...names].sort().join(', ') || 'no receiver';

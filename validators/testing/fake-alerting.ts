import { alertByName, type ServiceName } from '../../catalog/index.ts';
import type {
  AlertmanagerClient,
  PromMetadata,
  PromRangeSeries,
  PromRuleGroup,
  PromSample,
  PromTarget,
  PrometheusApi,
  SinkNotification,
  WebhookSinkClient,
} from '../clients/index.ts';
import type { FleetControl } from '../context.ts';

/**
 * How one alert behaves once its catalog trigger is switched on, in ms after the fault went on (or
 * off, for `resolveAfterMs`). Undefined stages never happen (a rule that never fires, a route that
 * never delivers).
 */
export interface FakeAlertScript {
  alert: string;
  pendingAfterMs?: number;
  firingAfterMs?: number;
  deliverAfterMs?: number;
  /** After the fault is cleared: the alert goes inactive and the resolved notification is sent. */
  resolveAfterMs?: number;
  /** The alert's labels besides alertname (severity included). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivers: string[];
}

interface Episode {
  onAt: number;
  offAt?: number;
}

/**
 * An in-memory Prometheus + Alertmanager + webhook sink + fleet fault API, computed from the clock:
 * switching an alert's trigger on starts an episode that follows its script. For the drills' unit
 * tests; it answers `ALERTS`, `ALERTS{alertname="X"}` and `up{phoenix_service="x"}`.
 */
export class FakeAlerting {
  readonly scripts = new Map<string, FakeAlertScript>();
  readonly episodes = new Map<string, Episode>();
  /** Alerts active whatever the faults (a noisy rule at steady state). */
  readonly alwaysActive: { alertname: string; alertstate: string; labels: Record<string, string> }[] = [];
  /** Every fault call, in order: `on service fault` / `off service|all`. */
  readonly log: { at: number; what: string }[] = [];
  /** Faults the fleet refuses, by `service fault`. */
  readonly refuse = new Map<string, string>();
  /** Scrape targets: service → instance. */
  readonly instances: Partial<Record<ServiceName, string>> = {};

  script(script: FakeAlertScript): this {
    this.scripts.set(script.alert, script);
    return this;
  }

  private state(script: FakeAlertScript, now: number): 'pending' | 'firing' | undefined {
    const e = this.episodes.get(script.alert);
    if (!e || script.pendingAfterMs === undefined) return undefined;
    const resolvedAt =
      e.offAt === undefined ? Infinity : e.offAt + (script.resolveAfterMs ?? Number.POSITIVE_INFINITY);
    if (now < e.onAt + script.pendingAfterMs || now >= resolvedAt) return undefined;
    return script.firingAfterMs !== undefined && now >= e.onAt + script.firingAfterMs ? 'firing' : 'pending';
  }

  readonly fleet: FleetControl = {
    setFault: async (service, fault) => {
      const refused = this.refuse.get(`${service} ${fault.name}`);
      if (refused) throw new Error(refused);
      this.log.push({ at: Date.now(), what: `on ${service} ${fault.name}` });
      for (const script of this.scripts.values()) {
        const def = alertByName(script.alert);
        if (def?.trigger.service === service && def.trigger.fault === fault.name)
          this.episodes.set(script.alert, { onAt: Date.now() });
      }
    },
    clearFaults: async (service, name) => {
      this.log.push({ at: Date.now(), what: `off ${service ?? 'all'}${name ? ` ${name}` : ''}` });
      for (const [alert, e] of this.episodes) {
        const def = alertByName(alert);
        const hit =
          (service === undefined || def?.trigger.service === service) &&
          (name === undefined || def?.trigger.fault === name);
        if (e.offAt === undefined && hit) e.offAt = Date.now();
      }
    },
  };

  readonly prometheus: PrometheusApi = {
    baseUrl: 'http://fake-prometheus',
    query: async (promql: string): Promise<PromSample[]> => {
      const now = Date.now();
      const at: [number, string] = [now / 1000, '1'];
      const up = /^up\{phoenix_service="([^"]+)"\}$/.exec(promql);
      if (up) {
        const instance = this.instances[up[1] as ServiceName];
        return instance ? [{ metric: { __name__: 'up', instance, job: 'phoenix-services' }, value: at }] : [];
      }
      const alerts = /^ALERTS(?:\{alertname="([^"]+)"\})?$/.exec(promql);
      if (!alerts) throw new Error(`FakeAlerting cannot answer ${promql}`);
      const active = [
        ...this.alwaysActive,
        ...[...this.scripts.values()].flatMap((s) => {
          const state = this.state(s, now);
          return state ? [{ alertname: s.alert, alertstate: state, labels: s.labels }] : [];
        }),
      ];
      return active
        .filter((a) => alerts[1] === undefined || a.alertname === alerts[1])
        .map((a) => ({
          metric: { __name__: 'ALERTS', alertname: a.alertname, alertstate: a.alertstate, ...a.labels },
          value: at,
        }));
    },
    queryRaw: async (): Promise<PromRangeSeries[]> => [],
    queryRange: async (): Promise<PromRangeSeries[]> => [],
    labelValues: async (): Promise<string[]> => [],
    targets: async (): Promise<PromTarget[]> => [],
    metadata: async (): Promise<Record<string, PromMetadata[]>> => ({}),
    series: async (): Promise<Record<string, string>[]> => [],
    rules: async (): Promise<PromRuleGroup[]> => [],
  };

  /** What Alertmanager would have delivered by now. */
  notifications(): SinkNotification[] {
    const now = Date.now();
    const out: { at: number; note: SinkNotification }[] = [];
    for (const s of this.scripts.values()) {
      const e = this.episodes.get(s.alert);
      if (!e || s.deliverAfterMs === undefined || s.firingAfterMs === undefined) continue;
      const deliveredAt = e.onAt + s.deliverAfterMs;
      const resolvedAt =
        e.offAt === undefined || s.resolveAfterMs === undefined ? Infinity : e.offAt + s.resolveAfterMs;
      if (deliveredAt > now || deliveredAt >= resolvedAt) continue;
      const labels = { alertname: s.alert, ...s.labels };
      const note = (status: 'firing' | 'resolved', at: number, receiver: string): SinkNotification => ({
        receiver,
        receivedAt: new Date(at).toISOString(),
        payload: {
          status,
          receiver,
          alerts: [{ status, labels, annotations: s.annotations }],
          commonLabels: labels,
        },
      });
      for (const r of s.receivers) out.push({ at: deliveredAt, note: note('firing', deliveredAt, r) });
      if (resolvedAt <= now)
        for (const r of s.receivers) out.push({ at: resolvedAt, note: note('resolved', resolvedAt, r) });
    }
    return out.sort((a, b) => a.at - b.at).map((o) => o.note);
  }

  /** The webhook sink's client, answered from notifications() (a structural stand-in for the HTTP client). */
  readonly sink = {
    baseUrl: 'http://fake-sink',
    notifications: async (receiver?: string) =>
      this.notifications().filter((n) => receiver === undefined || n.receiver === receiver),
  } as unknown as WebhookSinkClient;
}

/**
 * An Alertmanager that answers `/api/v2/status` with the given configuration (`config.original`),
 * as a staging Alertmanager would; a structural stand-in for the HTTP client.
 */
export function fakeAlertmanagerStatus(original: string): AlertmanagerClient {
  return {
    baseUrl: 'http://fake-alertmanager',
    status: async () => ({ config: { original } }),
  } as unknown as AlertmanagerClient;
}

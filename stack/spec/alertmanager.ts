import { stringify } from 'yaml';
import type { ComponentSpec, RenderContext } from './types.ts';

/** The receivers of the seed's route tree; every one delivers to the harness's webhook sink. */
export const ALERT_RECEIVERS = ['slack', 'pagerduty'] as const;
export type AlertReceiver = (typeof ALERT_RECEIVERS)[number];

/**
 * The seed's alertmanager.yml route tree (group by alertname+service, critical → pagerduty and
 * continue to the default, default → slack), with an explicit catch-all child route so that
 * "continue to the default" really happens (see below). The seed's SMTP, Slack and PagerDuty endpoints are
 * replaced by webhooks to the sink (`/hook/<receiver>`), which records each notification.
 */
export function alertmanagerConfig(ctx: Pick<RenderContext, 'peer' | 'timing'>): Record<string, unknown> {
  const sink = ctx.peer('webhook-sink', 'http');
  return {
    global: { resolve_timeout: `${ctx.timing.resolveTimeoutS}s` },
    route: {
      group_by: ['alertname', 'service'],
      group_wait: `${ctx.timing.groupWaitS}s`,
      group_interval: `${ctx.timing.groupIntervalS}s`,
      repeat_interval: `${ctx.timing.repeatIntervalS}s`,
      receiver: 'slack',
      routes: [
        { matchers: ['severity="critical"'], receiver: 'pagerduty', continue: true },
        // The seed relies on `continue: true` to reach the default receiver too, but Alertmanager
        // uses the root receiver only when no child route matches; this catch-all makes it explicit.
        { receiver: 'slack' },
      ],
    },
    receivers: ALERT_RECEIVERS.map((name) => ({
      name,
      webhook_configs: [{ url: `http://${sink}/hook/${name}`, send_resolved: true, max_alerts: 0 }],
    })),
  };
}

export const alertmanagerSpec: ComponentSpec = {
  name: 'alertmanager',
  source: { provisioned: 'alertmanager' },
  containerPorts: { http: 9093, cluster: 9094 },
  render(ctx) {
    return {
      files: { 'alertmanager.yml': stringify(alertmanagerConfig(ctx)) },
      binary: 'alertmanager',
      args: [
        `--config.file=${ctx.configDir}/alertmanager.yml`,
        `--storage.path=${ctx.dataDir}`,
        `--web.listen-address=${ctx.bindHost}:${ctx.port('http')}`,
        // A single instance: no gossip cluster (it would bind a second port and wait to settle).
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      readiness: { port: 'http', path: '/-/ready' },
      endpoints: { url: { port: 'http', scheme: 'http' } },
    };
  },
};

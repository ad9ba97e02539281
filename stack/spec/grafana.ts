import { GRAFANA_DASHBOARDS_PATH, renderGrafanaProvisioning } from '../grafana/provisioning.ts';
import type { ComponentSpec } from './types.ts';

/** Where the official image keeps Grafana's homepath (GF_PATHS_HOME). */
export const GRAFANA_HOME_IN_IMAGE = '/usr/share/grafana';

/** Provisioning folders Grafana reads besides datasources/ and dashboards/ (left empty). */
const GRAFANA_UNUSED_PROVISIONING = ['plugins', 'notifiers', 'alerting'] as const;

/** The built-in admin: the harness reads Grafana's API as this user, with a password made per run. */
export const GRAFANA_ADMIN_USER = 'admin';

/** Basic auth for Grafana's API (a header value, so it is as secret as the password). */
export function grafanaBasicAuth(password: string, user = GRAFANA_ADMIN_USER): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/**
 * Grafana (AGPL-3.0: official image only, `--stack docker --images official` with `stack.grafana:
 * true`; never a local binary or image) with the seed's provisioning (stack/grafana): the
 * Prometheus and Jaeger datasources, and Loki's when Loki is the log store (Grafana has no built-in
 * VictoriaLogs datasource: with it, the harness runs the log panels itself), with the catalog's
 * fixed uids, and the generated dashboards from this checkout's stack/grafana/dashboards (copied
 * into the container). Everything is set through GF_* variables, as
 * the official image expects; the admin password is made per run and goes only into the environment.
 * Anonymous access and sign-up are off; analytics and update checks make no outbound calls.
 */
export const grafanaSpec: ComponentSpec = {
  name: 'grafana',
  source: { userImage: 'grafana' },
  containerPorts: { http: 3000 },
  hostDirs: { dashboards: GRAFANA_DASHBOARDS_PATH },
  render(ctx) {
    const password = ctx.secret('admin-password');
    const provisioning = renderGrafanaProvisioning(
      {
        prometheusUrl: `http://${ctx.peer('prometheus', 'http')}`,
        ...(ctx.logStore === 'loki' ? { lokiUrl: `http://${ctx.peer('loki', 'http')}` } : {}),
        jaegerUrl: `http://${ctx.peer('jaeger', 'query')}`,
      },
      ctx.hostDir('dashboards'),
    );
    const files = Object.fromEntries(
      Object.entries(provisioning).map(([file, content]) => [`provisioning/${file}`, content]),
    );
    // Grafana logs an error for each provisioning folder that is missing (even unused), and a
    // warning for each non-YAML file in one: an empty provisioning file keeps the log clean.
    for (const unused of GRAFANA_UNUSED_PROVISIONING)
      files[`provisioning/${unused}/empty.yaml`] = 'apiVersion: 1\n';
    return {
      files,
      binary: 'grafana',
      args: ['server', `--homepath=${GRAFANA_HOME_IN_IMAGE}`],
      // The official image's /run.sh runs `grafana server --homepath=$GF_PATHS_HOME …` itself.
      imageArgs: [],
      env: {
        GF_PATHS_HOME: GRAFANA_HOME_IN_IMAGE,
        GF_PATHS_DATA: ctx.dataDir,
        GF_PATHS_LOGS: `${ctx.dataDir}/log`,
        GF_PATHS_PLUGINS: `${ctx.dataDir}/plugins`,
        GF_PATHS_PROVISIONING: `${ctx.configDir}/provisioning`,
        GF_SERVER_HTTP_ADDR: ctx.bindHost,
        GF_SERVER_HTTP_PORT: String(ctx.port('http')),
        GF_SECURITY_ADMIN_USER: GRAFANA_ADMIN_USER,
        GF_SECURITY_ADMIN_PASSWORD: password,
        GF_SECURITY_DISABLE_GRAVATAR: 'true',
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
        GF_USERS_ALLOW_SIGN_UP: 'false',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
        GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
        GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
        GF_NEWS_NEWS_FEED_ENABLED: 'false',
        // Grafana 12 would otherwise install plugins at start (an outbound call).
        GF_PLUGINS_PREINSTALL_DISABLED: 'true',
        GF_LOG_MODE: 'console',
        GF_LOG_LEVEL: 'warn',
      },
      readiness: { port: 'http', path: '/api/health' },
      endpoints: { url: { port: 'http', scheme: 'http' } },
      clientHeaders: { Authorization: grafanaBasicAuth(password) },
    };
  },
};

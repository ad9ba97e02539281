import { HarnessError } from '../../core/index.ts';
import { GRAFANA_DASHBOARDS_PATH, renderGrafanaProvisioning } from '../grafana/provisioning.ts';
import type { ComponentSpec } from './types.ts';

/** Where the official image keeps Grafana's homepath (GF_PATHS_HOME); local images put it there too. */
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
 * Grafana with the seed's provisioning (stack/grafana): the Prometheus, Loki and Jaeger datasources
 * with the catalog's fixed uids, and the generated dashboards from this checkout's
 * stack/grafana/dashboards (read in place by the local runner, so an edited dashboard shows up
 * within the provider's 30 s; copied into containers). Everything is set through GF_* variables, as
 * the official image expects; the admin password is made per run and goes only into the environment.
 * Anonymous access and sign-up are off; analytics and update checks make no outbound calls.
 */
export const grafanaSpec: ComponentSpec = {
  name: 'grafana',
  provisioned: 'grafana',
  containerPorts: { http: 3000 },
  home: { provisionedDir: 'home', imagePath: GRAFANA_HOME_IN_IMAGE },
  hostDirs: { dashboards: GRAFANA_DASHBOARDS_PATH },
  render(ctx) {
    if (!ctx.homeDir) {
      throw new HarnessError('grafana: the runner gave no home directory (conf/ and public/)', {
        hint: 'the spec declares `home`; the runner must pass it as RenderContext.homeDir',
      });
    }
    const password = ctx.secret('admin-password');
    const provisioning = renderGrafanaProvisioning(
      {
        prometheusUrl: `http://${ctx.peer('prometheus', 'http')}`,
        lokiUrl: `http://${ctx.peer('loki', 'http')}`,
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
      args: ['server', `--homepath=${ctx.homeDir}`],
      // The official image's /run.sh runs `grafana server --homepath=$GF_PATHS_HOME …` itself.
      imageArgs: [],
      env: {
        GF_PATHS_HOME: ctx.homeDir,
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
        // Unknown to the pinned 10.0 build (ignored); newer Grafanas would otherwise install plugins at start.
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

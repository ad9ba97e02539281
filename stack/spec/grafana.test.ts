import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GRAFANA_DATASOURCES } from '../../catalog/index.ts';
import { GRAFANA_DASHBOARDS_PATH } from '../grafana/provisioning.ts';
import { grafanaSpec } from './grafana.ts';
import { HARNESS_TIMING, type RenderContext } from './index.ts';

const PASSWORD = 'pw-0123456789abcdef';

function ctx(overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    bindHost: '127.0.0.1',
    port: () => 43000,
    peer: (component, port) => `${component}.${port}:1`,
    configDir: '/run/grafana/config',
    dataDir: '/run/grafana/data',
    fleetLogDir: '/logs',
    ruleFiles: [],
    scrapeTargetsFile: '/targets.json',
    timing: HARNESS_TIMING,
    environment: 'test',
    logStore: 'loki',
    traceStore: 'memory',
    hostDir: (name) => `/checkout/${name}`,
    secret: () => PASSWORD,
    ...overrides,
  };
}

describe('the Grafana spec (official image only)', () => {
  const rendered = grafanaSpec.render(ctx());

  it('is never started from a local binary or image', () => {
    expect(grafanaSpec.source).toEqual({ userImage: 'grafana' });
  });

  it('provisions the three datasources with fixed uids at the peers, and the dashboards from the host dir', () => {
    const datasources = parse(rendered.files['provisioning/datasources/datasources.yaml'] ?? '') as {
      datasources: { uid: string; url: string }[];
    };
    expect(datasources.datasources.map((d) => [d.uid, d.url])).toEqual([
      [GRAFANA_DATASOURCES.prometheus.uid, 'http://prometheus.http:1'],
      [GRAFANA_DATASOURCES.loki.uid, 'http://loki.http:1'],
      [GRAFANA_DATASOURCES.jaeger.uid, 'http://jaeger.query:1'],
    ]);
    const dashboards = parse(rendered.files['provisioning/dashboards/dashboards.yaml'] ?? '') as {
      providers: { options: { path: string } }[];
    };
    expect(dashboards.providers[0]?.options.path).toBe('/checkout/dashboards');
    expect(grafanaSpec.hostDirs).toEqual({ dashboards: GRAFANA_DASHBOARDS_PATH });
    expect(rendered.env?.GF_PATHS_PROVISIONING).toBe('/run/grafana/config/provisioning');
  });

  it('passes the admin password only through the environment, and Basic auth to the harness', () => {
    expect(rendered.env?.GF_SECURITY_ADMIN_PASSWORD).toBe(PASSWORD);
    for (const content of Object.values(rendered.files)) expect(content).not.toContain(PASSWORD);
    expect(rendered.args.join(' ')).not.toContain(PASSWORD);
    const auth = rendered.clientHeaders?.Authorization ?? '';
    expect(auth).toMatch(/^Basic /);
    expect(Buffer.from(auth.slice('Basic '.length), 'base64').toString()).toBe(`admin:${PASSWORD}`);
  });

  it('turns off anonymous access, sign-up, analytics, update checks and plugin preinstall; logs warn to the console', () => {
    expect(rendered.env).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
      GF_PLUGINS_PREINSTALL_DISABLED: 'true',
      GF_LOG_LEVEL: 'warn',
      GF_LOG_MODE: 'console',
      GF_SERVER_HTTP_ADDR: '127.0.0.1',
      GF_SERVER_HTTP_PORT: '43000',
      GF_PATHS_DATA: '/run/grafana/data',
    });
  });

  it("runs the official image's own entrypoint, with the image's home dir", () => {
    expect(rendered.imageArgs).toEqual([]);
    expect(rendered.env?.GF_PATHS_HOME).toBe('/usr/share/grafana');
    expect(rendered.readiness).toEqual({ port: 'http', path: '/api/health' });
  });

  it('provisions no Loki datasource when VictoriaLogs is the log store (Grafana has none built in)', () => {
    const datasources = parse(
      grafanaSpec.render(ctx({ logStore: 'victorialogs' })).files[
        'provisioning/datasources/datasources.yaml'
      ] ?? '',
    ) as { datasources: { uid: string; jsonData: Record<string, unknown> }[] };
    expect(datasources.datasources.map((d) => d.uid)).toEqual([
      GRAFANA_DATASOURCES.prometheus.uid,
      GRAFANA_DATASOURCES.jaeger.uid,
    ]);
    // No trace → logs link to a datasource that does not exist.
    expect(datasources.datasources[1]?.jsonData).toEqual({});
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAFANA_DATASOURCES } from '../../catalog/index.ts';
import { describeLast, pollUntil } from '../../core/index.ts';
import { GRAFANA_DASHBOARDS_PATH, GRAFANA_FOLDER } from '../../stack/grafana/provisioning.ts';
import { startLocalStack, STACK_VERSIONS, type StartedStack } from '../../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  PROXY_HEALTH_PATHS,
  type GrafanaApi,
} from '../../validators/index.ts';

/** The uids of the generated dashboards the provider reads (stack/grafana/dashboards/*.json). */
const DASHBOARD_UIDS = readdirSync(GRAFANA_DASHBOARDS_PATH)
  .filter((f) => f.endsWith('.json'))
  .map((f) => (JSON.parse(readFileSync(join(GRAFANA_DASHBOARDS_PATH, f), 'utf8')) as { uid: string }).uid)
  .sort();

/** Every file under `dir` whose bytes contain any of `needles`. */
function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = readFileSync(path);
    if (needles.some((n) => bytes.includes(n))) hits.push(path);
  }
  return hits;
}

describe('Grafana in the local stack: provisioned, healthy, queryable, and its password kept secret', () => {
  let stack: StartedStack;
  let grafana: GrafanaApi;
  let auth: Record<string, string>;
  const logLines: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ outDir: 'out', log: (line) => logLines.push(line) });
    const endpoints = endpointsFromStack(stack.endpoints());
    auth = stack.credentials().grafana ?? {};
    const clients = createClients(endpoints, stack.credentials());
    if (!clients.grafana) throw new Error(`no grafana endpoint in ${JSON.stringify(stack.endpoints())}`);
    grafana = clients.grafana;
  });

  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('is healthy, runs the pinned build, and refuses anonymous requests', async () => {
    const health = await grafana.health();
    expect(health).toMatchObject({ database: 'ok', version: STACK_VERSIONS.grafana.version });
    expect(health.commit).toBe(STACK_VERSIONS.grafana.commit);
    const anonymous = await fetch(`${grafana.baseUrl}/api/search`);
    expect(anonymous.status).toBe(401);
    expect(auth.Authorization).toMatch(/^Basic /);
  });

  it('lists every generated dashboard in the Phoenix folder', async () => {
    expect(DASHBOARD_UIDS.length).toBeGreaterThan(0);
    const outcome = await pollUntil({
      description: 'the provisioned dashboards in /api/search',
      probe: () => grafana.searchDashboards(),
      until: (hits) => DASHBOARD_UIDS.every((uid) => hits.some((h) => h.uid === uid)),
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const hits = outcome.last ?? [];
    expect(hits.map((h) => h.uid).sort()).toEqual(expect.arrayContaining(DASHBOARD_UIDS));
    for (const uid of DASHBOARD_UIDS)
      expect(hits.find((h) => h.uid === uid)?.folderTitle, uid).toBe(GRAFANA_FOLDER);
  });

  it('provisions the three datasources with their fixed uids, and each one answers', async () => {
    const datasources = await grafana.datasources();
    const expected = Object.values(GRAFANA_DATASOURCES);
    expect(datasources.map((d) => d.uid).sort()).toEqual(expected.map((d) => d.uid).sort());
    const via: Record<string, string> = {};
    for (const ds of expected) {
      // The plugin's own health check where it has one (Prometheus); in this Grafana, Loki has none
      // (404 "method not implemented") and Jaeger no backend at all (503 "Plugin unavailable"):
      // for those, a read through Grafana's datasource proxy, as Grafana's own frontend does.
      const res = await fetch(`${grafana.baseUrl}/api/datasources/uid/${ds.uid}/health`, { headers: auth });
      const body = (await res.json()) as { status?: string; message?: string };
      if (res.status === 200) {
        expect(body.status, `${ds.uid}: ${body.message}`).toBe('OK');
        via[ds.type] = 'health';
        continue;
      }
      expect([404, 503], `${ds.uid} health: ${res.status} ${body.message}`).toContain(res.status);
      const path = PROXY_HEALTH_PATHS[ds.type];
      const proxied = await fetch(`${grafana.baseUrl}/api/datasources/proxy/uid/${ds.uid}${path}`, {
        headers: auth,
      });
      expect(proxied.status, `${ds.uid} through the proxy: ${await proxied.clone().text()}`).toBe(200);
      via[ds.type] = 'proxy';
    }
    expect(via).toEqual({ prometheus: 'health', loki: 'proxy', jaeger: 'proxy' });
  });

  it('runs a panel-style PromQL range query through /api/ds/query and gets a non-empty frame', async () => {
    // A metric of our own, scraped like the fleet's: a registry of its own, served on a free port.
    const probeId = `grafana-${stack.runId}`;
    const registry = new Registry();
    new Gauge({
      name: 'phoenix_harness_grafana_probe',
      help: 'Grafana query probe marker',
      labelNames: ['probe_id'],
      registers: [registry],
    }).set({ probe_id: probeId }, 1);
    const server = createServer((_req, res) => {
      void registry.metrics().then((body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, stack.scrapeTargetHost, resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      stack.setScrapeTargets([
        { targets: [`${stack.scrapeTargetHost}:${port}`], labels: { probe: 'grafana' } },
      ]);
      const expr = `sum by (probe_id) (phoenix_harness_grafana_probe{probe_id="${probeId}"})`;
      const outcome = await pollUntil({
        description: 'a frame for the probe metric through Grafana',
        probe: async () => {
          const now = Date.now();
          const response = await grafana.query({
            from: String(now - 5 * 60_000),
            to: String(now),
            queries: [
              {
                refId: 'A',
                datasource: { uid: GRAFANA_DATASOURCES.prometheus.uid, type: 'prometheus' },
                expr,
                range: true,
                instant: false,
                intervalMs: 2_000,
                maxDataPoints: 300,
                format: 'time_series',
              },
            ],
          });
          return response.results.A;
        },
        until: (result) => (result?.frames?.[0]?.data?.values?.[1]?.length ?? 0) > 0,
        timeoutMs: 45_000,
        intervalMs: 1_000,
      });
      const last = describeLast(outcome, (r) => JSON.stringify(r).slice(0, 500));
      expect(outcome.ok, `last: ${last}`).toBe(true);
      const frame = outcome.last?.frames?.[0];
      expect(frame?.data?.values?.[1]).toContain(1);
    } finally {
      stack.setScrapeTargets([]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never writes the admin password under out/<run-id>/ nor logs it', async () => {
    const header = auth.Authorization ?? '';
    const password = Buffer.from(header.replace(/^Basic /, ''), 'base64')
      .toString()
      .replace(/^admin:/, '');
    expect(password.length).toBeGreaterThanOrEqual(24);
    // Stopped first, so Grafana's database and log are complete on disk.
    await stack.stopComponent('grafana');
    const runDir = dirname(stack.dir);
    // The search itself works: it finds what is meant to be there (Grafana's URL in endpoints.json).
    expect(filesContaining(runDir, [grafana.baseUrl])).toContain(stack.endpointsFile);
    expect(filesContaining(runDir, [password, header.replace(/^Basic /, '')])).toEqual([]);
    expect(readFileSync(stack.endpointsFile, 'utf8')).not.toContain(password);
    expect(logLines.filter((l) => l.includes(password))).toEqual([]);
  });
});

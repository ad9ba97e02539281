import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS, GRAFANA_DATASOURCES } from '../../catalog/index.ts';
import {
  GRAFANA_DASHBOARDS_PATH,
  GRAFANA_PROVISIONING_FILES,
  TRACE_ID_MATCHER,
  grafanaDashboardProvider,
  grafanaDatasources,
  renderGrafanaProvisioning,
} from './provisioning.ts';

const URLS = {
  prometheusUrl: 'http://127.0.0.1:9090',
  lokiUrl: 'http://127.0.0.1:3100',
  jaegerUrl: 'http://127.0.0.1:16686',
};

describe('grafanaDatasources', () => {
  const doc = grafanaDatasources(URLS);
  const byType = (type: string) => doc.datasources.find((d) => d.type === type);

  it('provisions the three datasources with the catalog uids, the given URLs, proxied and read-only', () => {
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources.map((d) => [d.type, d.uid, d.url])).toEqual([
      ['prometheus', 'phoenix-prometheus', URLS.prometheusUrl],
      ['loki', 'phoenix-loki', URLS.lokiUrl],
      ['jaeger', 'phoenix-jaeger', URLS.jaegerUrl],
    ]);
    for (const d of doc.datasources) {
      expect(d).toMatchObject({ access: 'proxy', editable: false });
      expect(d.uid).toBe(GRAFANA_DATASOURCES[d.type].uid);
    }
    expect(doc.datasources.filter((d) => d.isDefault).map((d) => d.type)).toEqual(['prometheus']);
  });

  it('leaves out the Loki datasource and the trace → logs link when the log store is not Loki', () => {
    const { lokiUrl: _unused, ...withoutLoki } = URLS;
    const noLoki = grafanaDatasources(withoutLoki);
    expect(noLoki.datasources.map((d) => d.type)).toEqual(['prometheus', 'jaeger']);
    expect(noLoki.datasources[1]?.jsonData).toEqual({});
  });

  it('links log lines to traces (Loki derived field → Jaeger) and traces to logs (Jaeger → Loki)', () => {
    const derived = byType('loki')?.jsonData as {
      derivedFields: { matcherRegex: string; datasourceUid: string }[];
    };
    expect(derived.derivedFields).toEqual([
      expect.objectContaining({ datasourceUid: 'phoenix-jaeger', url: '${__value.raw}' }),
    ]);
    const matcher = new RegExp(TRACE_ID_MATCHER);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(`{"level":"info","trace_id":"${traceId}","msg":"x"}`.match(matcher)?.[1]).toBe(traceId);
    expect(`level=info trace_id=${traceId} msg=x`.match(matcher)?.[1]).toBe(traceId);
    expect(byType('jaeger')?.jsonData).toMatchObject({
      tracesToLogsV2: { datasourceUid: 'phoenix-loki', filterByTraceID: true },
    });
  });
});

describe('grafanaDashboardProvider', () => {
  it("is the seed's provider, reading flat files from the given path", () => {
    expect(grafanaDashboardProvider('/var/lib/grafana/dashboards')).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: 'Phoenix Orchestrator',
          orgId: 1,
          folder: 'Phoenix Orchestrator',
          type: 'file',
          disableDeletion: false,
          updateIntervalSeconds: 30,
          allowUiUpdates: false,
          options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: false },
        },
      ],
    });
  });

  it('defaults to the committed dashboards, one file per catalog dashboard', () => {
    const files = renderGrafanaProvisioning(URLS);
    const provider = parse(files[GRAFANA_PROVISIONING_FILES.dashboards] ?? '') as ReturnType<
      typeof grafanaDashboardProvider
    >;
    expect(provider.providers[0]?.options.path).toBe(GRAFANA_DASHBOARDS_PATH);
    for (const d of DASHBOARDS)
      expect(existsSync(join(GRAFANA_DASHBOARDS_PATH, `${d.uid}.json`)), d.uid).toBe(true);
    expect(parse(files[GRAFANA_PROVISIONING_FILES.datasources] ?? '')).toEqual(grafanaDatasources(URLS));
  });
});

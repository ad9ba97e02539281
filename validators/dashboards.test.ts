import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARDS,
  dashboardFile,
  expressionReferences,
  GRAFANA_DATASOURCES,
  onEventMetrics,
  type Phase,
} from '../catalog/index.ts';
import type { CheckResult } from '../core/index.ts';
import {
  BackendError,
  type DsQueryRequest,
  type DsQueryResponse,
  type GrafanaApi,
  type GrafanaDashboard,
  type GrafanaDatasource,
  type GrafanaDatasourceHealth,
  type GrafanaPanel,
  type LokiApi,
  type PrometheusApi,
} from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { dashboards, flattenPanels, hasData, interpolateGrafanaMacros, panelQueries } from './dashboards.ts';

const REPO = new URL('../', import.meta.url);

/** The committed, generated dashboards: what the provisioned Grafana serves. */
const committedDashboards = (): GrafanaDashboard[] =>
  DASHBOARDS.map(
    (d) => JSON.parse(readFileSync(new URL(dashboardFile(d.uid), REPO), 'utf8')) as GrafanaDashboard,
  );

/** A series exists for an expression when every name it reads is a catalog metric or rule, and none is on-event. */
const catalogHasData = (expr: string): boolean =>
  expr.startsWith('{')
    ? true
    : expressionReferences(expr).every((r) => r.metric || r.rule) && onEventMetrics(expr).length === 0;

const brackets = (expr: string): boolean => {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('({['.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return false;
  }
  return stack.length === 0;
};

/** An in-memory Grafana: provisioned dashboards and datasources, queries answered by `dataFor`. */
class FakeGrafana implements GrafanaApi {
  readonly baseUrl = 'http://grafana.test';
  dashboards = new Map(committedDashboards().map((d) => [d.uid, d]));
  datasourceList: GrafanaDatasource[] = Object.values(GRAFANA_DATASOURCES).map((d) => ({
    uid: d.uid,
    name: d.name,
    type: d.type,
    url: `http://${d.type}.test`,
    isDefault: d.type === 'prometheus',
  }));
  unhealthy = new Map<string, string>();
  queries: DsQueryRequest[] = [];
  dataFor: (expr: string) => boolean = catalogHasData;

  async health() {
    return { database: 'ok', version: '10.0.0' };
  }
  async searchDashboards() {
    return [...this.dashboards.values()].map((d) => ({ uid: d.uid, title: d.title, type: 'dash-db' }));
  }
  async dashboard(uid: string) {
    const d = this.dashboards.get(uid);
    return d ? { dashboard: d, meta: { provisioned: true } } : undefined;
  }
  async datasources() {
    return this.datasourceList;
  }
  async datasourceHealth(ds: { uid: string }): Promise<GrafanaDatasourceHealth> {
    const problem = this.unhealthy.get(ds.uid);
    return problem
      ? { status: 'ERROR', message: problem, via: 'health' }
      : { status: 'OK', message: 'ok', via: 'health' };
  }
  async query(request: DsQueryRequest): Promise<DsQueryResponse> {
    this.queries.push(request);
    const results = Object.fromEntries(
      request.queries.map((q) => {
        const expr = String(q.expr);
        if (!brackets(expr)) return [q.refId, { status: 400, error: 'bad_data: parse error' }];
        const values = this.dataFor(expr) ? [[1_700_000_000_000], [1]] : [];
        return [q.refId, { status: 200, frames: [{ schema: { refId: q.refId }, data: { values } }] }];
      }),
    );
    return { results };
  }

  /** Edits one panel of a dashboard in place. */
  editPanel(uid: string, title: string, edit: (p: GrafanaPanel) => void): void {
    const panel = flattenPanels(this.dashboards.get(uid)?.panels).find((p) => p.title === title);
    if (!panel) throw new Error(`no panel "${title}" on ${uid}`);
    edit(panel);
  }
}

const badData = (path: string, error: string) =>
  new BackendError(
    'Prometheus',
    `http://prometheus.test${path}`,
    `Prometheus answered 400 at http://prometheus.test${path}: {"status":"error","errorType":"bad_data","error":"${error}"}`,
    400,
  );

/** Prometheus's parser, as far as these tests need it: unbalanced brackets are a syntax error. */
const fakePrometheus: Pick<PrometheusApi, 'baseUrl' | 'query'> = {
  baseUrl: 'http://prometheus.test',
  async query(promql) {
    if (!brackets(promql)) throw badData('/api/v1/query', '1:10: parse error: unclosed left parenthesis');
    return [];
  },
};

const fakeLoki: Pick<LokiApi, 'baseUrl' | 'queryRange'> = {
  baseUrl: 'http://loki.test',
  async queryRange(logql) {
    if (!logql.startsWith('{'))
      throw new BackendError(
        'Loki',
        'http://loki.test/loki/api/v1/query_range',
        'Loki answered 400 at http://loki.test/loki/api/v1/query_range: parse error at line 1, col 1: syntax error: unexpected IDENTIFIER',
        400,
      );
    return [];
  },
};

function context(grafana: GrafanaApi | undefined, phase: Phase = 3): ValidationContext {
  return {
    runId: 'test',
    phase,
    endpoints: {},
    // The dashboards checks use only query (Prometheus) and queryRange (Loki), to parse.
    clients: {
      ...(grafana ? { grafana } : {}),
      prometheus: fakePrometheus as PrometheusApi,
      loki: fakeLoki as LokiApi,
    },
    ingestTimeoutMs: 30,
    window: { start: new Date(1_700_000_000_000 - 900_000), end: new Date(1_700_000_000_000) },
  };
}

const failures = (results: CheckResult[]) =>
  results.filter((r) => r.status !== 'pass' && r.status !== 'skip');
const byId = (results: CheckResult[], id: string) => {
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no result ${id} among ${results.map((x) => x.id).join(', ')}`);
  return r;
};

describe('dashboards validator', () => {
  it('passes on the generated dashboards when every panel has data', async () => {
    const grafana = new FakeGrafana();
    const results = await dashboards(context(grafana));
    expect(failures(results)).toEqual([]);
    expect(results.every((r) => r.family === 'dashboards')).toBe(true);
    // One presence check per dashboard required at phase 3 (phases 1..3 are cumulative).
    expect(results.filter((r) => r.id.endsWith('.present')).map((r) => r.id.split('.')[1])).toEqual(
      DASHBOARDS.filter((d) => d.phase <= 3).map((d) => d.uid),
    );
    // An on-event panel (no error yet) is accepted as empty, and says so.
    const errorsByType = results.find(
      (r) =>
        r.id.startsWith('dashboards.orchestrator-service.panel-data.') && r.title.includes('Errors by Type'),
    );
    expect(errorsByType?.status).toBe('pass');
    expect(errorsByType?.observed).toMatch(
      /A empty, accepted: on-event phoenix_orchestrator_errors_total not seen yet/,
    );
    // Queries ran over the run window, on the fixed datasource uids.
    expect(grafana.queries[0]).toMatchObject({ from: '1699999100000', to: '1700000000000' });
    expect(new Set(grafana.queries.flatMap((q) => q.queries.map((x) => x.datasource.uid)))).toEqual(
      new Set(['phoenix-prometheus', 'phoenix-loki']),
    );
  });

  it('requires only the dashboards of phases up to the gate', async () => {
    const results = await dashboards(context(new FakeGrafana(), 1));
    expect(results.filter((r) => r.id.endsWith('.present')).map((r) => r.id)).toEqual([
      'dashboards.system-overview.present',
      'dashboards.orchestrator-service.present',
      'dashboards.data-router-service.present',
    ]);
  });

  it('fails on a missing required panel, naming the dashboard and the panel', async () => {
    const grafana = new FakeGrafana();
    const d = grafana.dashboards.get('orchestrator-service');
    if (!d?.panels) throw new Error('fixture');
    d.panels = d.panels.filter((p) => p.title !== 'Error Rate');
    const results = await dashboards(context(grafana, 1));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.orchestrator-service.present']);
    const r = byId(results, 'dashboards.orchestrator-service.present');
    expect(r.status).toBe('fail');
    expect(r.message).toBe(
      `dashboard orchestrator-service is missing panels: "Error Rate" (the seed's validation script requires "Error Rate")`,
    );
  });

  it('fails a panel whose metric is misspelt ("No data"), naming dashboard, panel and query', async () => {
    const grafana = new FakeGrafana();
    const typo =
      'histogram_quantile(0.95, sum by (target_service, le) (rate(phoenix_data_router_route_duraton_seconds_bucket[5m])))';
    grafana.editPanel('data-router-service', 'Routing Latency p95 by Target', (p) => {
      (p.targets ?? [])[0]!.expr = typo;
    });
    const results = await dashboards(context(grafana, 1));
    const failed = failures(results);
    expect(failed.map((r) => r.id)).toEqual([
      'dashboards.data-router-service.panel-data.4-routing-latency-p95-by-target',
    ]);
    expect(failed[0]?.message).toBe(
      `dashboard data-router-service, panel "Routing Latency p95 by Target" would show "No data": query A \`${typo}\` returns nothing for the run window (a misspelt metric or label, or a metric the fleet does not expose)`,
    );
    // It parses: the defect is the name, not the syntax.
    expect(byId(results, 'dashboards.data-router-service.queries-parse').status).toBe('pass');
  });

  it('fails when a datasource health check fails', async () => {
    const grafana = new FakeGrafana();
    grafana.unhealthy.set('phoenix-loki', 'Loki: Bad Gateway. 502 (connection refused)');
    const results = await dashboards(context(grafana, 1));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.datasource.phoenix-loki']);
    expect(byId(results, 'dashboards.datasource.phoenix-loki').message).toBe(
      'datasource phoenix-loki (http://loki.test) fails its health check: Loki: Bad Gateway. 502 (connection refused)',
    );
  });

  it('fails when a provisioned datasource is missing', async () => {
    const grafana = new FakeGrafana();
    grafana.datasourceList = grafana.datasourceList.filter((d) => d.uid !== 'phoenix-jaeger');
    const results = await dashboards(context(grafana, 1));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.datasource.phoenix-jaeger']);
    expect(byId(results, 'dashboards.datasource.phoenix-jaeger').observed).toMatch(
      /no datasource with uid phoenix-jaeger; present: phoenix-prometheus \(prometheus\), phoenix-loki \(loki\)/,
    );
  });

  it('fails when a required dashboard is absent, and skips what depends on it', async () => {
    const grafana = new FakeGrafana();
    grafana.dashboards.delete('kb-services');
    const results = await dashboards(context(grafana, 2));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.kb-services.present']);
    const r = byId(results, 'dashboards.kb-services.present');
    expect(r.message).toBe(
      'dashboard kb-services ("Phoenix Knowledge Base Services") is not in Grafana: is stack/grafana/dashboards/kb-services.json provisioned?',
    );
    expect(r.observed).toMatch(/^absent after \d+ms; dashboards present: system-overview, /);
    expect(byId(results, 'dashboards.kb-services.queries-parse').status).toBe('skip');
  });

  it('fails a query that does not parse, with the parser message', async () => {
    const grafana = new FakeGrafana();
    grafana.editPanel('system-overview', 'Memory', (p) => {
      (p.targets ?? [])[0]!.expr = 'sum(process_resident_memory_bytes';
    });
    const results = await dashboards(context(grafana, 1));
    const parse = byId(results, 'dashboards.system-overview.queries-parse');
    expect(parse.status).toBe('fail');
    expect(parse.message).toBe(
      'dashboard system-overview: panel "Memory" query A `sum(process_resident_memory_bytes`: 1:10: parse error: unclosed left parenthesis',
    );
    // Grafana reports the same query as an error when it runs it.
    expect(byId(results, 'dashboards.system-overview.panel-data.5-memory').observed).toMatch(
      /^query error: A/,
    );
  });

  it('fails a panel that refers to a datasource Grafana does not have', async () => {
    const grafana = new FakeGrafana();
    grafana.editPanel('system-overview', 'Memory', (p) => {
      p.datasource = { type: 'prometheus', uid: 'prometheus-old' };
      (p.targets ?? [])[0]!.datasource = { type: 'prometheus', uid: 'prometheus-old' };
    });
    const results = await dashboards(context(grafana, 1));
    const refs = byId(results, 'dashboards.system-overview.datasources');
    expect(refs.status).toBe('fail');
    expect(refs.message).toMatch(/panel "Memory" query A: datasource uid prometheus-old does not exist/);
    expect(byId(results, 'dashboards.system-overview.panel-data.5-memory').status).toBe('skip');
  });

  it('skips without a Grafana endpoint, naming what it needs', async () => {
    const results = await dashboards(context(undefined, 1));
    expect(results.map((r) => r.status)).toEqual(['skip', 'skip', 'skip', 'skip']);
    expect(results[0]?.message).toBe('needs the Grafana endpoint');
  });
});

describe('panel helpers', () => {
  const datasources: GrafanaDatasource[] = [
    { uid: 'phoenix-prometheus', name: 'Prometheus', type: 'prometheus', isDefault: true },
    { uid: 'phoenix-loki', name: 'Loki', type: 'loki' },
  ];

  it('resolves target, panel, by-name and default datasources, and flattens rows', () => {
    const panels = flattenPanels([
      {
        type: 'row',
        title: 'r',
        panels: [{ title: 'a', datasource: 'Loki', targets: [{ refId: 'A', expr: '{service="x"}' }] }],
      },
      {
        title: 'b',
        datasource: { uid: '-- Mixed --' },
        targets: [
          { refId: 'A', expr: 'up', datasource: { type: 'prometheus', uid: 'phoenix-prometheus' } },
          { refId: 'B', expr: 'up' },
          { refId: 'C', expr: 'up', hide: true },
        ],
      },
    ]);
    expect(panels.map((p) => p.title)).toEqual(['a', 'b']);
    expect(panelQueries(panels[0]!, datasources).map((q) => q.datasource?.uid)).toEqual(['phoenix-loki']);
    expect(panelQueries(panels[1]!, datasources).map((q) => [q.refId, q.datasource?.uid])).toEqual([
      ['A', 'phoenix-prometheus'],
      ['B', 'phoenix-prometheus'],
    ]);
  });

  it('replaces Grafana interval macros before parsing', () => {
    expect(interpolateGrafanaMacros('rate(x[$__rate_interval]) / ${__range_s}')).toBe('rate(x[1m]) / 60');
  });

  it('counts a frame with values as data, an empty or missing one as "No data"', () => {
    expect(hasData({ frames: [{ data: { values: [[1], [2]] } }] })).toBe(true);
    expect(hasData({ frames: [{ data: { values: [[], []] } }] })).toBe(false);
    expect(hasData({ frames: [] })).toBe(false);
    expect(hasData(undefined)).toBe(false);
  });
});

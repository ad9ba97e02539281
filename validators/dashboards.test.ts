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
import type {
  DsQueryRequest,
  DsQueryResponse,
  GrafanaApi,
  GrafanaDashboard,
  GrafanaDatasource,
  GrafanaDatasourceHealth,
  GrafanaPanel,
  PrometheusApi,
} from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { createDashboardsCheck, dashboards, flattenPanels, hasData, panelQueries } from './dashboards.ts';
import { FakePanelLogs } from './testing/fake-panel-logs.ts';
import { FakePrometheus } from './testing/fake-prometheus.ts';

const REPO = new URL('../', import.meta.url);
const END_S = 1_700_000_000;
const WINDOW = { start: new Date((END_S - 900) * 1000), end: new Date(END_S * 1000) };

/** The committed, generated dashboards (fresh copies: tests edit them). */
const committedDashboards = (): GrafanaDashboard[] =>
  DASHBOARDS.map(
    (d) => JSON.parse(readFileSync(new URL(dashboardFile(d.uid), REPO), 'utf8')) as GrafanaDashboard,
  );

const failures = (results: CheckResult[]) =>
  results.filter((r) => r.status !== 'pass' && r.status !== 'skip');
const byId = (results: CheckResult[], id: string) => {
  const r = results.find((x) => x.id === id);
  if (!r) throw new Error(`no result ${id} among ${results.map((x) => x.id).join(', ')}`);
  return r;
};

/** Edits one panel of a dashboard in place. */
function editPanel(
  dashboards: Map<string, GrafanaDashboard>,
  uid: string,
  title: string,
  edit: (p: GrafanaPanel) => void,
): void {
  const panel = flattenPanels(dashboards.get(uid)?.panels).find((p) => p.title === title);
  if (!panel) throw new Error(`no panel "${title}" on ${uid}`);
  edit(panel);
}

const firstTarget = (p: GrafanaPanel) => {
  const t = p.targets?.[0];
  if (!t) throw new Error(`panel ${p.title ?? '?'} has no target`);
  return t;
};

// ---------------------------------------------------------------------------------------------
// Without Grafana: the committed JSON, every target run by the harness.
// ---------------------------------------------------------------------------------------------

/** Every Prometheus panel query's metric and rule names that always have a series (on-event ones do not). */
function seriesNamesOfPanels(): Set<string> {
  const names = new Set<string>();
  for (const d of committedDashboards())
    for (const p of flattenPanels(d.panels))
      for (const t of p.targets ?? [])
        if (typeof t.expr === 'string' && !t.expr.startsWith('{'))
          for (const ref of expressionReferences(t.expr))
            if (!(ref.metric && onEventMetrics(ref.token).length > 0)) names.add(ref.token);
  return names;
}

const ALL_SERVICES = ['orchestrator-service', 'data-router', 'llm-service', 'mind-kb', 'body-kb'];

/** A stack where every always-present metric has a sample a minute before the end of the window, and every service logged. */
function directStack(omit: string[] = []) {
  const prometheus = new FakePrometheus();
  for (const name of seriesNamesOfPanels())
    if (!omit.includes(name)) prometheus.add(name, { service: 'orchestrator-service' }, [[END_S - 60, 1]]);
  const logs = new FakePanelLogs();
  for (const s of ALL_SERVICES) logs.withLines(s, 10);
  const source = new Map(committedDashboards().map((d) => [d.uid, d]));
  return { prometheus, logs, source };
}

function directContext(
  stack: ReturnType<typeof directStack>,
  phase: Phase = 3,
  clients: Partial<ValidationContext['clients']> = {},
): ValidationContext {
  return {
    runId: 'test',
    phase,
    endpoints: {},
    clients: { prometheus: stack.prometheus, logs: stack.logs.asLogStore(), ...clients },
    ingestTimeoutMs: 30,
    window: WINDOW,
  };
}

const runDirect = (stack: ReturnType<typeof directStack>, phase: Phase = 3, clients = {}) =>
  createDashboardsCheck({ source: async (uid) => stack.source.get(uid) })(
    directContext(stack, phase, clients),
  );

const HARNESS_VIA =
  'run by the harness against Prometheus at http://fake-prometheus, VictoriaLogs at http://fake-victorialogs';

describe('dashboards without a Grafana server (run by the harness)', () => {
  it('passes on the committed dashboards when every panel has data, saying which path ran', async () => {
    const stack = directStack();
    const results = await runDirect(stack);
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.id.endsWith('.present')).map((r) => r.id.split('.')[1])).toEqual(
      DASHBOARDS.filter((d) => d.phase <= 3).map((d) => d.uid),
    );
    // No Grafana health check on this path; each catalog datasource is asked directly.
    expect(results.some((r) => r.id === 'dashboards.grafana.healthy')).toBe(false);
    expect(byId(results, 'dashboards.datasource.phoenix-prometheus').message).toBe(
      'Prometheus (phoenix-prometheus) answers: run by the harness against Prometheus at http://fake-prometheus',
    );
    expect(byId(results, 'dashboards.datasource.phoenix-jaeger').status).toBe('skip');
    const panels = results.filter((r) => r.id.includes('.panel-data.'));
    expect(panels.length).toBeGreaterThan(20);
    for (const r of results.filter((x) => x.status !== 'skip'))
      expect(r.evidence, r.id).toMatchObject({ path: 'harness' });
    expect(panels.every((r) => r.status === 'pass' && r.message.endsWith(`(${HARNESS_VIA})`))).toBe(true);
    // Logs panels ran on the log store; Prometheus panels as range queries at Grafana's step (15 min / 100 → 10s, floored at the 15s scrape).
    expect(stack.logs.ran).toContain('{service="orchestrator-service"}');
    expect(new Set(stack.prometheus.rangeQueries.map(([, step]) => step))).toEqual(new Set([15]));
    // An on-event panel (no error yet) is accepted as empty, and says so.
    const errorsByType = results.find(
      (r) =>
        r.id.startsWith('dashboards.orchestrator-service.panel-data.') && r.title.includes('Errors by Type'),
    );
    expect(errorsByType?.observed).toMatch(
      /A empty, accepted: on-event phoenix_orchestrator_errors_total not seen yet/,
    );
  });

  it('fails a panel with no data, naming the dashboard, the panel and the interpolated query', async () => {
    const stack = directStack(['phoenix_data_router_route_duration_seconds_bucket']);
    editPanel(stack.source, 'data-router-service', 'Routing Latency p95 by Target', (p) => {
      firstTarget(p).expr =
        'histogram_quantile(0.95, sum by (target_service, le) (rate(phoenix_data_router_route_duration_seconds_bucket[$__rate_interval])))';
    });
    const results = await runDirect(stack, 1);
    expect(failures(results).map((r) => r.id)).toEqual([
      'dashboards.data-router-service.panel-data.4-routing-latency-p95-by-target',
    ]);
    expect(failures(results)[0]?.message).toBe(
      'dashboard data-router-service, panel "Routing Latency p95 by Target" would show "No data": query A ' +
        '`histogram_quantile(0.95, sum by (target_service, le) (rate(phoenix_data_router_route_duration_seconds_bucket[1m])))` ' +
        `returns nothing for the run window (a misspelt metric or label, or a metric the fleet does not expose; ${HARNESS_VIA})`,
    );
  });

  it('fails a query that does not parse, with the position, and the panel with the datasource error', async () => {
    const stack = directStack();
    editPanel(stack.source, 'system-overview', 'Memory', (p) => {
      firstTarget(p).expr = 'sum(process_resident_memory_bytes';
    });
    const results = await runDirect(stack, 1);
    const parse = byId(results, 'dashboards.system-overview.queries-parse');
    expect(parse.status).toBe('fail');
    expect(parse.message).toBe(
      'dashboard system-overview: panel "Memory" query A `sum(process_resident_memory_bytes`: 1:34: parse error at the end of the query (unclosed bracket or missing operand?)',
    );
    const panel = byId(results, 'dashboards.system-overview.panel-data.5-memory');
    expect(panel.status).toBe('fail');
    expect(panel.message).toBe(
      `dashboard system-overview, panel "Memory": query A \`sum(process_resident_memory_bytes\`: parse error: unclosed left parenthesis (${HARNESS_VIA})`,
    );
  });

  it('fails a datasource reference the catalog does not have, and does not run that query', async () => {
    const stack = directStack();
    editPanel(stack.source, 'system-overview', 'Memory', (p) => {
      p.datasource = { type: 'prometheus', uid: 'prometheus-old' };
      firstTarget(p).datasource = { type: 'prometheus', uid: 'prometheus-old' };
    });
    const results = await runDirect(stack, 1);
    const refs = byId(results, 'dashboards.system-overview.datasources');
    expect(refs.status).toBe('fail');
    expect(refs.message).toBe(
      'dashboard system-overview: 1 panel query refers to missing datasources: panel "Memory" query A: datasource uid prometheus-old does not exist in the catalog\'s datasources (catalog/datasources.ts)',
    );
    expect(byId(results, 'dashboards.system-overview.panel-data.5-memory').status).toBe('skip');
  });

  it('skips (never passes) a log panel whose query has no exact translation, with the reason', async () => {
    const stack = directStack();
    const logql = '{service="orchestrator-service"}';
    stack.logs.untranslatable.set(logql, 'line_format has no LogsQL equivalent');
    const results = await runDirect(stack, 1);
    const panel = byId(results, 'dashboards.orchestrator-service.panel-data.9-logs');
    expect(panel.status).toBe('skip');
    expect(panel.message).toBe(
      `not checked: dashboard orchestrator-service, panel "Logs": A \`${logql}\`: line_format has no LogsQL equivalent (${HARNESS_VIA})`,
    );
    expect(failures(results)).toEqual([]);
  });

  it('fails a log panel with no lines, naming the query the log store ran', async () => {
    const stack = directStack();
    stack.logs.linesByService.delete('data-router');
    const results = await runDirect(stack, 1);
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.data-router-service.panel-data.8-logs']);
    expect(failures(results)[0]?.observed).toMatch(/^no data for A `_stream:\{service="data-router"\}`/);
  });

  it('interpolates template variables (All, multi-value) and macros before running a target', async () => {
    const stack = directStack();
    const d = stack.source.get('system-overview');
    if (!d) throw new Error('fixture');
    d.templating = {
      list: [
        {
          name: 'service',
          type: 'custom',
          includeAll: true,
          multi: true,
          query: 'orchestrator-service,data-router',
          current: { value: ['$__all'] },
        },
      ],
    };
    editPanel(stack.source, 'system-overview', 'Memory', (p) => {
      firstTarget(p).expr =
        'sum by (service) (rate(process_resident_memory_bytes{service=~"$service"}[$__rate_interval]))';
    });
    const results = await runDirect(stack, 1);
    expect(byId(results, 'dashboards.system-overview.panel-data.5-memory').status).toBe('pass');
    expect(stack.prometheus.rangeQueries.map(([q]) => q)).toContain(
      'sum by (service) (rate(process_resident_memory_bytes{service=~"(orchestrator-service|data-router)"}[1m]))',
    );
  });

  it('fails when a required dashboard is not committed, and skips what depends on it', async () => {
    const stack = directStack();
    stack.source.delete('kb-services');
    const results = await runDirect(stack, 2);
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.kb-services.present']);
    expect(byId(results, 'dashboards.kb-services.present').message).toBe(
      'dashboard kb-services ("Phoenix Knowledge Base Services") is not committed: stack/grafana/dashboards/kb-services.json is missing (regenerate it from catalog/dashboards.ts)',
    );
    expect(byId(results, 'dashboards.kb-services.queries-parse').status).toBe('skip');
  });

  it('fails on a missing required panel, naming it', async () => {
    const stack = directStack();
    const d = stack.source.get('orchestrator-service');
    if (!d?.panels) throw new Error('fixture');
    d.panels = d.panels.filter((p) => p.title !== 'Error Rate');
    const results = await runDirect(stack, 1);
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.orchestrator-service.present']);
    expect(byId(results, 'dashboards.orchestrator-service.present').message).toBe(
      `dashboard orchestrator-service is missing panels: "Error Rate" (the seed's validation script requires "Error Rate")`,
    );
  });

  it('fails a dashboard with no panels, saying so (empty evidence)', async () => {
    const stack = directStack();
    const d = stack.source.get('orchestrator-service');
    if (!d) throw new Error('fixture');
    d.panels = [];
    const results = await runDirect(stack, 1);
    expect(byId(results, 'dashboards.orchestrator-service.present')).toMatchObject({
      status: 'fail',
      examined: 0,
      message: `dashboard orchestrator-service has no panels (${HARNESS_VIA})`,
    });
  });

  it('fails the datasource check when its backend does not answer', async () => {
    const stack = directStack();
    const down: PrometheusApi = Object.assign(Object.create(stack.prometheus) as FakePrometheus, {
      query: async () => {
        throw new Error('could not reach Prometheus at http://fake-prometheus (ECONNREFUSED)');
      },
    });
    const results = await runDirect(stack, 1, { prometheus: down });
    expect(byId(results, 'dashboards.datasource.phoenix-prometheus').message).toBe(
      'datasource phoenix-prometheus: Prometheus at http://fake-prometheus does not answer (could not reach Prometheus at http://fake-prometheus (ECONNREFUSED)); panels on it would show errors',
    );
  });

  it('skips the panels of a datasource it has no client for, naming what it needs', async () => {
    const stack = directStack();
    const results = await createDashboardsCheck({ source: async (uid) => stack.source.get(uid) })({
      ...directContext(stack, 1),
      clients: { prometheus: stack.prometheus },
    });
    expect(byId(results, 'dashboards.orchestrator-service.panel-data.9-logs').message).toBe(
      'not checked: A needs a log store (VictoriaLogs or Loki)',
    );
    expect(failures(results)).toEqual([]);
  });

  it('reads the committed files by default', async () => {
    const stack = directStack();
    const results = await dashboards(directContext(stack, 1));
    expect(failures(results)).toEqual([]);
    expect(byId(results, 'dashboards.system-overview.present').evidence.urls).toEqual([
      'stack/grafana/dashboards/system-overview.json',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// With a Grafana: contract tests from Grafana's documented API responses.
// ---------------------------------------------------------------------------------------------

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

/**
 * An in-memory Grafana answering as Grafana's HTTP API documents it: `/api/dashboards/uid/:uid`
 * (`{ dashboard, meta }`), `/api/datasources`, `/api/datasources/uid/:uid/health`
 * (`{ status: "OK" | "ERROR", message }`) and `/api/ds/query` (`{ results: { <refId>: { status,
 * frames: [{ schema, data: { values } }] } } }`, an `error` per failed query).
 */
class ContractGrafana implements GrafanaApi {
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
}

function grafanaContext(grafana: GrafanaApi, phase: Phase = 3): ValidationContext {
  return {
    runId: 'test',
    phase,
    endpoints: {},
    // With a Grafana, panels run through it: Prometheus and the log store are not queried.
    clients: { grafana },
    ingestTimeoutMs: 30,
    window: WINDOW,
  };
}

describe('dashboards through Grafana (contract: responses as Grafana documents them)', () => {
  it('passes on the provisioned dashboards when every panel has data, saying it ran via Grafana', async () => {
    const grafana = new ContractGrafana();
    const results = await dashboards(grafanaContext(grafana));
    expect(failures(results)).toEqual([]);
    expect(results.every((r) => r.family === 'dashboards')).toBe(true);
    expect(byId(results, 'dashboards.grafana.healthy').message).toBe(
      'Grafana is healthy; dashboards are checked via Grafana at http://grafana.test',
    );
    expect(results.filter((r) => r.id.endsWith('.present')).map((r) => r.id.split('.')[1])).toEqual(
      DASHBOARDS.filter((d) => d.phase <= 3).map((d) => d.uid),
    );
    const panels = results.filter((r) => r.id.includes('.panel-data.'));
    expect(panels.every((r) => r.evidence.via === 'via Grafana at http://grafana.test')).toBe(true);
    // Queries ran over the run window, on the fixed datasource uids.
    expect(grafana.queries[0]).toMatchObject({ from: '1699999100000', to: '1700000000000' });
    expect(new Set(grafana.queries.flatMap((q) => q.queries.map((x) => x.datasource.uid)))).toEqual(
      new Set(['phoenix-prometheus', 'phoenix-loki']),
    );
  });

  it('requires only the dashboards of phases up to the gate', async () => {
    const results = await dashboards(grafanaContext(new ContractGrafana(), 1));
    expect(results.filter((r) => r.id.endsWith('.present')).map((r) => r.id)).toEqual([
      'dashboards.system-overview.present',
      'dashboards.orchestrator-service.present',
      'dashboards.data-router-service.present',
    ]);
  });

  it('fails a panel whose metric is misspelt ("No data"), naming dashboard, panel and query', async () => {
    const grafana = new ContractGrafana();
    const typo =
      'histogram_quantile(0.95, sum by (target_service, le) (rate(phoenix_data_router_route_duraton_seconds_bucket[5m])))';
    editPanel(grafana.dashboards, 'data-router-service', 'Routing Latency p95 by Target', (p) => {
      firstTarget(p).expr = typo;
    });
    const results = await dashboards(grafanaContext(grafana, 1));
    const failed = failures(results);
    expect(failed.map((r) => r.id)).toEqual([
      'dashboards.data-router-service.panel-data.4-routing-latency-p95-by-target',
    ]);
    expect(failed[0]?.message).toBe(
      `dashboard data-router-service, panel "Routing Latency p95 by Target" would show "No data": query A \`${typo}\` returns nothing for the run window (a misspelt metric or label, or a metric the fleet does not expose; via Grafana at http://grafana.test)`,
    );
    expect(byId(results, 'dashboards.data-router-service.queries-parse').status).toBe('pass');
  });

  it('fails when a datasource health check fails', async () => {
    const grafana = new ContractGrafana();
    grafana.unhealthy.set('phoenix-loki', 'Loki: Bad Gateway. 502 (connection refused)');
    const results = await dashboards(grafanaContext(grafana, 1));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.datasource.phoenix-loki']);
    expect(byId(results, 'dashboards.datasource.phoenix-loki').message).toBe(
      'datasource phoenix-loki (http://loki.test) fails its health check: Loki: Bad Gateway. 502 (connection refused)',
    );
  });

  it('fails when a provisioned datasource is missing', async () => {
    const grafana = new ContractGrafana();
    grafana.datasourceList = grafana.datasourceList.filter((d) => d.uid !== 'phoenix-jaeger');
    const results = await dashboards(grafanaContext(grafana, 1));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.datasource.phoenix-jaeger']);
    expect(byId(results, 'dashboards.datasource.phoenix-jaeger').observed).toMatch(
      /no datasource with uid phoenix-jaeger; present: phoenix-prometheus \(prometheus\), phoenix-loki \(loki\)/,
    );
  });

  it('fails when a required dashboard is not provisioned, and skips what depends on it', async () => {
    const grafana = new ContractGrafana();
    grafana.dashboards.delete('kb-services');
    const results = await dashboards(grafanaContext(grafana, 2));
    expect(failures(results).map((r) => r.id)).toEqual(['dashboards.kb-services.present']);
    const r = byId(results, 'dashboards.kb-services.present');
    expect(r.message).toBe(
      'dashboard kb-services ("Phoenix Knowledge Base Services") is not in Grafana: is stack/grafana/dashboards/kb-services.json provisioned?',
    );
    expect(r.observed).toMatch(/^absent after \d+ms; dashboards present: system-overview, /);
    expect(byId(results, 'dashboards.kb-services.queries-parse').status).toBe('skip');
  });

  it('fails a query that does not parse, and the panel with the error Grafana reports', async () => {
    const grafana = new ContractGrafana();
    editPanel(grafana.dashboards, 'system-overview', 'Memory', (p) => {
      firstTarget(p).expr = 'sum(process_resident_memory_bytes';
    });
    const results = await dashboards(grafanaContext(grafana, 1));
    expect(byId(results, 'dashboards.system-overview.queries-parse').message).toMatch(
      /^dashboard system-overview: panel "Memory" query A `sum\(process_resident_memory_bytes`: 1:34: parse error/,
    );
    expect(byId(results, 'dashboards.system-overview.panel-data.5-memory').observed).toBe(
      'query error: A `sum(process_resident_memory_bytes`: bad_data: parse error',
    );
  });

  it('fails a panel that refers to a datasource Grafana does not have', async () => {
    const grafana = new ContractGrafana();
    editPanel(grafana.dashboards, 'system-overview', 'Memory', (p) => {
      p.datasource = { type: 'prometheus', uid: 'prometheus-old' };
      firstTarget(p).datasource = { type: 'prometheus', uid: 'prometheus-old' };
    });
    const results = await dashboards(grafanaContext(grafana, 1));
    const refs = byId(results, 'dashboards.system-overview.datasources');
    expect(refs.status).toBe('fail');
    expect(refs.message).toMatch(
      /panel "Memory" query A: datasource uid prometheus-old does not exist in Grafana/,
    );
    expect(byId(results, 'dashboards.system-overview.panel-data.5-memory').status).toBe('skip');
  });

  it('sends template variables interpolated, leaving the macros to Grafana', async () => {
    const grafana = new ContractGrafana();
    const d = grafana.dashboards.get('system-overview');
    if (!d) throw new Error('fixture');
    d.templating = { list: [{ name: 'job', current: { value: 'phoenix-services' } }] };
    editPanel(grafana.dashboards, 'system-overview', 'Memory', (p) => {
      firstTarget(p).expr = 'rate(process_cpu_seconds_total{job="$job"}[$__rate_interval])';
    });
    await dashboards(grafanaContext(grafana, 1));
    expect(grafana.queries.flatMap((q) => q.queries.map((x) => x.expr))).toContain(
      'rate(process_cpu_seconds_total{job="phoenix-services"}[$__rate_interval])',
    );
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

  it('counts a frame with values as data, an empty or missing one as "No data"', () => {
    expect(hasData({ frames: [{ data: { values: [[1], [2]] } }] })).toBe(true);
    expect(hasData({ frames: [{ data: { values: [[], []] } }] })).toBe(false);
    expect(hasData({ frames: [] })).toBe(false);
    expect(hasData(undefined)).toBe(false);
  });
});

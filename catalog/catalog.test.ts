import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALERT_RULES,
  allowedValuesOn,
  DASHBOARDS,
  FLOWS,
  LOG_SCHEMA,
  maxSeriesPerService,
  metricByName,
  METRICS,
  PHASE_NUMBERS,
  RECEIVERS_BY_SEVERITY,
  RECORDING_RULES,
  recordingRuleByName,
  requiredFor,
  requiredSeries,
  ROLLOUT_PHASES,
  SEED_REQUIRED_PANELS,
  SERVICE_NAMES,
  SERVICE_OPERATIONS,
  flowAtPhase,
  type Phase,
} from './index.ts';

/** Faults documented in docs/fleet-api.md (its fault table). */
const DOCUMENTED_FAULTS = [
  ...readFileSync(new URL('../docs/fleet-api.md', import.meta.url), 'utf8').matchAll(
    /^\| `([a-z-]+)`\s+\|/gm,
  ),
].map((m) => m[1]);
/** Faults the alert triggers need that the fleet adds (named in the catalog's hand-over note). */
const NEW_FAULTS = ['down', 'block-requests', 'expensive-model'];

const METRIC_TOKEN = /\b(?:phoenix|process)_[a-z0-9_]+|\bphoenix:[a-z0-9_:]+/g;
const SERIES_SUFFIX = /_(bucket|sum|count)$/;

/** The catalog metric or recording rule a token names (a histogram's series resolve to its base name). */
function resolve(token: string): { kind: 'metric' | 'rule'; phase: Phase } | undefined {
  const rule = recordingRuleByName(token);
  if (rule) return { kind: 'rule', phase: rule.phase };
  const direct = metricByName(token);
  if (direct) return { kind: 'metric', phase: direct.phase };
  const base = metricByName(token.replace(SERIES_SUFFIX, ''));
  if (base && base.type === 'histogram') return { kind: 'metric', phase: base.phase };
  return undefined;
}

/**
 * Whether `expr`'s result can carry `label`: it names it (a `by (...)` clause), a recording rule it
 * uses can, or it is a raw selector of a metric that has it (`instance`/`job` come with any target).
 */
function canKeep(expr: string, label: string): boolean {
  if (new RegExp(`\\b${label}\\b`).test(expr)) return true;
  const aggregated = /\b(sum|max|min|avg|count)\b/.test(expr);
  if (!aggregated && ['instance', 'job'].includes(label)) return true;
  return (expr.match(METRIC_TOKEN) ?? []).some((t) => {
    const rule = recordingRuleByName(t);
    if (rule) return canKeep(rule.expr, label);
    return !aggregated && (metricByName(t)?.labels.includes(label) ?? false);
  });
}

/** Every (expression, phase, where) the catalog contains. */
const EXPRESSIONS = [
  ...RECORDING_RULES.map((r) => ({ expr: r.expr, phase: r.phase, where: `recording rule ${r.record}` })),
  ...ALERT_RULES.map((a) => ({ expr: a.expr, phase: a.phase, where: `alert ${a.alert}` })),
  ...DASHBOARDS.flatMap((d) =>
    d.panels.flatMap((p) =>
      p.queries.map((q) => ({
        expr: q.expr,
        phase: d.phase,
        where: `dashboard ${d.uid} panel "${p.title}"`,
      })),
    ),
  ),
];

describe('metrics', () => {
  it('have unique, valid names', () => {
    const names = METRICS.map((m) => m.name);
    expect(names).toEqual([...new Set(names)]);
    for (const m of METRICS) {
      expect(m.name, m.name).toMatch(/^[a-z_][a-z0-9_]*$/);
      // Only the harness's process metrics keep their standard names without the namespace.
      if (m.source !== 'harness' || !m.name.startsWith('process_')) expect(m.name).toMatch(/^phoenix_/);
      expect(m.help.length, `${m.name} help`).toBeGreaterThan(5);
    }
  });

  it('counters end in _total, and only counters', () => {
    for (const m of METRICS) expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
  });

  it('carry their unit as the name suffix', () => {
    for (const m of METRICS.filter((x) => x.unit)) {
      expect(m.name.replace(/_total$/, ''), m.name).toMatch(new RegExp(`_${m.unit}$`));
    }
    for (const m of METRICS.filter((x) => x.type === 'histogram' || x.type === 'summary')) {
      if (/_(seconds|bytes)$/.test(m.name)) expect(m.unit, m.name).toBeDefined();
    }
  });

  it('have ascending buckets exactly when they are histograms', () => {
    for (const m of METRICS) {
      expect(m.buckets !== undefined, m.name).toBe(m.type === 'histogram');
      const b = m.buckets ?? [];
      expect(
        b.every((v, i) => i === 0 || v > (b[i - 1] ?? -Infinity)),
        `${m.name} buckets`,
      ).toBe(true);
    }
  });

  it('have valid label names and allowedValues keyed by their labels', () => {
    for (const m of METRICS) {
      expect(m.labels).toEqual([...new Set(m.labels)]);
      for (const l of m.labels) {
        expect(l, m.name).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(['le', 'quantile', 'job', 'instance'], `${m.name} uses reserved label ${l}`).not.toContain(l);
      }
      for (const [label, values] of Object.entries(m.allowedValues)) {
        expect(m.labels, `${m.name}: allowedValues.${label} is not a label`).toContain(label);
        expect(values.length, `${m.name}.${label}`).toBeGreaterThan(0);
        expect(values).toEqual([...new Set(values)]);
      }
    }
  });

  it('bound every label, and budget at least the series allowed values can produce', () => {
    for (const m of METRICS) {
      const max = maxSeriesPerService(m);
      expect(max, `${m.name} has a free-form label`).toBeDefined();
      expect(m.cardinalityBudget, `${m.name}: budget < ${max} possible series`).toBeGreaterThanOrEqual(
        max ?? 0,
      );
    }
  });

  it('narrow per-service values to the service itself where it fixes them', () => {
    const requests = metricByName('phoenix_service_requests_total');
    const kbQueries = metricByName('phoenix_kb_queries_total');
    if (!requests || !kbQueries) throw new Error('catalog lost core metrics');
    expect(allowedValuesOn(requests, 'service', 'executor')).toEqual(['executor']);
    expect(allowedValuesOn(requests, 'method', 'executor')).toEqual(['execute']);
    expect(allowedValuesOn(kbQueries, 'kb', 'soul-kb')).toEqual(['soul']);
  });

  it('are exposed by known services only', () => {
    for (const m of METRICS) {
      expect(m.services.length, m.name).toBeGreaterThan(0);
      for (const s of m.services) expect(SERVICE_NAMES, m.name).toContain(s);
    }
  });

  it('put status codes, not outcomes, on HTTP request counters', () => {
    for (const name of ['phoenix_service_requests_total', 'phoenix_orchestrator_requests_total']) {
      expect(metricByName(name)?.allowedValues['status']).toEqual(['200', '400', '403', '404', '500', '503']);
    }
    expect(metricByName('phoenix_service_requests_total')?.allowedValues['status']).not.toContain(
      'in_progress',
    );
    expect(
      metricByName('phoenix_orchestrator_plan_execution_duration_seconds')?.allowedValues['status'],
    ).toEqual(['success', 'failure']);
  });
});

describe('references', () => {
  it('every metric an expression names exists (or is a recording rule or `up`), in the same or an earlier phase', () => {
    const problems: string[] = [];
    for (const { expr, phase, where } of EXPRESSIONS) {
      for (const token of expr.match(METRIC_TOKEN) ?? []) {
        const found = resolve(token);
        if (!found) problems.push(`${where}: unknown ${token}`);
        else if (found.phase > phase)
          problems.push(`${where} (phase ${phase}) uses ${token} of phase ${found.phase}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every `le` a rule or panel selects is a bucket of that histogram', () => {
    const problems: string[] = [];
    for (const { expr, where } of EXPRESSIONS) {
      for (const [, name, le] of expr.matchAll(/([a-z0-9_]+)_bucket\{[^}]*le="([^"]+)"/g)) {
        const buckets = metricByName(name ?? '')?.buckets ?? [];
        if (!buckets.includes(Number(le))) problems.push(`${where}: ${name} has no bucket le="${le}"`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('recording rules', () => {
  it('have unique level:metric:operation names', () => {
    const names = RECORDING_RULES.map((r) => r.record);
    expect(names).toEqual([...new Set(names)]);
    for (const n of names) expect(n).toMatch(/^phoenix(:[a-z0-9_]+){2,}$/);
  });

  it("keep seed 003's three rules exactly as written", () => {
    expect(recordingRuleByName('phoenix:error_rate:ratio_rate5m')?.expr).toBe(
      'sum(rate(phoenix_service_requests_total{status=~"5.."}[5m])) by (service) / sum(rate(phoenix_service_requests_total[5m])) by (service)',
    );
    expect(recordingRuleByName('phoenix:apdex:ratio')?.expr).toBe(
      '(sum(rate(phoenix_service_request_duration_seconds_bucket{le="0.3"}[5m])) by (service) + sum(rate(phoenix_service_request_duration_seconds_bucket{le="1.2"}[5m])) by (service)) / 2 / sum(rate(phoenix_service_request_duration_seconds_count[5m])) by (service)',
    );
    expect(recordingRuleByName('phoenix:availability:ratio')?.expr).toBe(
      'sum(rate(phoenix_service_requests_total{status!~"5.."}[1h])) by (service) / sum(rate(phoenix_service_requests_total[1h])) by (service)',
    );
  });
});

describe('alerts', () => {
  it('have unique names and receivers matching severity', () => {
    const names = ALERT_RULES.map((a) => a.alert);
    expect(names).toEqual([...new Set(names)]);
    for (const a of ALERT_RULES) {
      expect(a.receivers, a.alert).toEqual(RECEIVERS_BY_SEVERITY[a.severity]);
      expect(a.receivers, a.alert).toEqual(a.severity === 'critical' ? ['pagerduty', 'slack'] : ['slack']);
      expect(Object.keys(a.labels), `${a.alert}: severity comes from the severity field`).not.toContain(
        'severity',
      );
      expect(a.for).toMatch(/^(\d+[smhd])+$/);
      expect(a.runbook.length, a.alert).toBeGreaterThan(40);
    }
  });

  it("keep seed 003's three alerts exactly as written", () => {
    const seed = ALERT_RULES.filter((a) => a.source === 'seed-003').map(
      ({ alert, expr, for: f, severity }) => ({
        alert,
        expr,
        for: f,
        severity,
      }),
    );
    expect(seed).toEqual([
      {
        alert: 'HighErrorRate',
        expr: 'phoenix:error_rate:ratio_rate5m > 0.05',
        for: '5m',
        severity: 'warning',
      },
      {
        alert: 'CircuitBreakerOpen',
        expr: 'phoenix_circuit_breaker_state{} == 1',
        for: '5m',
        severity: 'warning',
      },
      {
        alert: 'SlowResponseTime',
        expr: 'histogram_quantile(0.95, sum(rate(phoenix_service_request_duration_seconds_bucket[5m])) by (service, le)) > 2',
        for: '10m',
        severity: 'warning',
      },
    ]);
  });

  it('reference in annotations only labels their expression keeps', () => {
    for (const a of ALERT_RULES) {
      expect(a.outputLabels, `${a.alert} declares no outputLabels`).toBeDefined();
      const text = `${a.annotations.summary} ${a.annotations.description}`;
      for (const [, label] of text.matchAll(/\$labels\.([a-zA-Z_]+)/g)) {
        expect(a.outputLabels, `${a.alert} annotation uses $labels.${label}`).toContain(label);
      }
      for (const label of a.outputLabels ?? [])
        expect(canKeep(a.expr, label), `${a.alert} cannot keep ${label}`).toBe(true);
    }
  });

  it('name a fleet fault on a known service as trigger', () => {
    expect(DOCUMENTED_FAULTS).toContain('error-rate');
    for (const a of ALERT_RULES) {
      expect(SERVICE_NAMES, a.alert).toContain(a.trigger.service);
      expect([...DOCUMENTED_FAULTS, ...NEW_FAULTS], a.alert).toContain(a.trigger.fault);
    }
  });
});

describe('flows', () => {
  it('use known services, name every hop with a client and a server span, and weigh 100 in total', () => {
    expect(FLOWS.map((f) => f.weight).reduce((a, b) => a + b, 0)).toBe(100);
    for (const f of FLOWS) {
      expect(
        SERVICE_OPERATIONS['orchestrator-service'].map((o) => o.path),
        f.name,
      ).toContain(f.entry.path);
      expect(f.hops[0]?.from ?? 'orchestrator-service').toBe('orchestrator-service');
      for (const s of f.services) expect(SERVICE_NAMES).toContain(s);
      const variableTargets = (f.variableHops ?? []).flatMap((h) => h.anyOf);
      const hops = [
        ...f.hops,
        ...(f.variableHops ?? []).flatMap((h) => h.anyOf.map((to) => ({ from: h.from, to }))),
      ];
      for (const { from, to } of hops) {
        expect(f.services, `${f.name}: caller ${from}`).toContain(from);
        if (!variableTargets.includes(to)) expect(f.services, `${f.name}: callee ${to}`).toContain(to);
        expect(
          f.spans.some((s) => s.service === from && s.kind === 'client' && s.name === `call ${to}`),
        ).toBe(true);
        expect(
          f.spans.some((s) => s.service === to && s.kind === 'server'),
          `${f.name}: ${to} server span`,
        ).toBe(true);
      }
      for (const s of f.spans) {
        expect(s.requiredAttributes, `${f.name} ${s.name}`).toContain('correlation.id');
        if (s.kind === 'server')
          expect(s.requiredAttributes).toEqual(
            expect.arrayContaining(['http.request.method', 'http.response.status_code']),
          );
        if (s.kind === 'client') expect(s.requiredAttributes).toContain('peer.service');
      }
    }
  });

  it('are checked at phase 1 on the phase-1 services only', () => {
    const plan = FLOWS.find((f) => f.name === 'plan_and_execute');
    if (!plan) throw new Error('no plan_and_execute');
    const p1 = flowAtPhase(plan, 1);
    expect(p1.services).toEqual(['orchestrator-service', 'data-router']);
    expect(p1.hops).toEqual([{ from: 'orchestrator-service', to: 'data-router' }]);
    expect(p1.variableHops).toEqual([]);
    expect(flowAtPhase(plan, 2).spans).toEqual(plan.spans);
  });
});

describe('logs', () => {
  it('index service and level only, and keep ids in the line', () => {
    const labels = LOG_SCHEMA.labels.map((l) => l.name);
    expect(labels).toEqual(['service', 'level']);
    expect(LOG_SCHEMA.labels[0]?.allowedValues).toEqual(SERVICE_NAMES);
    for (const f of LOG_SCHEMA.forbiddenLabels) {
      expect(labels).not.toContain(f);
      expect(LOG_SCHEMA.fields).toContain(f);
    }
  });
});

describe('dashboards', () => {
  it('have unique uids, unique panel titles and their required panels', () => {
    const uids = DASHBOARDS.map((d) => d.uid);
    expect(uids).toEqual([...new Set(uids)]);
    for (const d of DASHBOARDS) {
      const titles = d.panels.map((p) => p.title);
      expect(titles, d.uid).toEqual([...new Set(titles)]);
      for (const r of d.requiredPanels) expect(titles, d.uid).toContain(r);
      for (const p of d.panels) expect(p.queries.length, `${d.uid} ${p.title}`).toBeGreaterThan(0);
    }
    for (const uid of ['system-overview', 'orchestrator-service', 'data-router-service']) {
      expect(DASHBOARDS.find((d) => d.uid === uid)?.requiredPanels).toEqual(SEED_REQUIRED_PANELS);
    }
  });

  it("show seed 003's System Overview panels", () => {
    const titles = DASHBOARDS.find((d) => d.uid === 'system-overview')?.panels.map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Service Health',
        'Error Rate',
        'Request Volume',
        'Resource Utilization',
        'Circuit Breaker Status',
      ]),
    );
  });
});

describe('phases', () => {
  it('list the dashboards of seed 000 in their phases', () => {
    expect(ROLLOUT_PHASES.map((p) => p.dashboards)).toEqual([
      ['system-overview', 'orchestrator-service', 'data-router-service'],
      ['service-performance', 'llm-service', 'kb-services'],
      ['business-metrics', 'slo-monitoring'],
      [],
    ]);
  });

  it('place every service in exactly one phase, orchestrator and data-router first', () => {
    const all = ROLLOUT_PHASES.flatMap((p) => p.services);
    expect([...all].sort()).toEqual([...SERVICE_NAMES].sort());
    expect(ROLLOUT_PHASES[0]?.services).toEqual(['orchestrator-service', 'data-router']);
  });

  it('name only catalog entries and add up to the whole catalog at phase 4', () => {
    for (const p of ROLLOUT_PHASES) {
      for (const m of p.metrics) expect(metricByName(m), m).toBeDefined();
      for (const a of p.alerts) expect(ALERT_RULES.map((x) => x.alert)).toContain(a);
      for (const d of p.dashboards) expect(DASHBOARDS.map((x) => x.uid)).toContain(d);
    }
    const all = requiredFor(4);
    expect(all.metrics.length).toBe(METRICS.length);
    expect(all.alerts.length).toBe(ALERT_RULES.length);
    expect(all.recordingRules.length).toBe(RECORDING_RULES.length);
    expect(all.flows.length).toBe(FLOWS.length);
  });

  it('are cumulative', () => {
    for (const phase of PHASE_NUMBERS.slice(1)) {
      const prev = requiredFor((phase - 1) as Phase);
      const cur = requiredFor(phase);
      expect(cur.metrics).toEqual(expect.arrayContaining(prev.metrics));
      expect(cur.services).toEqual(expect.arrayContaining(prev.services));
    }
  });

  it('require a metric on a service only once both are in the gate', () => {
    const pairs = (phase: Phase) => requiredSeries(phase).map((r) => `${r.metric.name}@${r.service}`);
    expect(pairs(1)).toContain('phoenix_service_requests_total@data-router');
    expect(pairs(1)).not.toContain('phoenix_service_requests_total@llm-service');
    expect(pairs(2)).toContain('phoenix_service_requests_total@llm-service');
    expect(pairs(2)).not.toContain('phoenix_llm_cost_dollars_total@llm-service');
    expect(pairs(4)).toContain('phoenix_service_requests_total@logging-service');
  });

  it('assign seed 000 phase-1 metrics to phase 1', () => {
    for (const name of [
      'phoenix_orchestrator_plan_execution_duration_seconds',
      'phoenix_orchestrator_route_requests_total',
      'phoenix_data_router_latency_seconds',
      'phoenix_service_requests_total',
      'phoenix_circuit_breaker_state',
    ]) {
      expect(metricByName(name)?.phase, name).toBe(1);
    }
    expect(metricByName('phoenix_llm_embedding_dimensions')?.phase).toBe(2);
  });
});

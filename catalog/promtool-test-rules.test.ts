import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERT_RULES, alertByName, renderRuleFiles } from './index.ts';

/**
 * `promtool test rules` on the rendered rules: each alert fires on series shaped like its trigger's
 * effect, with the labels and annotations the catalog promises, and none fires at steady state.
 * (The alerts validator re-runs such tests at real time scales against the live stack.)
 */
const PROMTOOL_CANDIDATES = [
  join(homedir(), '.cache/phoenix-harness/prometheus-2.42.0/bin/promtool'),
  '/usr/bin/promtool',
];

function promtool(): string {
  const found = PROMTOOL_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `promtool not found (looked in ${PROMTOOL_CANDIDATES.join(', ')}): run \`npm run stack:provision\``,
    );
  }
  return found;
}

interface Series {
  series: string;
  values: string;
}

interface Case {
  alert: string;
  series: Series[];
  evalTime: string;
  labels: Record<string, string>;
  /** How `{{ $value | … }}` renders for these series. */
  value: string;
}

/** Renders the catalog's annotation templates the way Prometheus will for `labels` and `value`. */
function renderTemplate(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, name: string) => labels[name] ?? '')
    .replace(/\{\{ \$value \| (humanize|humanizePercentage) \}\}/g, value);
}

const counter = (series: string, perMinute: number, minutes = 120): Series => ({
  series,
  values: `0+${perMinute}x${minutes}`,
});

const CASES: Case[] = [
  {
    alert: 'HighErrorRate',
    series: [
      counter('phoenix_service_requests_total{service="data-router",method="route",status="200"}', 80),
      counter('phoenix_service_requests_total{service="data-router",method="route",status="500"}', 20),
    ],
    evalTime: '15m',
    labels: { service: 'data-router' },
    value: '20%',
  },
  {
    alert: 'CircuitBreakerOpen',
    series: [
      {
        series:
          'phoenix_circuit_breaker_state{service="mind-kb",instance="127.0.0.1:9001",job="phoenix-services"}',
        values: '1x30',
      },
    ],
    evalTime: '10m',
    labels: { service: 'mind-kb', instance: '127.0.0.1:9001', job: 'phoenix-services' },
    value: '1',
  },
  {
    alert: 'SlowResponseTime',
    series: ['0.3', '1.2', '2']
      .map((le) => ({
        series: `phoenix_service_request_duration_seconds_bucket{service="llm-service",method="plan",le="${le}"}`,
        values: '0x40',
      }))
      .concat(
        ['5', '10', '+Inf'].map((le) =>
          counter(
            `phoenix_service_request_duration_seconds_bucket{service="llm-service",method="plan",le="${le}"}`,
            10,
            40,
          ),
        ),
      ),
    evalTime: '20m',
    labels: { service: 'llm-service' },
    value: '',
  },
  {
    alert: 'ServiceDown',
    series: [{ series: 'up{job="phoenix-services",instance="127.0.0.1:9013"}', values: '0x10' }],
    evalTime: '5m',
    labels: { instance: '127.0.0.1:9013', job: 'phoenix-services' },
    value: '0',
  },
  {
    alert: 'ErrorBudgetBurn',
    series: [
      counter('phoenix_service_requests_total{service="executor",method="execute",status="200"}', 80),
      counter('phoenix_service_requests_total{service="executor",method="execute",status="500"}', 20),
    ],
    evalTime: '80m',
    labels: { service: 'executor' },
    value: '200',
  },
  {
    alert: 'SafetyBlockedRequestSpike',
    series: [
      counter('phoenix_safety_blocked_requests_total{reason="policy_violation"}', 30),
      counter('phoenix_safety_requests_total{operation="ethics_check",status="200"}', 60),
    ],
    evalTime: '15m',
    labels: { reason: 'policy_violation' },
    value: '50%',
  },
  {
    alert: 'LLMCostRate',
    series: [counter('phoenix_llm_cost_dollars_total{model="phoenix-large"}', 1)],
    evalTime: '20m',
    labels: { model: 'phoenix-large' },
    value: '60',
  },
];

/** Healthy traffic: 0.05% errors, fast responses, breakers closed, cheap LLM, nothing blocked. */
const STEADY_STATE: Series[] = [
  counter(
    'phoenix_service_requests_total{service="orchestrator-service",method="plan_and_execute",status="200"}',
    1999,
  ),
  counter(
    'phoenix_service_requests_total{service="orchestrator-service",method="plan_and_execute",status="500"}',
    1,
  ),
  ...['0.3', '1.2', '2', '5', '10', '+Inf'].map((le) =>
    counter(
      `phoenix_service_request_duration_seconds_bucket{service="orchestrator-service",method="plan_and_execute",le="${le}"}`,
      100,
    ),
  ),
  {
    series: 'phoenix_circuit_breaker_state{service="mind-kb",instance="a",job="phoenix-services"}',
    values: '0x120',
  },
  { series: 'up{job="phoenix-services",instance="a"}', values: '1x120' },
  { series: 'phoenix_safety_blocked_requests_total{reason="pii"}', values: '0x120' },
  counter('phoenix_safety_requests_total{operation="ethics_check",status="200"}', 60),
  counter('phoenix_llm_cost_dollars_total{model="phoenix-large"}', 0.01),
];

function testFile(ruleFiles: string[]) {
  const alertTests = CASES.map((c) => {
    const def = alertByName(c.alert);
    if (!def) throw new Error(`no alert ${c.alert}`);
    const labels = { ...c.labels, severity: def.severity, ...def.labels };
    const annotations = {
      summary: renderTemplate(def.annotations.summary, labels, c.value),
      description: renderTemplate(def.annotations.description, labels, c.value),
      runbook: def.runbook,
    };
    return {
      interval: '1m',
      input_series: c.series,
      alert_rule_test: [
        {
          eval_time: c.evalTime,
          alertname: c.alert,
          exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }],
        },
      ],
    };
  });
  const steady = {
    interval: '1m',
    input_series: STEADY_STATE,
    alert_rule_test: ALERT_RULES.map((a) => ({ eval_time: '100m', alertname: a.alert, exp_alerts: [] })),
  };
  const serviceUp = {
    interval: '1m',
    input_series: [
      { series: 'up{job="phoenix-services",instance="a"}', values: '1 1 1 0 0' },
      {
        series:
          'phoenix_service_connections_active{service="reflection",instance="a",job="phoenix-services"}',
        values: '0 0 0 _ _',
      },
    ],
    promql_expr_test: [
      {
        expr: 'phoenix:service_up:max',
        eval_time: '1m',
        exp_samples: [{ labels: 'phoenix:service_up:max{service="reflection"}', value: 1 }],
      },
      // A target that stopped answering still shows, as 0, through the remembered service label.
      {
        expr: 'phoenix:service_up:max',
        eval_time: '4m',
        exp_samples: [{ labels: 'phoenix:service_up:max{service="reflection"}', value: 0 }],
      },
    ],
  };
  return { rule_files: ruleFiles, evaluation_interval: '1m', tests: [...alertTests, steady, serviceUp] };
}

describe('promtool test rules', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'phx-rule-tests-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('covers every alert', () => {
    expect(CASES.map((c) => c.alert).sort()).toEqual(ALERT_RULES.map((a) => a.alert).sort());
  });

  it('fires each alert on its trigger, renders its annotations, and fires nothing at steady state', () => {
    const ruleFiles = Object.entries(renderRuleFiles()).map(([path, content]) => {
      const file = join(tmp, path.replaceAll('/', '_'));
      writeFileSync(file, content);
      return file;
    });
    const tests = join(tmp, 'tests.yml');
    writeFileSync(tests, stringify(testFile(ruleFiles), { lineWidth: 0 }));
    let output = '';
    try {
      output = execFileSync(promtool(), ['test', 'rules', tests], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
    expect(output).toMatch(/SUCCESS/);
  });
});

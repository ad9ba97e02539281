/**
 * `promtool test rules` unit tests for the rendered rules, at PRODUCTION time scales (the seed's
 * 15 s scrape and evaluation interval, the alerts' real `for:` durations): each alert stays pending
 * until its condition has held for exactly its `for:` and then fires, with the labels and the
 * rendered annotations the catalog promises; nothing fires at steady state. Written beside the rules
 * (stack/prometheus/rules/tests/) by generate-rules.ts, so people can read and run them:
 *   promtool test rules stack/prometheus/rules/tests/*.yml
 */
import { stringify } from 'yaml';
import { ALERT_RULES, alertByName } from './rules.ts';
import { formatDurationMs, parseDurationMs } from './durations.ts';
import { alertRuleGroups, recordingRuleGroups } from './render-rules.ts';
import type { AlertRuleDef } from './types.ts';

/** Repository-relative directory of the generated rule unit tests. */
export const RULE_TESTS_DIR = 'stack/prometheus/rules/tests';

/** The seed's scrape and evaluation interval (prometheus.yml `global`). */
export const PRODUCTION_INTERVAL = '15s';
const STEP_MS = parseDurationMs(PRODUCTION_INTERVAL);
const STEPS_PER_MINUTE = 60_000 / STEP_MS;

/** Rule files as the tests name them: relative to the test file (promtool resolves them so). */
const RULE_FILES_FROM_TESTS = ['../recording-rules.yml', '../alert-rules.yml'];

export interface InputSeries {
  series: string;
  values: string;
}

/** How one alert is driven in its unit test: series shaped like its trigger's effect. */
export interface AlertScenario {
  alert: string;
  series: InputSeries[];
  /**
   * When the alert's expression first holds: 0 for a raw gauge, one interval for a ratio of
   * `rate()`s (it needs two samples), later for an absolute rate still filling its window.
   */
  breachAt: string;
  /** Labels of the firing alert, besides severity and the rule's static labels. */
  labels: Record<string, string>;
  /** How `{{ $value | … }}` renders for these series. */
  value: string;
}

/** A counter growing by `perMinute` per minute, sampled every interval, for `minutes`. */
export const counter = (series: string, perMinute: number, minutes = 120): InputSeries => ({
  series,
  values: `0+${perMinute / STEPS_PER_MINUTE}x${minutes * STEPS_PER_MINUTE}`,
});

/** A gauge holding `value` for `minutes`. */
export const gauge = (series: string, value: number, minutes = 120): InputSeries => ({
  series,
  values: `${value}x${minutes * STEPS_PER_MINUTE}`,
});

const AFTER_ONE_INTERVAL = PRODUCTION_INTERVAL;
const IMMEDIATELY = '0s';

export const ALERT_SCENARIOS: readonly AlertScenario[] = [
  {
    // 20% of data-router's requests fail.
    alert: 'HighErrorRate',
    series: [
      counter('phoenix_service_requests_total{service="data-router",method="route",status="200"}', 80),
      counter('phoenix_service_requests_total{service="data-router",method="route",status="500"}', 20),
    ],
    breachAt: AFTER_ONE_INTERVAL,
    labels: { service: 'data-router' },
    value: '20%',
  },
  {
    // data-router's breaker toward mind-kb is open (1) from the start.
    alert: 'CircuitBreakerOpen',
    series: [
      gauge(
        'phoenix_circuit_breaker_state{service="mind-kb",instance="127.0.0.1:9001",job="phoenix-services"}',
        1,
      ),
    ],
    breachAt: IMMEDIATELY,
    labels: { service: 'mind-kb', instance: '127.0.0.1:9001', job: 'phoenix-services' },
    value: '1',
  },
  {
    // Every llm-service response takes 2-5 s: the p95 lands above 2 s.
    alert: 'SlowResponseTime',
    series: [
      ...['0.3', '1.2', '2'].map((le) =>
        gauge(
          `phoenix_service_request_duration_seconds_bucket{service="llm-service",method="plan",le="${le}"}`,
          0,
        ),
      ),
      ...['5', '10', '+Inf'].map((le) =>
        counter(
          `phoenix_service_request_duration_seconds_bucket{service="llm-service",method="plan",le="${le}"}`,
          10,
        ),
      ),
    ],
    breachAt: AFTER_ONE_INTERVAL,
    labels: { service: 'llm-service' },
    value: '',
  },
  {
    alert: 'ServiceDown',
    series: [gauge('up{job="phoenix-services",instance="127.0.0.1:9013"}', 0)],
    breachAt: IMMEDIATELY,
    labels: { instance: '127.0.0.1:9013', job: 'phoenix-services' },
    value: '0',
  },
  {
    // 20% errors = 200x the 0.1% budget: both burn windows are over 14.4x from the first rate.
    alert: 'ErrorBudgetBurn',
    series: [
      counter('phoenix_service_requests_total{service="executor",method="execute",status="200"}', 80),
      counter('phoenix_service_requests_total{service="executor",method="execute",status="500"}', 20),
    ],
    breachAt: AFTER_ONE_INTERVAL,
    labels: { service: 'executor' },
    value: '200',
  },
  {
    alert: 'SafetyBlockedRequestSpike',
    series: [
      counter('phoenix_safety_blocked_requests_total{reason="policy_violation"}', 30),
      counter('phoenix_safety_requests_total{operation="ethics_check",status="200"}', 60),
    ],
    breachAt: AFTER_ONE_INTERVAL,
    labels: { reason: 'policy_violation' },
    value: '50%',
  },
  {
    // $1 a minute = $60/h on one model. rate() divides by the whole 5m window, so while the window
    // holds only t of data it reads t/5m of the true rate: $60/h crosses $10/h after 50 s, at the 1m evaluation.
    alert: 'LLMCostRate',
    series: [counter('phoenix_llm_cost_dollars_total{model="phoenix-large"}', 1)],
    breachAt: '1m',
    labels: { model: 'phoenix-large' },
    value: '60',
  },
];

/** Healthy traffic: 0.05% errors, fast responses, breakers closed, targets up, cheap LLM, nothing blocked. */
export const STEADY_STATE: readonly InputSeries[] = [
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
  gauge('phoenix_circuit_breaker_state{service="mind-kb",instance="a",job="phoenix-services"}', 0),
  gauge('up{job="phoenix-services",instance="a"}', 1),
  gauge('phoenix_safety_blocked_requests_total{reason="pii"}', 0),
  counter('phoenix_safety_requests_total{operation="ethics_check",status="200"}', 60),
  counter('phoenix_llm_cost_dollars_total{model="phoenix-large"}', 0.01),
];
const STEADY_STATE_EVAL = '100m';

/** Renders the catalog's annotation templates the way Prometheus will for `labels` and `value`. */
export function renderAnnotation(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_m, name: string) => labels[name] ?? '')
    .replace(/\{\{ \$value \| (humanize|humanizePercentage) \}\}/g, value);
}

/** `HighErrorRate` → `high-error-rate`, `LLMCostRate` → `llm-cost-rate`. */
export const kebab = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

/** Repository-relative path of one alert's unit test file. */
export const alertTestFile = (alert: string): string => `${RULE_TESTS_DIR}/${kebab(alert)}.test.yml`;

const at = (ms: number) => formatDurationMs(ms);

function alertTestGroup(scenario: AlertScenario, def: AlertRuleDef) {
  const labels = { ...scenario.labels, severity: def.severity, ...def.labels };
  const annotations = {
    summary: renderAnnotation(def.annotations.summary, labels, scenario.value),
    description: renderAnnotation(def.annotations.description, labels, scenario.value),
    runbook: def.runbook,
  };
  const firesAt = parseDurationMs(scenario.breachAt) + parseDurationMs(def.for);
  const firing = [{ exp_labels: labels, exp_annotations: annotations }];
  return {
    interval: PRODUCTION_INTERVAL,
    input_series: scenario.series,
    alert_rule_test: [
      // One evaluation before its `for:` has elapsed the alert is only pending (promtool lists firing alerts).
      { eval_time: at(firesAt - STEP_MS), alertname: def.alert, exp_alerts: [] },
      { eval_time: at(firesAt), alertname: def.alert, exp_alerts: firing },
      // …and it keeps firing while the condition holds.
      { eval_time: at(firesAt + 10 * 60_000), alertname: def.alert, exp_alerts: firing },
    ],
  };
}

function header(what: string): string {
  return [
    '# GENERATED from catalog/rule-tests.ts by catalog/generate-rules.ts. Do not edit by hand.',
    `# ${what}.`,
    '# Production time scales (15 s interval, real `for:` durations). Run: promtool test rules <this file>',
    '',
  ].join('\n');
}

// No YAML anchors: each expectation spelled out, for the person reading the test.
const toYaml = (doc: unknown): string => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });

/**
 * Recording groups before alerts, as listed: without an order promtool evaluates groups in random
 * order, and an alert evaluated before the recording rule it reads sees it one interval late (a
 * flaky test). Live Prometheus runs groups independently, so there an alert on a recording rule
 * may fire up to one interval later than here; never earlier.
 */
const groupEvalOrder = (): string[] => [
  ...recordingRuleGroups().groups.map((g) => g.name),
  ...alertRuleGroups().groups.map((g) => g.name),
];

const testDoc = (tests: unknown[]) => ({
  rule_files: RULE_FILES_FROM_TESTS,
  evaluation_interval: PRODUCTION_INTERVAL,
  group_eval_order: groupEvalOrder(),
  tests,
});

/** Every rule unit test file, keyed by repository-relative path. */
export function renderRuleTestFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const scenario of ALERT_SCENARIOS) {
    const def = alertByName(scenario.alert);
    if (!def) throw new Error(`rule-tests.ts: no alert ${scenario.alert} in the catalog`);
    const firesAt = formatDurationMs(parseDurationMs(scenario.breachAt) + parseDurationMs(def.for));
    files[alertTestFile(def.alert)] =
      header(`${def.alert}: pending for ${def.for} once its condition holds, firing from ${firesAt}`) +
      toYaml(testDoc([alertTestGroup(scenario, def)]));
  }
  files[`${RULE_TESTS_DIR}/steady-state.test.yml`] =
    header('Steady state: healthy traffic fires no alert') +
    toYaml(
      testDoc([
        {
          interval: PRODUCTION_INTERVAL,
          input_series: STEADY_STATE,
          alert_rule_test: ALERT_RULES.map((a) => ({
            eval_time: STEADY_STATE_EVAL,
            alertname: a.alert,
            exp_alerts: [],
          })),
        },
      ]),
    );
  files[`${RULE_TESTS_DIR}/recording-rules.test.yml`] =
    header('Recording rules') +
    toYaml(
      testDoc([
        {
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
        },
      ]),
    );
  return files;
}

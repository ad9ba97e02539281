/**
 * Recording and alert rules. The seed's three recording rules and three alerts (seed 003, "Recording
 * Rules for Complex Metrics" and "Alert Rules") are kept exactly as written; the rest are the harness's,
 * for seed 000's phase-3 "SLO monitoring and error budgets" and "comprehensive alerting strategy".
 * Rendered to stack/prometheus/rules/*.yml by render-rules.ts.
 */
import type { AlertRuleDef, RecordingRuleDef, Severity } from './types.ts';

/** Availability SLO over a 30-day window: the objective behind the error-budget rules. */
export const AVAILABILITY_SLO = { objective: 0.999, window: '30d' } as const;
/** Latency SLO: this fraction of requests complete within the threshold (SlowResponseTime's p95 < 2 s). */
export const LATENCY_SLO = { objective: 0.95, thresholdSeconds: 2 } as const;
/**
 * Multi-window, multi-burn-rate thresholds (Google SRE workbook, "Alerting on SLOs"): 14.4x burns
 * 2% of a 30-day budget in 1 h; 6x burns 5% in 6 h. Each long window is confirmed by a short one
 * so the alert resolves soon after the burn stops.
 */
export const BURN_RATE_ALERTS = [
  { long: '1h', short: '5m', factor: 14.4 },
  { long: '6h', short: '30m', factor: 6 },
] as const;
/** SafetyBlockedRequestSpike: fraction of safety checks blocked for one reason. */
export const SAFETY_BLOCKED_RATIO_THRESHOLD = 0.1;
/**
 * LLMCostRate, $/h per model. With LLM_PRICING_DOLLARS_PER_1K_TOKENS the steady state stays below it
 * up to ~700 LLM calls/s of 1000 tokens on phoenix-large (the fleet sustains at most ~500);
 * `expensive-model` at the drill's factor 10 000 crosses it from ~0.3 planning call/s (about 1 mUSD
 * each at factor 1): the drill traffic's ~6 plans/s put it ~20× above, so a concurrent drill that
 * cuts the calls reaching llm-service in half (SafetyBlockedRequestSpike) leaves it firing.
 */
export const LLM_COST_ALERT_DOLLARS_PER_HOUR = 10;

export const RECEIVERS_BY_SEVERITY: Readonly<Record<Severity, readonly ('slack' | 'pagerduty')[]>> = {
  // The seed's route sends critical to pagerduty and `continue`s to the default receiver, slack.
  critical: ['pagerduty', 'slack'],
  warning: ['slack'],
};

const SERVICE_RULES = 'phoenix_service_rules';
const SLO_RULES = 'phoenix_slo_rules';
const OPTIMIZATION_RULES = 'phoenix_optimization_rules';

/** Same shape as the seed's error-rate rule, over another window. */
const errorRateExpr = (window: string): string =>
  `sum(rate(phoenix_service_requests_total{status=~"5.."}[${window}])) by (service) / sum(rate(phoenix_service_requests_total[${window}])) by (service)`;

const ERROR_BUDGET = `(1 - ${AVAILABILITY_SLO.objective})`;

const burnRateRule = (window: string): RecordingRuleDef => ({
  record: `phoenix:error_budget:burn_rate${window}`,
  expr: `phoenix:error_rate:ratio_rate${window} / ${ERROR_BUDGET}`,
  phase: 3,
  source: 'harness',
  group: SLO_RULES,
  why: `how many times faster than sustainable the ${window} error rate spends the budget`,
});

const extraErrorRateRule = (window: string): RecordingRuleDef => ({
  record: `phoenix:error_rate:ratio_rate${window}`,
  expr: errorRateExpr(window),
  phase: 3,
  source: 'harness',
  group: SLO_RULES,
  why: `the seed's error rate over ${window}, a burn-rate window`,
});

export const RECORDING_RULES: readonly RecordingRuleDef[] = [
  {
    record: 'phoenix:error_rate:ratio_rate5m',
    expr: errorRateExpr('5m'),
    phase: 1,
    source: 'seed-003',
    group: SERVICE_RULES,
    why: "seed 003's error rate per service",
  },
  {
    record: 'phoenix:apdex:ratio',
    expr: '(sum(rate(phoenix_service_request_duration_seconds_bucket{le="0.3"}[5m])) by (service) + sum(rate(phoenix_service_request_duration_seconds_bucket{le="1.2"}[5m])) by (service)) / 2 / sum(rate(phoenix_service_request_duration_seconds_count[5m])) by (service)',
    phase: 1,
    source: 'seed-003',
    group: SERVICE_RULES,
    why: "seed 003's Apdex with T = 0.3 s (buckets must contain 0.3 and 1.2)",
  },
  {
    record: 'phoenix:availability:ratio',
    expr: 'sum(rate(phoenix_service_requests_total{status!~"5.."}[1h])) by (service) / sum(rate(phoenix_service_requests_total[1h])) by (service)',
    phase: 1,
    source: 'seed-003',
    group: SERVICE_RULES,
    why: "seed 003's availability SLI over 1 h",
  },
  {
    // `up` has no `service` label (the scrape job must not add one); join it through the
    // connections gauge, remembered for 1 h so a target that stops answering shows 0, not nothing.
    record: 'phoenix:service_up:max',
    expr: 'max by (service) (up{job="phoenix-services"} * on (instance) group_left (service) group by (instance, service) (last_over_time(phoenix_service_connections_active[1h])))',
    phase: 1,
    source: 'harness',
    group: SERVICE_RULES,
    why: 'per-service health for the "Service Health" panels',
  },
  extraErrorRateRule('30m'),
  extraErrorRateRule('1h'),
  extraErrorRateRule('6h'),
  burnRateRule('5m'),
  burnRateRule('30m'),
  burnRateRule('1h'),
  burnRateRule('6h'),
  {
    record: 'phoenix:latency_slo:ratio_rate5m',
    expr: `sum(rate(phoenix_service_request_duration_seconds_bucket{le="${LATENCY_SLO.thresholdSeconds}"}[5m])) by (service) / sum(rate(phoenix_service_request_duration_seconds_count[5m])) by (service)`,
    phase: 3,
    source: 'harness',
    group: SLO_RULES,
    why: `fraction of requests within ${LATENCY_SLO.thresholdSeconds} s (latency SLO compliance)`,
  },
  {
    record: 'phoenix:error_budget:remaining:ratio',
    expr: `1 - (1 - avg_over_time(phoenix:availability:ratio[${AVAILABILITY_SLO.window}])) / ${ERROR_BUDGET}`,
    phase: 3,
    source: 'harness',
    group: SLO_RULES,
    why: 'share of the 30-day error budget left (1 = untouched, < 0 = overspent)',
  },
  {
    record: 'phoenix:service_requests:rate5m',
    expr: 'sum by (service) (rate(phoenix_service_requests_total[5m]))',
    phase: 4,
    source: 'harness',
    group: OPTIMIZATION_RULES,
    why: 'pre-aggregated request volume, so dashboards stop re-reading every series',
  },
  {
    record: 'phoenix:service_request_duration_seconds:p95_rate5m',
    expr: 'histogram_quantile(0.95, sum by (service, le) (rate(phoenix_service_request_duration_seconds_bucket[5m])))',
    phase: 4,
    source: 'harness',
    group: OPTIMIZATION_RULES,
    why: 'pre-computed p95, the costliest panel query',
  },
];

const burnCondition = ({ long, short, factor }: (typeof BURN_RATE_ALERTS)[number]): string =>
  `(phoenix:error_budget:burn_rate${long} > ${factor} and phoenix:error_budget:burn_rate${short} > ${factor})`;

export const ALERT_RULES: readonly AlertRuleDef[] = [
  {
    alert: 'HighErrorRate',
    expr: 'phoenix:error_rate:ratio_rate5m > 0.05',
    for: '5m',
    severity: 'warning',
    labels: {},
    annotations: {
      summary: 'High error rate on {{ $labels.service }}',
      description: 'Error rate is {{ $value | humanizePercentage }} for the last 5 minutes (threshold: 5%)',
    },
    runbook:
      'Open the service dashboard and the Error Rate panel; find the failing operation in phoenix_service_requests_total{status=~"5.."} by method; follow a failing trace in Jaeger (the innermost error span names the culprit); roll back the last deploy or fail over the failing dependency.',
    receivers: RECEIVERS_BY_SEVERITY.warning,
    phase: 2,
    source: 'seed-003',
    trigger: { service: 'data-router', fault: 'error-rate', params: { rate: 0.2 } },
    outputLabels: ['service'],
  },
  {
    alert: 'CircuitBreakerOpen',
    expr: 'phoenix_circuit_breaker_state{} == 1',
    for: '5m',
    severity: 'warning',
    labels: {},
    annotations: {
      summary: 'Circuit breaker open on {{ $labels.service }}',
      description: 'Circuit breaker for {{ $labels.service }} has been open for at least 5 minutes',
    },
    runbook:
      '`service` is the downstream service the breaker guards and `instance` the caller. Check that service: is it up, erroring or slow (its dashboard)? Fix or scale it; the breaker half-opens and closes by itself once calls succeed.',
    receivers: RECEIVERS_BY_SEVERITY.warning,
    phase: 2,
    source: 'seed-003',
    // The orchestrator's breaker toward reflection, its flow's last call: the 503s it fails fast with
    // raise no drilled alert's signal (a breaker on data-router would raise HighErrorRate's) and cut
    // no other service's traffic (validators/alert-drills/signals.ts).
    trigger: {
      service: 'orchestrator-service',
      fault: 'circuit-breaker-open',
      params: { target: 'reflection' },
    },
    outputLabels: ['service', 'instance', 'job'],
  },
  {
    alert: 'SlowResponseTime',
    expr: 'histogram_quantile(0.95, sum(rate(phoenix_service_request_duration_seconds_bucket[5m])) by (service, le)) > 2',
    for: '10m',
    severity: 'warning',
    labels: {},
    annotations: {
      summary: 'Slow response time on {{ $labels.service }}',
      description: 'P95 response time for {{ $labels.service }} is above 2 seconds for 10 minutes',
    },
    runbook:
      "Compare the service's p95 with its dependencies' (Service Performance dashboard): a slow dependency slows every caller. Look at the slowest traces in Jaeger for the span that grew; check saturation (active connections, CPU, LLM queue depth).",
    receivers: RECEIVERS_BY_SEVERITY.warning,
    phase: 2,
    source: 'seed-003',
    trigger: { service: 'llm-service', fault: 'latency', params: { ms: 2500 } },
    outputLabels: ['service'],
  },
  {
    alert: 'ServiceDown',
    expr: 'up{job="phoenix-services"} == 0',
    for: '1m',
    severity: 'critical',
    labels: {},
    annotations: {
      summary: 'Phoenix service target {{ $labels.instance }} is down',
      description:
        'Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for at least 1 minute',
    },
    runbook:
      'Find which service listens on the instance (System Overview, Service Health); check its process or pod, its logs in Loki and its /healthz; restart it. Callers will open their circuit breakers toward it meanwhile.',
    receivers: RECEIVERS_BY_SEVERITY.critical,
    phase: 2,
    source: 'harness',
    trigger: { service: 'reflection', fault: 'down', params: {} },
    outputLabels: ['instance', 'job'],
  },
  {
    alert: 'ErrorBudgetBurn',
    expr: BURN_RATE_ALERTS.map(burnCondition).join(' or '),
    for: '2m',
    severity: 'critical',
    labels: {},
    annotations: {
      summary: 'Error budget of {{ $labels.service }} is burning fast',
      description: `{{ $labels.service }} spends its ${AVAILABILITY_SLO.window} error budget (availability SLO ${AVAILABILITY_SLO.objective * 100}%) {{ $value | humanize }} times faster than sustainable`,
    },
    runbook:
      'At 14.4x the whole 30-day budget is gone in about 2 days, at 6x in 5 days. Treat as an outage: find the failing operation (HighErrorRate runbook), stop risky deploys, and record the budget spent on the SLO Monitoring dashboard.',
    receivers: RECEIVERS_BY_SEVERITY.critical,
    phase: 3,
    source: 'harness',
    trigger: { service: 'executor', fault: 'error-rate', params: { rate: 0.2 } },
    outputLabels: ['service'],
  },
  {
    alert: 'SafetyBlockedRequestSpike',
    expr: `sum by (reason) (rate(phoenix_safety_blocked_requests_total[5m])) / ignoring (reason) group_left sum(rate(phoenix_safety_requests_total[5m])) > ${SAFETY_BLOCKED_RATIO_THRESHOLD}`,
    for: '5m',
    severity: 'warning',
    labels: {},
    annotations: {
      summary: 'Safety service blocking many requests for {{ $labels.reason }}',
      description: `{{ $value | humanizePercentage }} of safety checks were blocked for reason {{ $labels.reason }} over 5 minutes (threshold: ${SAFETY_BLOCKED_RATIO_THRESHOLD * 100}%)`,
    },
    runbook:
      "Either an attack or abuse wave (check the blocked requests' sources and correlation ids in Loki) or a safety policy/model regression (check recent safety-service deploys and phoenix_safety_false_positives_total). Roll back a regression; escalate an attack to security.",
    receivers: RECEIVERS_BY_SEVERITY.warning,
    phase: 3,
    source: 'harness',
    trigger: {
      service: 'safety-service',
      fault: 'block-requests',
      params: { rate: 0.5, reason: 'policy_violation' },
    },
    outputLabels: ['reason'],
  },
  {
    alert: 'LLMCostRate',
    expr: `sum by (model) (rate(phoenix_llm_cost_dollars_total[5m])) * 3600 > ${LLM_COST_ALERT_DOLLARS_PER_HOUR}`,
    for: '10m',
    severity: 'warning',
    labels: {},
    annotations: {
      summary: 'LLM spend on {{ $labels.model }} is high',
      description: `LLM cost for model {{ $labels.model }} runs at \${{ $value | humanize }}/h (threshold: $${LLM_COST_ALERT_DOLLARS_PER_HOUR}/h)`,
    },
    runbook:
      'Check the Business Metrics dashboard: more traffic, longer prompts (token usage ratio), a cache-hit drop, or requests routed to a pricier model? Rate-limit the caller or switch the route to a cheaper model.',
    receivers: RECEIVERS_BY_SEVERITY.warning,
    phase: 3,
    source: 'harness',
    trigger: { service: 'llm-service', fault: 'expensive-model', params: { factor: 10_000 } },
    outputLabels: ['model'],
  },
];

export function alertByName(name: string): AlertRuleDef | undefined {
  return ALERT_RULES.find((a) => a.alert === name);
}

export function recordingRuleByName(name: string): RecordingRuleDef | undefined {
  return RECORDING_RULES.find((r) => r.record === name);
}

export const DEFAULT_RULE_GROUP = SERVICE_RULES;

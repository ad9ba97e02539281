/**
 * The Grafana dashboards: seed 003's four ("Dashboards") and seed 000's service dashboards (the
 * validation script's uids and phase 2's "LLM Service" and "KB Services"). Panel queries use only
 * catalog metrics, recording rules and `up` (Logs panels: Loki's `service` label); a dashboard uses
 * only what its phase has. Rendered to stack/grafana/dashboards/<uid>.json by generate-dashboards.ts.
 */
import type { DashboardDef, PanelDef, ServiceName } from './types.ts';

/** The panels seed 000's validation script requires on system-overview, orchestrator-service and data-router-service. */
export const SEED_REQUIRED_PANELS = ['Service Health', 'Error Rate', 'Request Volume'] as const;

const prom = (expr: string, legend?: string) =>
  legend === undefined
    ? ({ expr, datasource: 'prometheus' } as const)
    : ({ expr, legend, datasource: 'prometheus' } as const);

const p95 = (metric: string, by: string) =>
  `histogram_quantile(0.95, sum by (${by}, le) (rate(${metric}_bucket[5m])))`;

/** The three required panels for one service (or a regex of services). */
function serviceHealthPanels(selector: string, volume: PanelDef['queries']): PanelDef[] {
  const matchers = selector ? `{${selector}}` : '';
  return [
    {
      title: 'Service Health',
      queries: [prom(`phoenix:service_up:max${matchers}`, '{{service}}')],
      kind: 'stat',
      unit: 'bool_on_off',
    },
    {
      title: 'Error Rate',
      queries: [prom(`phoenix:error_rate:ratio_rate5m${matchers}`, '{{service}}')],
      kind: 'timeseries',
      unit: 'percentunit',
    },
    { title: 'Request Volume', queries: volume, kind: 'timeseries', unit: 'reqps' },
  ];
}

const only = (service: ServiceName) => `service="${service}"`;

/** The service's log lines in Loki (indexed by `service`); trace ids in them link to Jaeger. */
const logsPanel = (selector: string): PanelDef => ({
  title: 'Logs',
  queries: [{ expr: `{${selector}}`, datasource: 'loki' }],
  kind: 'logs',
});

const SYSTEM_OVERVIEW: DashboardDef = {
  uid: 'system-overview',
  title: 'Phoenix System Overview',
  tags: ['phoenix', 'overview'],
  phase: 1,
  requiredPanels: SEED_REQUIRED_PANELS,
  panels: [
    ...serviceHealthPanels('', [
      prom('sum by (service) (rate(phoenix_service_requests_total[5m]))', '{{service}}'),
    ]),
    {
      // Process metrics (catalog source 'harness'): CPU and memory of every service from phase 1 on.
      title: 'Resource Utilization',
      queries: [prom('rate(process_cpu_seconds_total{job="phoenix-services"}[5m])', '{{instance}}')],
      kind: 'timeseries',
      unit: 'percentunit',
    },
    {
      title: 'Memory',
      queries: [prom('process_resident_memory_bytes{job="phoenix-services"}', '{{instance}}')],
      kind: 'timeseries',
      unit: 'bytes',
    },
    {
      title: 'Active Connections',
      queries: [prom('sum by (service) (phoenix_service_connections_active)', '{{service}}')],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'Circuit Breaker Status',
      queries: [prom('max by (service) (phoenix_circuit_breaker_state)', '{{service}}')],
      kind: 'stat',
      unit: 'short',
    },
  ],
};

const ORCHESTRATOR: DashboardDef = {
  uid: 'orchestrator-service',
  title: 'Phoenix Orchestrator Service',
  tags: ['phoenix', 'service'],
  phase: 1,
  requiredPanels: SEED_REQUIRED_PANELS,
  panels: [
    ...serviceHealthPanels(only('orchestrator-service'), [
      prom(
        'sum by (method, status) (rate(phoenix_orchestrator_requests_total[5m]))',
        '{{method}} {{status}}',
      ),
    ]),
    {
      title: 'Latency p95 by Operation',
      queries: [prom(p95('phoenix_orchestrator_request_duration_seconds', 'method'), '{{method}}')],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Plan Execution Duration p95',
      queries: [prom(p95('phoenix_orchestrator_plan_execution_duration_seconds', 'status'), '{{status}}')],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Errors by Type',
      queries: [
        prom(
          'sum by (method, error_type) (rate(phoenix_orchestrator_errors_total[5m]))',
          '{{method}} {{error_type}}',
        ),
      ],
      kind: 'timeseries',
      unit: 'reqps',
    },
    {
      title: 'Downstream Calls',
      queries: [
        prom(
          'sum by (service, status) (rate(phoenix_orchestrator_route_requests_total[5m]))',
          '{{service}} {{status}}',
        ),
      ],
      kind: 'timeseries',
      unit: 'reqps',
    },
    {
      title: 'Circuit Breakers',
      queries: [prom('max by (service) (phoenix_orchestrator_circuit_breaker_state)', '{{service}}')],
      kind: 'stat',
      unit: 'short',
    },
    logsPanel(only('orchestrator-service')),
  ],
};

const DATA_ROUTER: DashboardDef = {
  uid: 'data-router-service',
  title: 'Phoenix Data Router Service',
  tags: ['phoenix', 'service'],
  phase: 1,
  requiredPanels: SEED_REQUIRED_PANELS,
  panels: [
    ...serviceHealthPanels(only('data-router'), [
      prom(
        'sum by (target_service, status) (rate(phoenix_data_router_requests_total[5m]))',
        '{{target_service}} {{status}}',
      ),
    ]),
    {
      title: 'Routing Latency p95 by Target',
      queries: [
        prom(p95('phoenix_data_router_route_duration_seconds', 'target_service'), '{{target_service}}'),
      ],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Downstream Latency p95 by Target and Status',
      queries: [
        prom(
          p95('phoenix_data_router_latency_seconds', 'target_service, status'),
          '{{target_service}} {{status}}',
        ),
      ],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Circuit Breaker Trips',
      queries: [
        prom(
          'sum by (service) (increase(phoenix_data_router_circuit_breaker_trips_total[1h]))',
          '{{service}}',
        ),
      ],
      kind: 'bargauge',
      unit: 'short',
    },
    {
      title: 'Circuit Breakers',
      queries: [
        prom(
          'max by (service) (phoenix_circuit_breaker_state and on (instance) phoenix_service_connections_active{service="data-router"})',
          '{{service}}',
        ),
      ],
      kind: 'stat',
      unit: 'short',
    },
    logsPanel(only('data-router')),
  ],
};

const SERVICE_PERFORMANCE: DashboardDef = {
  uid: 'service-performance',
  title: 'Phoenix Service Performance',
  tags: ['phoenix', 'performance'],
  phase: 2,
  requiredPanels: [],
  panels: [
    {
      title: 'Request Latency Histogram',
      queries: [prom('sum by (le) (rate(phoenix_service_request_duration_seconds_bucket[5m]))', '{{le}}')],
      kind: 'heatmap',
      unit: 's',
    },
    {
      title: 'Latency p95 by Service',
      queries: [prom(p95('phoenix_service_request_duration_seconds', 'service'), '{{service}}')],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Throughput by Service',
      queries: [prom('sum by (service) (rate(phoenix_service_requests_total[5m]))', '{{service}}')],
      kind: 'timeseries',
      unit: 'reqps',
    },
    {
      // "Endpoint" = service + operation: the middleware's `method` label is the operation.
      title: 'Error Rates by Endpoint',
      queries: [
        prom(
          'sum by (service, method) (rate(phoenix_service_requests_total{status=~"5.."}[5m])) / sum by (service, method) (rate(phoenix_service_requests_total[5m]))',
          '{{service}} {{method}}',
        ),
      ],
      kind: 'timeseries',
      unit: 'percentunit',
    },
    {
      title: 'Resource Usage',
      queries: [
        prom('rate(process_cpu_seconds_total{job="phoenix-services"}[5m])', 'cpu {{instance}}'),
        prom('sum by (service) (phoenix_service_connections_active)', 'connections {{service}}'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      // The seed's "Database performance": the KBs (vector stores) are Phoenix's databases.
      title: 'Database Performance',
      queries: [
        prom(p95('phoenix_kb_query_duration_seconds', 'kb'), 'query p95 {{kb}}'),
        prom(p95('phoenix_kb_vector_search_duration_seconds', 'kb_name'), 'vector search p95 {{kb_name}}'),
      ],
      kind: 'timeseries',
      unit: 's',
    },
  ],
};

const LLM_SERVICE: DashboardDef = {
  uid: 'llm-service',
  title: 'Phoenix LLM Service',
  tags: ['phoenix', 'service'],
  phase: 2,
  requiredPanels: [],
  panels: [
    ...serviceHealthPanels(only('llm-service'), [
      prom('sum by (model, status) (rate(phoenix_llm_requests_total[5m]))', '{{model}} {{status}}'),
    ]),
    {
      title: 'Generation Duration p95 by Model',
      queries: [prom(p95('phoenix_llm_generation_duration_seconds', 'model'), '{{model}}')],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Tokens by Model and Operation',
      queries: [
        prom('sum by (model, operation) (rate(phoenix_llm_tokens_total[5m]))', '{{model}} {{operation}}'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'Queue Depth',
      queries: [prom('sum by (priority) (phoenix_llm_queue_depth)', '{{priority}}')],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'Embedding Dimensions',
      queries: [prom('max by (model) (phoenix_llm_embedding_dimensions)', '{{model}}')],
      kind: 'stat',
      unit: 'short',
    },
    logsPanel(only('llm-service')),
  ],
};

const KB_SELECTOR = 'service=~".+-kb"';

const KB_SERVICES_DASHBOARD: DashboardDef = {
  uid: 'kb-services',
  title: 'Phoenix Knowledge Base Services',
  tags: ['phoenix', 'service'],
  phase: 2,
  requiredPanels: [],
  panels: [
    ...serviceHealthPanels(KB_SELECTOR, [
      prom('sum by (kb, status) (rate(phoenix_kb_queries_total[5m]))', '{{kb}} {{status}}'),
    ]),
    {
      title: 'Query Latency p95 by KB',
      queries: [prom(p95('phoenix_kb_query_duration_seconds', 'kb, operation'), '{{kb}} {{operation}}')],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Vector Search Duration p95',
      queries: [prom(p95('phoenix_kb_vector_search_duration_seconds', 'kb_name'), '{{kb_name}}')],
      kind: 'timeseries',
      unit: 's',
    },
    {
      title: 'Vector Store Operations',
      queries: [
        prom(
          'sum by (instance, operation) (rate(phoenix_kb_vector_operations_total[5m]))',
          '{{instance}} {{operation}}',
        ),
      ],
      kind: 'timeseries',
      unit: 'ops',
    },
    logsPanel(KB_SELECTOR),
  ],
};

const BUSINESS_METRICS: DashboardDef = {
  uid: 'business-metrics',
  title: 'Phoenix Business Metrics',
  tags: ['phoenix', 'business'],
  phase: 3,
  requiredPanels: [],
  panels: [
    {
      title: 'LLM Token Usage',
      queries: [
        prom('sum by (model, token_type) (rate(phoenix_llm_tokens_total[5m]))', '{{model}} {{token_type}}'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'LLM Cost per Hour',
      queries: [prom('sum by (model) (rate(phoenix_llm_cost_dollars_total[5m])) * 3600', '{{model}}')],
      kind: 'timeseries',
      unit: 'currencyUSD',
    },
    {
      title: 'Token Usage Ratio and Cache Hits',
      queries: [
        prom('max by (model) (phoenix_llm_token_usage_ratio)', 'prompt/completion {{model}}'),
        prom('max(phoenix_llm_cache_hit_ratio)', 'cache hit ratio'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'Vector Search Effectiveness',
      queries: [
        prom(
          'histogram_quantile(0.5, sum by (kb_name, le) (rate(phoenix_kb_top_match_similarity_bucket[5m])))',
          'top match median {{kb_name}}',
        ),
        prom(
          'sum by (kb_name) (rate(phoenix_kb_search_results_count_sum[5m])) / sum by (kb_name) (rate(phoenix_kb_search_results_count_count[5m]))',
          'results per search {{kb_name}}',
        ),
        prom(
          'histogram_quantile(0.5, sum by (le) (rate(phoenix_kb_similarity_score_bucket[5m])))',
          'match similarity median',
        ),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'KB Sizes',
      queries: [prom('max by (kb) (phoenix_kb_size_entries)', '{{kb}}')],
      kind: 'bargauge',
      unit: 'short',
    },
    {
      title: 'Plan Generation Statistics',
      queries: [
        prom(
          'histogram_quantile(0.95, sum by (le) (rate(phoenix_orchestrator_plan_generation_duration_seconds_bucket[5m])))',
          'generation p95 (s)',
        ),
        prom(
          'sum(rate(phoenix_orchestrator_plan_steps_sum[5m])) / sum(rate(phoenix_orchestrator_plan_steps_count[5m]))',
          'steps per plan',
        ),
        prom('sum by (status) (rate(phoenix_orchestrator_plans_total[5m]))', 'plans {{status}}'),
        prom('sum(rate(phoenix_orchestrator_reflection_operations_total[5m]))', 'reflections'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'Safety Checks Statistics',
      queries: [
        prom('sum by (result) (rate(phoenix_orchestrator_ethics_checks_total[5m]))', 'ethics {{result}}'),
        prom('sum by (reason) (rate(phoenix_safety_blocked_requests_total[5m]))', 'blocked {{reason}}'),
        prom('sum by (level) (rate(phoenix_safety_risk_level_total[5m]))', 'risk {{level}}'),
        prom('sum(rate(phoenix_safety_false_positives_total[5m]))', 'false positives'),
      ],
      kind: 'timeseries',
      unit: 'reqps',
    },
    {
      title: 'Routing and Language Mix',
      queries: [
        prom('sum by (service) (rate(phoenix_data_router_routes_total[5m]))', 'route {{service}}'),
        prom(
          'sum by (language) (rate(phoenix_data_router_language_detection_total[5m]))',
          'lang {{language}}',
        ),
      ],
      kind: 'timeseries',
      unit: 'reqps',
    },
    {
      title: 'Executor Resources and Sandbox',
      queries: [
        prom('max by (resource, unit) (phoenix_executor_resource_usage)', '{{resource}} ({{unit}})'),
        prom('sum by (type) (rate(phoenix_executor_sandbox_violations_total[5m]))', 'violations {{type}}'),
        prom('sum by (kb) (rate(phoenix_kb_pruning_operations_total[5m]))', 'pruning {{kb}}'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
  ],
};

const SLO_MONITORING: DashboardDef = {
  uid: 'slo-monitoring',
  title: 'Phoenix SLO Monitoring',
  tags: ['phoenix', 'slo'],
  phase: 3,
  requiredPanels: [],
  panels: [
    {
      title: 'Availability',
      queries: [prom('phoenix:availability:ratio', '{{service}}')],
      kind: 'timeseries',
      unit: 'percentunit',
    },
    {
      title: 'Latency SLO Compliance',
      queries: [prom('phoenix:latency_slo:ratio_rate5m', '{{service}}')],
      kind: 'timeseries',
      unit: 'percentunit',
    },
    {
      title: 'Error Budget Remaining',
      queries: [prom('phoenix:error_budget:remaining:ratio', '{{service}}')],
      kind: 'bargauge',
      unit: 'percentunit',
    },
    {
      title: 'Error Budget Burn Rate',
      queries: [
        prom('phoenix:error_budget:burn_rate1h', '1h {{service}}'),
        prom('phoenix:error_budget:burn_rate6h', '6h {{service}}'),
      ],
      kind: 'timeseries',
      unit: 'short',
    },
    {
      title: 'Apdex',
      queries: [prom('phoenix:apdex:ratio', '{{service}}')],
      kind: 'gauge',
      unit: 'percentunit',
    },
  ],
};

export const DASHBOARDS: readonly DashboardDef[] = [
  SYSTEM_OVERVIEW,
  ORCHESTRATOR,
  DATA_ROUTER,
  SERVICE_PERFORMANCE,
  LLM_SERVICE,
  KB_SERVICES_DASHBOARD,
  BUSINESS_METRICS,
  SLO_MONITORING,
];

/** Repository-relative directory of the generated dashboard files (flat: one `<uid>.json` each). */
export const DASHBOARDS_DIR = 'stack/grafana/dashboards';

/** Repository-relative path of one dashboard's JSON file. */
export const dashboardFile = (uid: string): string => `${DASHBOARDS_DIR}/${uid}.json`;

export function dashboardByUid(uid: string): DashboardDef | undefined {
  return DASHBOARDS.find((d) => d.uid === uid);
}

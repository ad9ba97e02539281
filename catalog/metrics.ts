/**
 * Every metric Phoenix must emit: seed 003's per-service catalog and implementation examples, seed
 * 000's service-specific metrics, the standard HTTP middleware and circuit-breaker metrics, and the
 * few the harness adds (source 'harness'). Histograms are listed by base name.
 *
 * Label value conventions (seed 003, "Custom Metadata Labels": `status` = "status code or result"):
 * - `status` on anything that counts or times an HTTP exchange (served or made) is the HTTP status
 *   code as a string: HTTP_STATUS_CODES;
 * - `status` on a domain outcome that is not one exchange (a plan, a plan execution, a container
 *   operation) is "success" | "failure", as seed 000 writes for plan execution;
 * - `method` is the operation performed (SERVICE_OPERATIONS in flows.ts), not the HTTP verb.
 *
 * Decisions on the seeds' inconsistencies are written beside the metric concerned.
 */
import { callTargets, callingServices, OPERATION_NAMES, SERVICE_OPERATIONS } from './flows.ts';
import { KB_SERVICES, SERVICE_NAMES } from './types.ts';
import type { MetricDef, Phase, ServiceName } from './types.ts';

/** HTTP status codes the fleet answers (docs/fleet-api.md) plus 403 (blocked by safety) and 404. */
export const HTTP_STATUS_CODES = ['200', '400', '403', '404', '500', '503'] as const;
export const OUTCOME_STATUSES = ['success', 'failure'] as const;
export const LLM_MODELS = ['phoenix-large', 'phoenix-small', 'phoenix-embed'] as const;
export const KB_NAMES = ['mind', 'body', 'heart', 'social', 'soul'] as const;
export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export const SAFETY_BLOCK_REASONS = [
  'harmful_content',
  'policy_violation',
  'prompt_injection',
  'pii',
] as const;
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

/**
 * Latency buckets of the request-duration histograms. They must contain the seed's Apdex thresholds
 * (`le="0.3"`, `le="1.2"`) and the 2 s of SlowResponseTime and the latency SLO, or those rules are empty.
 */
export const REQUEST_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 1.2, 2, 5, 10,
] as const;

/** prometheus::exponential_buckets(start, factor, count), rounded so `le` labels print cleanly. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((start * factor ** i).toPrecision(12)));
}

/** prometheus::linear_buckets(start, width, count). */
export function linearBuckets(start: number, width: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((start + width * i).toPrecision(12)));
}

const SIMILARITY_BUCKETS = linearBuckets(0.1, 0.1, 10);

/** Pricing the fleet uses to compute phoenix_llm_cost_dollars_total (mock prices, per 1000 tokens). */
export const LLM_PRICING_DOLLARS_PER_1K_TOKENS: Readonly<
  Record<(typeof LLM_MODELS)[number], { prompt: number; completion: number }>
> = {
  // Low enough that the fleet's top sustained rate (~500 LLM calls/s) stays under LLMCostRate's threshold.
  'phoenix-large': { prompt: 0.000001, completion: 0.000003 },
  'phoenix-small': { prompt: 0.0000001, completion: 0.0000003 },
  'phoenix-embed': { prompt: 0.00000001, completion: 0 },
};

const ORCHESTRATOR: readonly ServiceName[] = ['orchestrator-service'];
const DATA_ROUTER: readonly ServiceName[] = ['data-router'];
const LLM: readonly ServiceName[] = ['llm-service'];
const SAFETY: readonly ServiceName[] = ['safety-service'];
const EXECUTOR: readonly ServiceName[] = ['executor'];

const ORCHESTRATOR_TARGETS = callTargets('orchestrator-service');
const DATA_ROUTER_TARGETS = callTargets('data-router');
/** Every service some breaker guards (the `service` label of the circuit-breaker metrics). */
const BREAKER_TARGETS = SERVICE_NAMES.filter((s) =>
  callingServices().some((c) => callTargets(c).includes(s)),
);

/**
 * Standard HTTP middleware (seed 003, "Standard Middleware for HTTP Services"): all 14 services.
 * Decision: they also carry a `service` label (the exposing service's own name). The seed's recording
 * and alert rules aggregate `sum(...) by (service)`, and its scrape config (dns_sd) attaches no
 * `service` target label, so without it every rule would collapse the fleet into one series. The
 * phoenix-services scrape job must therefore NOT attach a `service` target label (it would rename
 * this one to `exported_service` and overwrite the circuit-breaker metrics' `service`).
 * Decision: the seed's middleware also counts each request with status="in_progress" before it
 * completes; that double-counts every request and halves the seed's own error rate, so it is not an
 * allowed value (phoenix_service_connections_active already says what is in flight). Requests to
 * /metrics, /healthz and /admin/* are not counted, so request accounting matches the ledger exactly.
 */
const MIDDLEWARE_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_service_requests_total',
    type: 'counter',
    help: 'Total number of requests received',
    labels: ['service', 'method', 'status'],
    allowedValues: { service: SERVICE_NAMES, method: OPERATION_NAMES, status: HTTP_STATUS_CODES },
    services: SERVICE_NAMES,
    phase: 1,
    cardinalityBudget: 30,
    source: 'middleware',
  },
  {
    name: 'phoenix_service_request_duration_seconds',
    type: 'histogram',
    help: 'Request duration in seconds',
    labels: ['service', 'method'],
    allowedValues: { service: SERVICE_NAMES, method: OPERATION_NAMES },
    unit: 'seconds',
    buckets: REQUEST_DURATION_BUCKETS,
    services: SERVICE_NAMES,
    phase: 1,
    cardinalityBudget: 60,
    source: 'middleware',
  },
  {
    name: 'phoenix_service_connections_active',
    type: 'gauge',
    help: 'Number of currently active connections',
    labels: ['service'],
    allowedValues: { service: SERVICE_NAMES },
    services: SERVICE_NAMES,
    phase: 1,
    cardinalityBudget: 1,
    source: 'middleware',
  },
];

/**
 * Seed 003, "Circuit Breaker Metrics Integration". Here `service` is the DOWNSTREAM service the
 * breaker guards (not the exposing one); exposed by every service that calls another.
 */
const CIRCUIT_BREAKER_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_circuit_breaker_state',
    type: 'gauge',
    help: 'Circuit breaker state (0=closed, 1=open, 2=half-open)',
    labels: ['service'],
    allowedValues: { service: BREAKER_TARGETS },
    services: callingServices(),
    phase: 1,
    cardinalityBudget: 10,
    source: 'circuit-breaker',
  },
  {
    name: 'phoenix_circuit_breaker_transitions_total',
    type: 'counter',
    help: 'Number of circuit breaker state transitions',
    labels: ['service', 'from_state', 'to_state'],
    allowedValues: { service: BREAKER_TARGETS, from_state: CIRCUIT_STATES, to_state: CIRCUIT_STATES },
    services: callingServices(),
    phase: 1,
    cardinalityBudget: 60,
    source: 'circuit-breaker',
    presence: 'on-event',
  },
];

const ORCHESTRATOR_OPS = SERVICE_OPERATIONS['orchestrator-service'].map((o) => o.name);

const ORCHESTRATOR_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_orchestrator_requests_total',
    type: 'counter',
    help: 'Requests handled by the orchestrator, by operation and HTTP status',
    labels: ['method', 'status'],
    allowedValues: { method: ORCHESTRATOR_OPS, status: HTTP_STATUS_CODES },
    services: ORCHESTRATOR,
    phase: 1,
    cardinalityBudget: 18,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_request_duration_seconds',
    type: 'histogram',
    help: 'Orchestrator request latency in seconds, by operation',
    labels: ['method'],
    allowedValues: { method: ORCHESTRATOR_OPS },
    unit: 'seconds',
    buckets: REQUEST_DURATION_BUCKETS,
    services: ORCHESTRATOR,
    phase: 1,
    cardinalityBudget: 60,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_errors_total',
    type: 'counter',
    help: 'Orchestrator errors by operation and error type',
    labels: ['method', 'error_type'],
    allowedValues: {
      method: ORCHESTRATOR_OPS,
      error_type: ['validation', 'upstream_error', 'timeout', 'circuit_open', 'ethics_denied'],
    },
    services: ORCHESTRATOR,
    phase: 1,
    cardinalityBudget: 15,
    source: 'seed-003',
    presence: 'on-event',
  },
  {
    // Kept although it mirrors phoenix_circuit_breaker_state for the orchestrator's breakers: seed 003
    // lists it as an orchestrator core metric, and its dashboard shows it without a join.
    name: 'phoenix_orchestrator_circuit_breaker_state',
    type: 'gauge',
    help: "State of the orchestrator's circuit breakers by downstream service (0=closed, 1=open, 2=half-open)",
    labels: ['service'],
    allowedValues: { service: ORCHESTRATOR_TARGETS },
    services: ORCHESTRATOR,
    phase: 1,
    cardinalityBudget: 10,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_plan_execution_duration_seconds',
    type: 'histogram',
    help: 'Duration of plan execution in seconds',
    labels: ['status'],
    allowedValues: { status: OUTCOME_STATUSES },
    unit: 'seconds',
    buckets: exponentialBuckets(0.05, 2, 10),
    services: ORCHESTRATOR,
    phase: 1,
    cardinalityBudget: 26,
    source: 'seed-000',
  },
  {
    // status is the HTTP status of the orchestrator's call to `service` (503 when its breaker is open).
    name: 'phoenix_orchestrator_route_requests_total',
    type: 'counter',
    help: 'Number of route requests from the orchestrator to each downstream service',
    labels: ['service', 'status'],
    allowedValues: { service: ORCHESTRATOR_TARGETS, status: HTTP_STATUS_CODES },
    services: ORCHESTRATOR,
    phase: 1,
    cardinalityBudget: 40,
    source: 'seed-000',
  },
  {
    name: 'phoenix_orchestrator_plans_total',
    type: 'counter',
    help: 'Plans generated, by outcome',
    labels: ['status'],
    allowedValues: { status: OUTCOME_STATUSES },
    services: ORCHESTRATOR,
    phase: 3,
    cardinalityBudget: 2,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_ethics_checks_total',
    type: 'counter',
    help: 'Total number of ethics checks performed',
    labels: ['result'],
    allowedValues: { result: ['allowed', 'denied'] },
    services: ORCHESTRATOR,
    phase: 3,
    cardinalityBudget: 2,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_reflection_operations_total',
    type: 'counter',
    help: 'Reflection operations requested by the orchestrator',
    labels: [],
    allowedValues: {},
    services: ORCHESTRATOR,
    phase: 3,
    cardinalityBudget: 1,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_plan_generation_duration_seconds',
    type: 'histogram',
    help: 'Time taken to generate an execution plan',
    labels: [],
    allowedValues: {},
    unit: 'seconds',
    buckets: exponentialBuckets(0.1, 2, 10),
    services: ORCHESTRATOR,
    phase: 3,
    cardinalityBudget: 13,
    source: 'seed-003',
  },
  {
    name: 'phoenix_orchestrator_plan_steps',
    type: 'histogram',
    help: 'Number of steps in generated plans',
    labels: [],
    allowedValues: {},
    buckets: linearBuckets(1, 1, 20),
    services: ORCHESTRATOR,
    phase: 3,
    cardinalityBudget: 23,
    source: 'seed-003',
  },
];

/**
 * Seed 003 names data-router's routing latency phoenix_data_router_route_duration_seconds and seed 000
 * names one phoenix_data_router_latency_seconds{target_service,status}: both are kept, as each seed
 * writes it (the first times the routing decision and call, the second adds the outcome status).
 */
const DATA_ROUTER_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_data_router_requests_total',
    type: 'counter',
    help: 'Routing requests by target service and HTTP status of the routed call',
    labels: ['target_service', 'status'],
    allowedValues: { target_service: DATA_ROUTER_TARGETS, status: HTTP_STATUS_CODES },
    services: DATA_ROUTER,
    phase: 1,
    cardinalityBudget: 36,
    source: 'seed-003',
  },
  {
    name: 'phoenix_data_router_route_duration_seconds',
    type: 'histogram',
    help: 'Routing latency in seconds by target service',
    labels: ['target_service'],
    allowedValues: { target_service: DATA_ROUTER_TARGETS },
    unit: 'seconds',
    buckets: exponentialBuckets(0.001, 2, 10),
    services: DATA_ROUTER,
    phase: 1,
    cardinalityBudget: 78,
    source: 'seed-003',
  },
  {
    name: 'phoenix_data_router_latency_seconds',
    type: 'histogram',
    help: 'Latency of routing requests',
    labels: ['target_service', 'status'],
    allowedValues: { target_service: DATA_ROUTER_TARGETS, status: HTTP_STATUS_CODES },
    unit: 'seconds',
    buckets: exponentialBuckets(0.001, 2, 10),
    services: DATA_ROUTER,
    phase: 1,
    cardinalityBudget: 468,
    source: 'seed-000',
  },
  {
    name: 'phoenix_data_router_circuit_breaker_trips_total',
    type: 'counter',
    help: "Times one of data-router's circuit breakers opened, by target service",
    labels: ['service'],
    allowedValues: { service: DATA_ROUTER_TARGETS },
    services: DATA_ROUTER,
    phase: 1,
    cardinalityBudget: 6,
    source: 'seed-003',
    presence: 'on-event',
  },
  {
    name: 'phoenix_data_router_routes_total',
    type: 'counter',
    help: 'Route distribution: requests routed to each service',
    labels: ['service'],
    allowedValues: { service: DATA_ROUTER_TARGETS },
    services: DATA_ROUTER,
    phase: 3,
    cardinalityBudget: 6,
    source: 'seed-003',
  },
  {
    name: 'phoenix_data_router_language_detection_total',
    type: 'counter',
    help: 'Language detections on routed queries',
    labels: ['language'],
    allowedValues: { language: ['en', 'es', 'fr', 'de', 'other'] },
    services: DATA_ROUTER,
    phase: 3,
    cardinalityBudget: 5,
    source: 'seed-003',
  },
];

const LLM_OPERATIONS = ['plan', 'generate', 'embed'] as const;

const LLM_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_llm_requests_total',
    type: 'counter',
    help: 'LLM requests by model and HTTP status',
    labels: ['model', 'status'],
    allowedValues: { model: LLM_MODELS, status: HTTP_STATUS_CODES },
    services: LLM,
    phase: 2,
    cardinalityBudget: 18,
    source: 'seed-003',
  },
  {
    // Seed inconsistency: {model, operation} (seed 003's catalog and seed 000's LLM section) vs
    // {model, token_type} (seed 003's track_token_usage example). Decision: carry all three labels.
    // Both seed queries are aggregations of the superset (`sum by (model, operation)`, `sum by (model,
    // token_type)`); token_type is needed for the prompt/completion ratio and cost, operation for
    // tokens per operation. Cardinality stays small: 3 models x 3 operations x 2 token types.
    name: 'phoenix_llm_tokens_total',
    type: 'counter',
    help: 'Total tokens used by LLM service, by model, operation and token type',
    labels: ['model', 'operation', 'token_type'],
    allowedValues: { model: LLM_MODELS, operation: LLM_OPERATIONS, token_type: ['prompt', 'completion'] },
    services: LLM,
    phase: 2,
    cardinalityBudget: 18,
    source: 'seed-003',
  },
  {
    name: 'phoenix_llm_generation_duration_seconds',
    type: 'histogram',
    help: 'LLM generation time in seconds by model',
    labels: ['model'],
    allowedValues: { model: LLM_MODELS },
    unit: 'seconds',
    buckets: exponentialBuckets(0.05, 2, 10),
    services: LLM,
    phase: 2,
    cardinalityBudget: 39,
    source: 'seed-003',
  },
  {
    name: 'phoenix_llm_queue_depth',
    type: 'gauge',
    help: 'Requests waiting for a model, by priority',
    labels: ['priority'],
    allowedValues: { priority: ['high', 'normal', 'low'] },
    services: LLM,
    phase: 2,
    cardinalityBudget: 3,
    source: 'seed-003',
  },
  {
    name: 'phoenix_llm_embedding_dimensions',
    type: 'gauge',
    help: 'Dimensions of generated embeddings',
    labels: ['model'],
    allowedValues: { model: LLM_MODELS },
    services: LLM,
    phase: 2,
    cardinalityBudget: 3,
    source: 'seed-000',
  },
  {
    name: 'phoenix_llm_cost_dollars_total',
    type: 'counter',
    help: 'Estimated cost of LLM API calls in dollars',
    labels: ['model'],
    allowedValues: { model: LLM_MODELS },
    unit: 'dollars',
    services: LLM,
    phase: 3,
    cardinalityBudget: 3,
    source: 'seed-003',
  },
  {
    name: 'phoenix_llm_token_usage_ratio',
    type: 'gauge',
    help: 'Prompt tokens per completion token, by model',
    labels: ['model'],
    allowedValues: { model: LLM_MODELS },
    unit: 'ratio',
    services: LLM,
    phase: 3,
    cardinalityBudget: 3,
    source: 'seed-003',
  },
  {
    name: 'phoenix_llm_cache_hit_ratio',
    type: 'gauge',
    help: 'Fraction of LLM requests answered from cache',
    labels: [],
    allowedValues: {},
    unit: 'ratio',
    services: LLM,
    phase: 3,
    cardinalityBudget: 1,
    source: 'seed-003',
  },
];

/**
 * KB metrics, exposed by each of the five *-kb services. Seed inconsistency left as written: the core
 * metrics label the KB `kb`, the vector-search examples `kb_name` (the label conventions' name). The
 * value sets are the same (KB_NAMES); a KB service sets only its own name.
 */
const KB_OPERATIONS = ['search', 'get', 'upsert'] as const;
const KB_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_kb_queries_total',
    type: 'counter',
    help: 'Knowledge base queries by KB, operation and HTTP status',
    labels: ['kb', 'operation', 'status'],
    allowedValues: { kb: KB_NAMES, operation: KB_OPERATIONS, status: HTTP_STATUS_CODES },
    services: KB_SERVICES,
    phase: 2,
    cardinalityBudget: 18,
    source: 'seed-003',
  },
  {
    name: 'phoenix_kb_query_duration_seconds',
    type: 'histogram',
    help: 'Knowledge base query latency in seconds',
    labels: ['kb', 'operation'],
    allowedValues: { kb: KB_NAMES, operation: KB_OPERATIONS },
    unit: 'seconds',
    buckets: REQUEST_DURATION_BUCKETS,
    services: KB_SERVICES,
    phase: 2,
    cardinalityBudget: 51,
    source: 'seed-003',
  },
  {
    name: 'phoenix_kb_vector_operations_total',
    type: 'counter',
    help: 'Vector store operations',
    labels: ['operation'],
    allowedValues: { operation: ['search', 'upsert', 'delete'] },
    services: KB_SERVICES,
    phase: 2,
    cardinalityBudget: 3,
    source: 'seed-003',
  },
  {
    name: 'phoenix_kb_vector_search_duration_seconds',
    type: 'histogram',
    help: 'Time taken for vector similarity search',
    labels: ['kb_name'],
    allowedValues: { kb_name: KB_NAMES },
    unit: 'seconds',
    buckets: exponentialBuckets(0.001, 2, 10),
    services: KB_SERVICES,
    phase: 2,
    cardinalityBudget: 13,
    source: 'seed-003',
  },
  {
    name: 'phoenix_kb_size_entries',
    type: 'gauge',
    help: 'Number of entries in the knowledge base',
    labels: ['kb'],
    allowedValues: { kb: KB_NAMES },
    services: KB_SERVICES,
    phase: 3,
    cardinalityBudget: 1,
    source: 'seed-003',
  },
  {
    name: 'phoenix_kb_pruning_operations_total',
    type: 'counter',
    help: 'Memory pruning operations',
    labels: ['kb'],
    allowedValues: { kb: KB_NAMES },
    services: KB_SERVICES,
    phase: 3,
    cardinalityBudget: 1,
    source: 'seed-003',
    presence: 'on-event',
  },
  {
    name: 'phoenix_kb_similarity_score',
    type: 'histogram',
    help: 'Similarity scores of all returned matches',
    labels: [],
    allowedValues: {},
    buckets: SIMILARITY_BUCKETS,
    services: KB_SERVICES,
    phase: 3,
    cardinalityBudget: 13,
    source: 'seed-003',
  },
  {
    // A histogram whose base name ends in _count (seed 003): its series are …_count_bucket,
    // …_count_sum and …_count_count. Legal, if awkward; kept as the seed names it.
    name: 'phoenix_kb_search_results_count',
    type: 'histogram',
    help: 'Number of results returned from KB searches',
    labels: ['kb_name'],
    allowedValues: { kb_name: KB_NAMES },
    buckets: [0, 1, 2, 3, 5, 8, 10, 15, 20, 50],
    services: KB_SERVICES,
    phase: 3,
    cardinalityBudget: 13,
    source: 'seed-003',
  },
  {
    name: 'phoenix_kb_top_match_similarity',
    type: 'histogram',
    help: 'Similarity score of the top match in vector search',
    labels: ['kb_name'],
    allowedValues: { kb_name: KB_NAMES },
    buckets: SIMILARITY_BUCKETS,
    services: KB_SERVICES,
    phase: 3,
    cardinalityBudget: 13,
    source: 'seed-003',
  },
];

const SAFETY_OPERATIONS = ['ethics_check', 'content_filter', 'output_validation'] as const;
const SAFETY_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_safety_requests_total',
    type: 'counter',
    help: 'Safety validation requests by operation and HTTP status',
    labels: ['operation', 'status'],
    allowedValues: { operation: SAFETY_OPERATIONS, status: HTTP_STATUS_CODES },
    services: SAFETY,
    phase: 2,
    cardinalityBudget: 18,
    source: 'seed-003',
  },
  {
    name: 'phoenix_safety_processing_duration_seconds',
    type: 'histogram',
    help: 'Safety processing time in seconds by operation',
    labels: ['operation'],
    allowedValues: { operation: SAFETY_OPERATIONS },
    unit: 'seconds',
    buckets: REQUEST_DURATION_BUCKETS,
    services: SAFETY,
    phase: 2,
    cardinalityBudget: 51,
    source: 'seed-003',
  },
  {
    name: 'phoenix_safety_blocked_requests_total',
    type: 'counter',
    help: 'Requests blocked by the safety service, by reason',
    labels: ['reason'],
    allowedValues: { reason: SAFETY_BLOCK_REASONS },
    services: SAFETY,
    phase: 3,
    cardinalityBudget: 4,
    source: 'seed-003',
    presence: 'on-event',
  },
  {
    // A counter of assessments per level despite the name's lack of a unit: kept as the seed names it.
    name: 'phoenix_safety_risk_level_total',
    type: 'counter',
    help: 'Risk assessments by level',
    labels: ['level'],
    allowedValues: { level: RISK_LEVELS },
    services: SAFETY,
    phase: 3,
    cardinalityBudget: 4,
    source: 'seed-003',
  },
  {
    name: 'phoenix_safety_false_positives_total',
    type: 'counter',
    help: 'Blocked requests later found to be false positives (when known)',
    labels: [],
    allowedValues: {},
    services: SAFETY,
    phase: 3,
    cardinalityBudget: 1,
    source: 'seed-003',
  },
];

const EXECUTOR_METRICS: readonly MetricDef[] = [
  {
    name: 'phoenix_executor_requests_total',
    type: 'counter',
    help: 'Execution requests by HTTP status',
    labels: ['status'],
    allowedValues: { status: HTTP_STATUS_CODES },
    services: EXECUTOR,
    phase: 2,
    cardinalityBudget: 6,
    source: 'seed-003',
  },
  {
    name: 'phoenix_executor_duration_seconds',
    type: 'histogram',
    help: 'Execution time in seconds by operation',
    labels: ['operation'],
    allowedValues: { operation: ['plan', 'step'] },
    unit: 'seconds',
    buckets: exponentialBuckets(0.05, 2, 10),
    services: EXECUTOR,
    phase: 2,
    cardinalityBudget: 26,
    source: 'seed-003',
  },
  {
    name: 'phoenix_executor_container_operations_total',
    type: 'counter',
    help: 'Sandbox container operations by operation and outcome',
    labels: ['operation', 'status'],
    allowedValues: { operation: ['create', 'start', 'stop', 'remove'], status: OUTCOME_STATUSES },
    services: EXECUTOR,
    phase: 2,
    cardinalityBudget: 8,
    source: 'seed-003',
  },
  {
    // The seed puts the unit in a label (Prometheus puts units in names); kept as written. Each
    // resource has one unit (cpu: cores, memory and disk: bytes), so 3 series in practice.
    name: 'phoenix_executor_resource_usage',
    type: 'gauge',
    help: 'Resources used by sandboxed executions (unit in the `unit` label)',
    labels: ['resource', 'unit'],
    allowedValues: { resource: ['cpu', 'memory', 'disk'], unit: ['cores', 'bytes'] },
    services: EXECUTOR,
    phase: 3,
    cardinalityBudget: 6,
    source: 'seed-003',
  },
  {
    name: 'phoenix_executor_sandbox_violations_total',
    type: 'counter',
    help: 'Sandbox violations by type',
    labels: ['type'],
    allowedValues: { type: ['network_access', 'filesystem_write', 'syscall', 'timeout', 'memory_limit'] },
    services: EXECUTOR,
    phase: 3,
    cardinalityBudget: 5,
    source: 'seed-003',
    presence: 'on-event',
  },
];

/**
 * Added by the harness.
 * - Process metrics: the System Overview's "Resource Utilization" panel needs CPU and memory of every
 *   service from phase 1 on. The Rust `prometheus` crate's `process` feature and prom-client's
 *   collectDefaultMetrics (into each service's own registry) both expose exactly these names. In the
 *   single-process mock fleet all 14 report the same process: a mock artefact, not a bug.
 * - phoenix_service_response_size_bytes: seed 003 gives phoenix_response_size_bytes as its histogram
 *   example; it is the middleware's response size, added in phase 4 (storage and payload tuning).
 */
const HARNESS_METRICS: readonly MetricDef[] = [
  {
    name: 'process_cpu_seconds_total',
    type: 'counter',
    help: 'Total user and system CPU time spent in seconds',
    labels: [],
    allowedValues: {},
    unit: 'seconds',
    services: SERVICE_NAMES,
    phase: 1,
    cardinalityBudget: 1,
    source: 'harness',
  },
  {
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    help: 'Resident memory size in bytes',
    labels: [],
    allowedValues: {},
    unit: 'bytes',
    services: SERVICE_NAMES,
    phase: 1,
    cardinalityBudget: 1,
    source: 'harness',
  },
  {
    name: 'phoenix_service_response_size_bytes',
    type: 'histogram',
    help: 'Response body size in bytes',
    labels: ['service', 'method'],
    allowedValues: { service: SERVICE_NAMES, method: OPERATION_NAMES },
    unit: 'bytes',
    buckets: exponentialBuckets(64, 4, 8),
    services: SERVICE_NAMES,
    phase: 4,
    cardinalityBudget: 33,
    source: 'harness',
  },
];

export const METRICS: readonly MetricDef[] = [
  ...MIDDLEWARE_METRICS,
  ...CIRCUIT_BREAKER_METRICS,
  ...ORCHESTRATOR_METRICS,
  ...DATA_ROUTER_METRICS,
  ...LLM_METRICS,
  ...KB_METRICS,
  ...SAFETY_METRICS,
  ...EXECUTOR_METRICS,
  ...HARNESS_METRICS,
];

/**
 * Seed names that are examples of the naming pattern (seed 003, "Standard Metric Types"), not
 * metrics any service registers, each with the catalog metric that covers what it illustrates.
 */
export const SEED_EXAMPLE_NAMES: Readonly<Record<string, { coveredBy: string; why: string }>> = {
  phoenix_requests_total: {
    coveredBy: 'phoenix_service_requests_total',
    why: 'the middleware request counter is the generic request count',
  },
  phoenix_errors_total: {
    coveredBy: 'phoenix_service_requests_total',
    why: 'errors are requests with status=~"5.." (a separate counter would drift from it)',
  },
  phoenix_connections_active: {
    coveredBy: 'phoenix_service_connections_active',
    why: 'the middleware gauge',
  },
  phoenix_kb_entries_count: {
    coveredBy: 'phoenix_kb_size_entries',
    why: "seed 003's KB catalog names the KB size gauge phoenix_kb_size_entries",
  },
  phoenix_request_duration_seconds: {
    coveredBy: 'phoenix_service_request_duration_seconds',
    why: 'the middleware latency histogram',
  },
  phoenix_response_size_bytes: {
    coveredBy: 'phoenix_service_response_size_bytes',
    why: "the middleware's response size histogram (harness, phase 4)",
  },
  phoenix_api_latency_seconds: {
    coveredBy: 'phoenix_service_request_duration_seconds',
    why: 'a histogram, not a summary: summary quantiles cannot be aggregated across instances',
  },
};

export function metricByName(name: string): MetricDef | undefined {
  return METRICS.find((m) => m.name === name);
}

/** Metrics exposed by any of `services`, optionally only those required by phase `upTo` or earlier. */
export function metricsForServices(services: readonly ServiceName[], upTo?: Phase): MetricDef[] {
  return METRICS.filter(
    (m) => m.services.some((s) => services.includes(s)) && (upTo === undefined || m.phase <= upTo),
  );
}

/** Metrics whose `service` label is the exposing service's own name (and `method` one of its operations). */
const SELF_LABELLED_METRICS: ReadonlySet<string> = new Set([
  ...MIDDLEWARE_METRICS.map((m) => m.name),
  'phoenix_service_response_size_bytes',
]);

const isKbService = (s: ServiceName): boolean => (KB_SERVICES as readonly ServiceName[]).includes(s);

/**
 * The values `label` of `def` may take on one exposing service: narrower than `allowedValues` where
 * the service fixes them (its own name, its KB's name, its operations, the targets of its breakers).
 * Undefined when the label is free-form.
 */
export function allowedValuesOn(
  def: MetricDef,
  label: string,
  service: ServiceName,
): readonly string[] | undefined {
  if (SELF_LABELLED_METRICS.has(def.name)) {
    if (label === 'service') return [service];
    if (label === 'method') return SERVICE_OPERATIONS[service].map((o) => o.name);
  }
  if ((label === 'kb' || label === 'kb_name') && isKbService(service)) return [service.replace(/-kb$/, '')];
  if (label === 'service' && def.source === 'circuit-breaker') return callTargets(service);
  return def.allowedValues[label];
}

/**
 * Most series one service can expose for `def` if every label takes only allowed values: the
 * product of the value-set sizes (times buckets + `+Inf` + `_sum` + `_count` for a histogram), over
 * the worst exposing service. Undefined when a label has no bounded set.
 */
export function maxSeriesPerService(def: MetricDef): number | undefined {
  let worst = 0;
  for (const service of def.services) {
    let combos = 1;
    for (const label of def.labels) {
      const values = allowedValuesOn(def, label, service);
      if (!values) return undefined;
      combos *= values.length;
    }
    worst = Math.max(worst, combos);
  }
  const perCombo = def.type === 'histogram' ? (def.buckets?.length ?? 0) + 3 : 1;
  return worst * perCombo;
}

/** Every label name a catalog metric sets: a scrape job's target labels must avoid these. */
export function catalogLabelNames(): string[] {
  return [...new Set(METRICS.flatMap((m) => m.labels))].sort();
}

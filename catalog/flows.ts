/**
 * The request flows of the mock fleet (docs/fleet-api.md, "Entry points") as the traces they must
 * produce.
 *
 * Call topology: the arrows in docs/fleet-api.md give the order of calls. The orchestrator makes
 * each call itself (it orchestrates), except that data-router calls the KBs and tools-service
 * (routing to them is data-router's job).
 *
 * Span naming convention (OpenTelemetry HTTP semantic conventions, low cardinality):
 * - SERVER span: `<METHOD> <route>`, e.g. `POST /api/process`, `POST /internal/ethics_check`;
 * - CLIENT span of an outgoing call: `call <target service>`, e.g. `call llm-service`, so a broken
 *   hop can be named from the span alone.
 * Every span carries `correlation.id`; server spans carry the HTTP request attributes, client spans
 * `peer.service`.
 */
import { KB_SERVICES, SERVICE_NAMES } from './types.ts';
import type { FlowDef, FlowName, ServiceName, SpanDef } from './types.ts';

/** One operation a service serves: `name` is the `method` label of its request metrics. */
export interface OperationDef {
  name: string;
  path: string;
}

/**
 * The operations each service serves. Orchestrator operations are the entry points; the others are
 * `POST /internal/<name>`. The operation name is the `method` label of the middleware metrics (seed
 * 003's label conventions: "`method`: Operation being performed"), not the HTTP verb, which is
 * always POST here and would make "error rates by endpoint" meaningless.
 */
export const SERVICE_OPERATIONS: Readonly<Record<ServiceName, readonly OperationDef[]>> = {
  'orchestrator-service': [
    { name: 'plan_and_execute', path: '/api/process' },
    { name: 'kb_query', path: '/api/kb/query' },
    { name: 'llm_generate', path: '/api/llm/generate' },
  ],
  'data-router': [internal('route')],
  'llm-service': [internal('plan'), internal('generate')],
  'tools-service': [internal('invoke')],
  'safety-service': [internal('ethics_check')],
  // Not called by any flow: the seed names it in the scrape config only.
  'logging-service': [internal('ingest')],
  executor: [internal('execute')],
  'mind-kb': [internal('query')],
  'body-kb': [internal('query')],
  'heart-kb': [internal('query')],
  'social-kb': [internal('query')],
  'soul-kb': [internal('query')],
  'context-manager': [internal('context')],
  reflection: [internal('reflect')],
};

function internal(name: string): OperationDef {
  return { name, path: `/internal/${name}` };
}

/** Every operation name any service serves (the bounded value set of the middleware `method` label). */
export const OPERATION_NAMES: readonly string[] = [
  ...new Set(SERVICE_NAMES.flatMap((s) => SERVICE_OPERATIONS[s].map((o) => o.name))),
];

export const SERVER_SPAN_ATTRIBUTES = [
  'correlation.id',
  'http.request.method',
  'http.route',
  'http.response.status_code',
] as const;
export const CLIENT_SPAN_ATTRIBUTES = ['correlation.id', 'peer.service', 'http.request.method'] as const;

export function serverSpan(service: ServiceName, path: string): SpanDef {
  return { service, name: `POST ${path}`, kind: 'server', requiredAttributes: SERVER_SPAN_ATTRIBUTES };
}

export function clientSpan(from: ServiceName, to: ServiceName): SpanDef {
  return { service: from, name: `call ${to}`, kind: 'client', requiredAttributes: CLIENT_SPAN_ATTRIBUTES };
}

/** Path of a service's operation; throws on a typo so the catalog cannot name a route nobody serves. */
function opPath(service: ServiceName, operation: string): string {
  const op = SERVICE_OPERATIONS[service].find((o) => o.name === operation);
  if (!op) throw new Error(`${service} serves no operation "${operation}"`);
  return op.path;
}

/** A hop with the operation the callee serves, from which both its spans are derived. */
interface CallDef {
  from: ServiceName;
  to: ServiceName;
  operation: string;
}

function spansOf(entry: ServiceName, entryOp: string, calls: readonly CallDef[]): SpanDef[] {
  const spans: SpanDef[] = [serverSpan(entry, opPath(entry, entryOp))];
  for (const c of calls) spans.push(clientSpan(c.from, c.to), serverSpan(c.to, opPath(c.to, c.operation)));
  return spans;
}

const KB_CALLS: readonly CallDef[] = KB_SERVICES.map((kb) => ({
  from: 'data-router',
  to: kb,
  operation: 'query',
}));

const PLAN_AND_EXECUTE_CALLS: readonly CallDef[] = [
  { from: 'orchestrator-service', to: 'safety-service', operation: 'ethics_check' },
  { from: 'orchestrator-service', to: 'llm-service', operation: 'plan' },
  { from: 'orchestrator-service', to: 'context-manager', operation: 'context' },
  { from: 'orchestrator-service', to: 'data-router', operation: 'route' },
  { from: 'data-router', to: 'tools-service', operation: 'invoke' },
  { from: 'orchestrator-service', to: 'executor', operation: 'execute' },
  { from: 'orchestrator-service', to: 'reflection', operation: 'reflect' },
];

const KB_QUERY_CALLS: readonly CallDef[] = [
  { from: 'orchestrator-service', to: 'data-router', operation: 'route' },
];

const LLM_GENERATE_CALLS: readonly CallDef[] = [
  { from: 'orchestrator-service', to: 'safety-service', operation: 'ethics_check' },
  { from: 'orchestrator-service', to: 'llm-service', operation: 'generate' },
];

function servicesOf(calls: readonly CallDef[]): ServiceName[] {
  return [...new Set<ServiceName>(['orchestrator-service', ...calls.flatMap((c) => [c.from, c.to])])];
}

const hopsOf = (calls: readonly CallDef[]) => calls.map(({ from, to }) => ({ from, to }));

export const FLOWS: readonly FlowDef[] = [
  {
    name: 'plan_and_execute',
    entry: { method: 'POST', path: '/api/process' },
    hops: hopsOf(PLAN_AND_EXECUTE_CALLS),
    variableHops: [
      {
        from: 'data-router',
        anyOf: KB_SERVICES,
        min: 1,
        max: KB_SERVICES.length,
        chosenBy: 'the plan: response plan.steps[].service',
      },
    ],
    services: servicesOf(PLAN_AND_EXECUTE_CALLS),
    spans: [...spansOf('orchestrator-service', 'plan_and_execute', PLAN_AND_EXECUTE_CALLS), ...kbSpans()],
    weight: 60,
    phase: 1,
    slo: { p95Ms: 1000, p99Ms: 2000, errorRate: 0.01 },
  },
  {
    name: 'kb_query',
    entry: { method: 'POST', path: '/api/kb/query' },
    hops: hopsOf(KB_QUERY_CALLS),
    variableHops: [
      { from: 'data-router', anyOf: KB_SERVICES, min: 1, max: 1, chosenBy: 'request body "kb" (`<kb>-kb`)' },
    ],
    services: servicesOf(KB_QUERY_CALLS),
    spans: [...spansOf('orchestrator-service', 'kb_query', KB_QUERY_CALLS), ...kbSpans()],
    weight: 25,
    phase: 1,
    slo: { p95Ms: 300, p99Ms: 600, errorRate: 0.01 },
  },
  {
    name: 'llm_generate',
    entry: { method: 'POST', path: '/api/llm/generate' },
    hops: hopsOf(LLM_GENERATE_CALLS),
    services: servicesOf(LLM_GENERATE_CALLS),
    spans: spansOf('orchestrator-service', 'llm_generate', LLM_GENERATE_CALLS),
    weight: 15,
    phase: 1,
    slo: { p95Ms: 800, p99Ms: 1500, errorRate: 0.01 },
  },
];

/** data-router's client span and the KB's server span, for each KB a variable hop may call. */
function kbSpans(): SpanDef[] {
  return KB_CALLS.flatMap((c) => [clientSpan(c.from, c.to), serverSpan(c.to, opPath(c.to, c.operation))]);
}

export function flowByName(name: FlowName): FlowDef {
  const flow = FLOWS.find((f) => f.name === name);
  if (!flow) throw new Error(`no flow "${name}" in the catalog`);
  return flow;
}

/** Services `from` may call in any flow (fixed and variable hops): one circuit breaker each. */
export function callTargets(from: ServiceName): ServiceName[] {
  const targets = new Set<ServiceName>();
  for (const flow of FLOWS) {
    for (const hop of flow.hops) if (hop.from === from) targets.add(hop.to);
    for (const hop of flow.variableHops ?? [])
      if (hop.from === from) hop.anyOf.forEach((t) => targets.add(t));
  }
  return SERVICE_NAMES.filter((s) => targets.has(s));
}

/** Services that call others (and so expose circuit-breaker metrics). */
export function callingServices(): ServiceName[] {
  return SERVICE_NAMES.filter((s) => callTargets(s).length > 0);
}

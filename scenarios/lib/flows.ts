/**
 * The three flows of docs/fleet-api.md: the body each sends and what a correct answer looks like.
 * Pure (no k6 modules), so Node tests exercise the checks against the mock fleet's answers.
 */
import { FLOWS, type FlowName, type ScenarioFlow } from './catalog.generated.ts';

export { FLOWS };
export type { FlowName, ScenarioFlow };

export const KBS = ['mind', 'body', 'heart', 'social', 'soul'] as const;

/** What a check sees of one answer: the status, the parsed JSON body (undefined if not JSON), and what we sent. */
export interface FlowAnswer {
  status: number;
  body: unknown;
  sent: { traceId: string; correlationId: string; kb?: string };
}

export type FlowCheck = (answer: FlowAnswer) => boolean;

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** Checks every flow's answer must pass, named as sentences about correctness. */
const COMMON_CHECKS: Readonly<Record<string, FlowCheck>> = {
  'the orchestrator answered 200': (a) => a.status === 200,
  'the response echoes our correlation id': (a) => field(a.body, 'correlation_id') === a.sent.correlationId,
  'the response carries our trace id': (a) => field(a.body, 'trace_id') === a.sent.traceId,
};

const FLOW_CHECKS: Readonly<Record<FlowName, Readonly<Record<string, FlowCheck>>>> = {
  plan_and_execute: {
    'the plan has at least one step': (a) => {
      const steps = field(field(a.body, 'plan'), 'steps');
      return Array.isArray(steps) && steps.length > 0;
    },
    'the process completed': (a) => field(a.body, 'status') === 'completed',
  },
  kb_query: {
    'the answer comes from the kb we asked': (a) => {
      const kb = field(a.body, 'kb');
      return typeof kb === 'string' && a.sent.kb !== undefined && kb.startsWith(a.sent.kb);
    },
    'the kb returned a list of results': (a) => Array.isArray(field(a.body, 'results')),
  },
  llm_generate: {
    'the model generated text': (a) => {
      const text = field(a.body, 'text');
      return typeof text === 'string' && text.length > 0;
    },
  },
};

export function checksFor(flow: FlowName): Readonly<Record<string, FlowCheck>> {
  return { ...COMMON_CHECKS, ...FLOW_CHECKS[flow] };
}

/** The request body of one flow; `pick` ∈ [0, 1) chooses variants (which kb) reproducibly in tests. */
export function flowRequest(flow: FlowName, pick: number): { body: Record<string, unknown>; kb?: string } {
  switch (flow) {
    case 'plan_and_execute':
      // The seed's k6 script: a query and free-form parameters.
      return { body: { query: 'test query for monitoring', parameters: {} } };
    case 'kb_query': {
      const kb = KBS[Math.min(KBS.length - 1, Math.floor(pick * KBS.length))] ?? 'mind';
      return { body: { query: `what does the ${kb} kb know about monitoring?`, kb }, kb };
    }
    case 'llm_generate':
      return { body: { prompt: 'Summarise the state of the Phoenix fleet in one sentence.' } };
  }
}

/** Picks a flow by weight; `pick` ∈ [0, 1). */
export function pickWeighted(flows: readonly ScenarioFlow[], pick: number): ScenarioFlow {
  const total = flows.reduce((sum, f) => sum + f.weight, 0);
  let threshold = pick * total;
  for (const flow of flows) {
    threshold -= flow.weight;
    if (threshold < 0) return flow;
  }
  const last = flows[flows.length - 1];
  if (last === undefined) throw new Error('no flows to pick from');
  return last;
}

/** Parses a response body as JSON, or undefined: a non-JSON answer fails the checks instead of the VU. */
export function parseJson(body: unknown): unknown {
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

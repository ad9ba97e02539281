import { KB_NAMES, callTargets, type ServiceName } from '../../catalog/index.ts';
import {
  failedCall,
  isOk,
  type BehaviourFactory,
  type OperationResult,
  type ServiceCall,
} from '../behaviour.ts';
import type { PeerResponse } from '../peer-client.ts';
import type { PlanStep } from '../plan.ts';

const KB_NAME_LIST: readonly string[] = KB_NAMES;

/** A 400 naming the field, as docs/fleet-api.md says. */
const badRequest = (field: string, error: string): OperationResult => ({
  status: 400,
  body: { error, field },
});

/**
 * orchestrator-service: the three entry points. It makes each call of a flow itself, except the
 * KB and tool calls, which data-router makes (catalog/flows.ts, "Call topology").
 */
export const orchestrator: BehaviourFactory = ({ metrics }) => {
  const errors = metrics.counter('phoenix_orchestrator_errors_total');
  const plans = metrics.counter('phoenix_orchestrator_plans_total');
  const ethics = metrics.counter('phoenix_orchestrator_ethics_checks_total');
  const reflections = metrics.counter('phoenix_orchestrator_reflection_operations_total');
  const routeRequests = metrics.counter('phoenix_orchestrator_route_requests_total');
  const duration = metrics.observer('phoenix_orchestrator_request_duration_seconds');
  const planGeneration = metrics.observer('phoenix_orchestrator_plan_generation_duration_seconds');
  const planSteps = metrics.observer('phoenix_orchestrator_plan_steps');
  const planExecution = metrics.observer('phoenix_orchestrator_plan_execution_duration_seconds');

  /** Every outgoing call is counted by target and answer. */
  const call = async (c: ServiceCall, to: ServiceName, op: string, payload: Record<string, unknown>) => {
    const r = await c.call(to, op, payload);
    routeRequests.inc({ service: to, status: String(r.status) });
    return r;
  };

  const fail = (method: string, to: ServiceName, r: PeerResponse): OperationResult => {
    errors.inc({ method, error_type: errorType(r) });
    return failedCall(to, r);
  };

  /** Wraps an entry point: the request-labels and the orchestrator's own latency histogram. */
  const entry =
    (method: string, run: (c: ServiceCall) => Promise<OperationResult>) =>
    async (c: ServiceCall): Promise<OperationResult> => {
      const started = performance.now();
      const result = await run(c);
      if (result.status === 400) errors.inc({ method, error_type: 'validation' });
      duration.observe({ method }, (performance.now() - started) / 1000);
      return result;
    };

  const ethicsCheck = async (c: ServiceCall, method: string, text: string) => {
    const r = await call(c, 'safety-service', 'ethics_check', { text, operation: method });
    if (r.status === 403) {
      ethics.inc({ result: 'denied' });
      errors.inc({ method, error_type: 'ethics_denied' });
      return {
        status: 403,
        body: {
          error: 'denied by safety-service',
          reason: r.body['reason'] ?? 'policy',
          failed_service: 'safety-service',
        },
      };
    }
    if (!isOk(r)) return fail(method, 'safety-service', r);
    ethics.inc({ result: 'allowed' });
    return undefined;
  };

  const planAndExecute = entry('plan_and_execute', async (c) => {
    const { query, parameters } = c.body;
    if (typeof query !== 'string' || query.trim() === '')
      return badRequest('query', 'missing "query" (a non-empty string)');
    if (
      parameters !== undefined &&
      (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))
    ) {
      return badRequest('parameters', '"parameters" must be an object');
    }
    const started = performance.now();
    const finish = (result: OperationResult, status: 'success' | 'failure') => {
      plans.inc({ status });
      planExecution.observe({ status }, (performance.now() - started) / 1000);
      return result;
    };
    const denied = await ethicsCheck(c, 'plan_and_execute', query);
    if (denied) return finish(denied, 'failure');

    const planStarted = performance.now();
    const planned = await call(c, 'llm-service', 'plan', { query, parameters: parameters ?? {} });
    if (!isOk(planned)) return finish(fail('plan_and_execute', 'llm-service', planned), 'failure');
    planGeneration.observe({}, (performance.now() - planStarted) / 1000);
    const plan = planned.body['plan'] as { steps: PlanStep[]; kbs: ServiceName[]; tool: string };
    planSteps.observe({}, plan.steps.length);

    const context = await call(c, 'context-manager', 'context', { query, kbs: plan.kbs });
    if (!isOk(context)) return finish(fail('plan_and_execute', 'context-manager', context), 'failure');

    const routed = await call(c, 'data-router', 'route', { query, targets: plan.kbs, tool: plan.tool });
    if (!isOk(routed)) return finish(fail('plan_and_execute', 'data-router', routed), 'failure');

    const executed = await call(c, 'executor', 'execute', { steps: plan.steps, query });
    if (!isOk(executed)) return finish(fail('plan_and_execute', 'executor', executed), 'failure');

    const reflected = await call(c, 'reflection', 'reflect', { query, outcome: executed.body['output'] });
    if (!isOk(reflected)) return finish(fail('plan_and_execute', 'reflection', reflected), 'failure');
    reflections.inc({});

    c.logFields = { flow: 'plan_and_execute', plan_steps: plan.steps.length, kbs: plan.kbs.join(',') };
    return finish(
      {
        status: 200,
        body: {
          status: 'completed',
          plan: { steps: plan.steps.map(({ id, action, service }) => ({ id, action, service })) },
          result: `executed ${plan.steps.length} steps; ${String(reflected.body['summary'] ?? '')}`,
        },
      },
      'success',
    );
  });

  const kbQuery = entry('kb_query', async (c) => {
    const { query, kb } = c.body;
    if (typeof query !== 'string' || query.trim() === '')
      return badRequest('query', 'missing "query" (a non-empty string)');
    if (typeof kb !== 'string' || !KB_NAME_LIST.includes(kb)) {
      return badRequest('kb', `"kb" must be one of ${KB_NAME_LIST.join(', ')}`);
    }
    const target = `${kb}-kb` as ServiceName;
    const routed = await call(c, 'data-router', 'route', { query, targets: [target] });
    if (!isOk(routed)) return fail('kb_query', 'data-router', routed);
    const byKb = routed.body['results'] as Record<string, unknown> | undefined;
    c.logFields = { flow: 'kb_query', kb };
    return { status: 200, body: { kb, results: byKb?.[target] ?? [] } };
  });

  const llmGenerate = entry('llm_generate', async (c) => {
    const { prompt, model } = c.body;
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      return badRequest('prompt', 'missing "prompt" (a non-empty string)');
    }
    if (model !== undefined && typeof model !== 'string')
      return badRequest('model', '"model" must be a string');
    const denied = await ethicsCheck(c, 'llm_generate', prompt);
    if (denied) return denied;
    const generated = await call(c, 'llm-service', 'generate', { prompt, ...(model ? { model } : {}) });
    if (!isOk(generated)) return fail('llm_generate', 'llm-service', generated);
    const { model: usedModel, text, usage } = generated.body;
    c.logFields = { flow: 'llm_generate', model: String(usedModel) };
    return { status: 200, body: { model: usedModel, text, usage } };
  });

  return {
    peers: callTargets('orchestrator-service'),
    requestCounter: 'phoenix_orchestrator_requests_total',
    operations: [
      {
        name: 'plan_and_execute',
        path: '/api/process',
        handle: planAndExecute,
        requestLabels: { method: 'plan_and_execute' },
      },
      { name: 'kb_query', path: '/api/kb/query', handle: kbQuery, requestLabels: { method: 'kb_query' } },
      {
        name: 'llm_generate',
        path: '/api/llm/generate',
        handle: llmGenerate,
        requestLabels: { method: 'llm_generate' },
      },
    ],
  };
};

/** The catalog's error_type values: validation, upstream_error, timeout, circuit_open, ethics_denied. */
function errorType(r: PeerResponse): string {
  if (r.failure === 'circuit_open') return 'circuit_open';
  if (r.failure === 'timeout') return 'timeout';
  if (r.status === 400) return 'validation';
  return 'upstream_error';
}

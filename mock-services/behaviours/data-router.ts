import { KB_SERVICES, callTargets, type ServiceName } from '../../catalog/index.ts';
import {
  failedCall,
  isOk,
  type BehaviourFactory,
  type OperationResult,
  type ServiceCall,
} from '../behaviour.ts';
import type { PeerResponse } from '../peer-client.ts';

const KBS: readonly ServiceName[] = KB_SERVICES;

/** A crude detector over a few marker words and letters: enough for a realistic label spread. */
function detectLanguage(text: string): string {
  const t = ` ${text.toLowerCase()} `;
  if (/[ñ¿¡]| el | los | que | para /.test(t)) return 'es';
  if (/[çœ]| le | les | est | pour /.test(t)) return 'fr';
  if (/[äöüß]| der | die | und | nicht /.test(t)) return 'de';
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(t) ? 'en' : 'other';
}

/**
 * data-router: routes a query to the KBs named in the request (the plan's, or kb_query's one) and,
 * when a tool is named, to tools-service. Its request counter counts routed calls, by target and
 * the target's answer (catalog: "HTTP status of the routed call").
 */
export const dataRouter: BehaviourFactory = ({ metrics }) => {
  const routed = metrics.counter('phoenix_data_router_requests_total');
  const routes = metrics.counter('phoenix_data_router_routes_total');
  const languages = metrics.counter('phoenix_data_router_language_detection_total');
  const routeDuration = metrics.observer('phoenix_data_router_route_duration_seconds');
  const latency = metrics.observer('phoenix_data_router_latency_seconds');
  const peers = callTargets('data-router');

  const route = async (c: ServiceCall, target: ServiceName, op: string, payload: Record<string, unknown>) => {
    const started = performance.now();
    routes.inc({ service: target });
    const r: PeerResponse = await c.call(target, op, payload);
    const seconds = (performance.now() - started) / 1000;
    const status = String(r.status);
    routed.inc({ target_service: target, status });
    routeDuration.observe({ target_service: target }, seconds);
    latency.observe({ target_service: target, status }, seconds);
    return r;
  };

  return {
    peers,
    operations: [
      {
        name: 'route',
        path: '/internal/route',
        async handle(c): Promise<OperationResult> {
          const { query, targets, tool } = c.body;
          if (typeof query !== 'string')
            return { status: 400, body: { error: 'missing "query"', field: 'query' } };
          if (!Array.isArray(targets) || !targets.every((t) => KBS.includes(t as ServiceName))) {
            return {
              status: 400,
              body: { error: `"targets" must list KB services (${KBS.join(', ')})`, field: 'targets' },
            };
          }
          if (tool !== undefined && typeof tool !== 'string') {
            return { status: 400, body: { error: '"tool" must be a string', field: 'tool' } };
          }
          const language = detectLanguage(query);
          languages.inc({ language });
          const kbs = targets as ServiceName[];
          const calls = kbs.map((kb) => route(c, kb, 'query', { query, language }));
          if (tool) calls.push(route(c, 'tools-service', 'invoke', { tool, query }));
          const answers = await Promise.all(calls);
          const results: Record<string, unknown> = {};
          for (let i = 0; i < answers.length; i++) {
            const answer = answers[i] as PeerResponse;
            const target = i < kbs.length ? (kbs[i] as ServiceName) : 'tools-service';
            if (!isOk(answer)) return failedCall(target, answer);
            if (i < kbs.length) results[target] = answer.body['results'];
          }
          const toolAnswer = tool ? answers[answers.length - 1] : undefined;
          c.logFields = { language, targets: kbs.join(','), ...(tool ? { tool } : {}) };
          return {
            status: 200,
            body: { language, results, ...(toolAnswer ? { tool_output: toolAnswer.body['output'] } : {}) },
          };
        },
      },
    ],
  };
};

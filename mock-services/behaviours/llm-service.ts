import { LLM_MODELS, LLM_PRICING_DOLLARS_PER_1K_TOKENS } from '../../catalog/index.ts';
import type { BehaviourFactory, ServiceCall } from '../behaviour.ts';
import { planFor } from '../plan.ts';
import { queryHash } from '../query-hash.ts';

type Model = (typeof LLM_MODELS)[number];
const MODELS: readonly string[] = LLM_MODELS;
const PLANNING_MODEL: Model = 'phoenix-large';
const DEFAULT_MODEL: Model = 'phoenix-small';
const EMBEDDING_MODEL: Model = 'phoenix-embed';
const EMBEDDING_DIMENSIONS = 1536;
/** Prompts remembered for the cache-hit ratio (a bounded set, so memory stays flat under load). */
const CACHE_ENTRIES = 4096;
/** Tokens of the planner's system prompt, sent with every plan request. */
const PLANNER_SYSTEM_TOKENS = 320;

const isModel = (m: string): m is Model => MODELS.includes(m);

/**
 * llm-service: plans (for plan_and_execute) and generations. Token counts follow the text length
 * and the text's hash, cost follows the catalog's price list (times the `expensive-model` factor).
 */
export const llmService: BehaviourFactory = ({ metrics, faults }) => {
  const tokens = metrics.counter('phoenix_llm_tokens_total');
  const cost = metrics.counter('phoenix_llm_cost_dollars_total');
  const generation = metrics.observer('phoenix_llm_generation_duration_seconds');
  const queue = metrics.gauge('phoenix_llm_queue_depth');
  const usageRatio = metrics.gauge('phoenix_llm_token_usage_ratio');
  const cacheRatio = metrics.gauge('phoenix_llm_cache_hit_ratio');
  const dimensions = metrics.gauge('phoenix_llm_embedding_dimensions');
  const totals = new Map<Model, { prompt: number; completion: number }>();
  const cache = new Set<number>();
  let lookups = 0;
  let hits = 0;

  const account = (model: Model, operation: string, prompt: number, completion: number) => {
    tokens.inc({ model, operation, token_type: 'prompt' }, prompt);
    tokens.inc({ model, operation, token_type: 'completion' }, completion);
    const price = LLM_PRICING_DOLLARS_PER_1K_TOKENS[model];
    const factor =
      faults.costFactorModel === undefined || faults.costFactorModel === model ? faults.costFactor : 1;
    cost.inc({ model }, ((prompt * price.prompt + completion * price.completion) / 1000) * factor);
    const t = totals.get(model) ?? { prompt: 0, completion: 0 };
    t.prompt += prompt;
    t.completion += completion;
    totals.set(model, t);
    if (t.completion > 0) usageRatio.set({ model }, t.prompt / t.completion);
  };

  const lookupCache = (hash: number) => {
    lookups += 1;
    if (cache.has(hash)) hits += 1;
    else {
      if (cache.size >= CACHE_ENTRIES) cache.clear();
      cache.add(hash);
    }
    cacheRatio.set({}, hits / lookups);
  };

  /** Times one model call and keeps the queue gauge honest even when the handler fails. */
  const run = <T>(c: ServiceCall, model: Model, priority: string, work: () => T): T => {
    const started = performance.now();
    c.requestLabels = { model };
    queue.inc({ priority });
    try {
      return work();
    } finally {
      queue.dec({ priority });
      generation.observe({ model }, (performance.now() - started) / 1000);
    }
  };

  return {
    peers: [],
    requestCounter: 'phoenix_llm_requests_total',
    init() {
      dimensions.set({ model: EMBEDDING_MODEL }, EMBEDDING_DIMENSIONS);
    },
    operations: [
      {
        name: 'plan',
        path: '/internal/plan',
        requestLabels: { model: PLANNING_MODEL },
        handle(c) {
          const query = c.body['query'];
          if (typeof query !== 'string')
            return { status: 400, body: { error: 'missing "query"', field: 'query' } };
          return run(c, PLANNING_MODEL, 'high', () => {
            const h = queryHash(query);
            lookupCache(h);
            const plan = planFor(query);
            const prompt = PLANNER_SYSTEM_TOKENS + Math.ceil(query.length / 4);
            const completion = 60 * plan.steps.length + (h % 120);
            account(PLANNING_MODEL, 'plan', prompt, completion);
            c.logFields = { model: PLANNING_MODEL, prompt_tokens: prompt, completion_tokens: completion };
            return {
              status: 200,
              body: {
                model: PLANNING_MODEL,
                plan,
                usage: { prompt_tokens: prompt, completion_tokens: completion },
              },
            };
          });
        },
      },
      {
        name: 'generate',
        path: '/internal/generate',
        requestLabels: { model: DEFAULT_MODEL },
        handle(c) {
          const prompt = c.body['prompt'];
          const requested = c.body['model'] ?? DEFAULT_MODEL;
          if (typeof prompt !== 'string')
            return { status: 400, body: { error: 'missing "prompt"', field: 'prompt' } };
          if (typeof requested !== 'string' || !isModel(requested)) {
            return {
              status: 400,
              body: { error: `"model" must be one of ${MODELS.join(', ')}`, field: 'model' },
            };
          }
          const model = requested;
          return run(c, model, 'normal', () => {
            const h = queryHash(prompt);
            lookupCache(h);
            const promptTokens = 40 + Math.ceil(prompt.length / 4);
            const embedding = model === EMBEDDING_MODEL;
            const completionTokens = embedding ? 0 : 80 + (h % 400);
            account(model, embedding ? 'embed' : 'generate', promptTokens, completionTokens);
            c.logFields = { model, prompt_tokens: promptTokens, completion_tokens: completionTokens };
            const text = embedding
              ? `embedding of ${EMBEDDING_DIMENSIONS} dimensions`
              : `generated ${completionTokens} tokens for a ${prompt.length}-character prompt`;
            return {
              status: 200,
              body: {
                model,
                text,
                usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens },
              },
            };
          });
        },
      },
    ],
    checkFault(fault) {
      const model = fault['model'];
      if (fault.name === 'expensive-model' && model !== undefined && !isModel(String(model))) {
        return { error: `unknown model "${String(model)}"`, field: 'model', available: MODELS };
      }
      return undefined;
    },
  };
};

import type { ServiceName } from '../../catalog/index.ts';
import type { BehaviourFactory } from '../behaviour.ts';
import { queryHash, unitFromHash } from '../query-hash.ts';

/** Starting sizes, in entries: the long-term memory (mind) is the biggest, soul the smallest. */
const INITIAL_ENTRIES: Readonly<Record<string, number>> = {
  mind: 182_000,
  body: 46_500,
  heart: 38_200,
  social: 71_900,
  soul: 12_400,
};
/** Every UPSERT_EVERY-th query also writes a memory; every PRUNE_EVERY-th prunes old ones. */
const UPSERT_EVERY = 20;
const PRUNE_EVERY = 1000;
const PRUNED_ENTRIES = 40;

/**
 * The five knowledge bases (mind-kb … soul-kb): a vector search whose result count and similarity
 * scores derive from the query's hash; the KB grows with occasional writes and is pruned now and then.
 */
export function knowledgeBase(service: ServiceName): BehaviourFactory {
  const kb = service.replace(/-kb$/, '');
  return ({ metrics }) => {
    const duration = metrics.observer('phoenix_kb_query_duration_seconds');
    const vectorOps = metrics.counter('phoenix_kb_vector_operations_total');
    const searchDuration = metrics.observer('phoenix_kb_vector_search_duration_seconds');
    const size = metrics.gauge('phoenix_kb_size_entries');
    const pruning = metrics.counter('phoenix_kb_pruning_operations_total');
    const similarity = metrics.observer('phoenix_kb_similarity_score');
    const resultsCount = metrics.observer('phoenix_kb_search_results_count');
    const topMatch = metrics.observer('phoenix_kb_top_match_similarity');
    let entries = INITIAL_ENTRIES[kb] ?? 10_000;
    let queries = 0;

    return {
      peers: [],
      requestCounter: 'phoenix_kb_queries_total',
      init() {
        size.set({ kb }, entries);
      },
      operations: [
        {
          name: 'query',
          path: '/internal/query',
          requestLabels: { kb, operation: 'search' },
          handle(c) {
            const started = performance.now();
            const query = c.body['query'];
            if (typeof query !== 'string')
              return { status: 400, body: { error: 'missing "query"', field: 'query' } };
            const h = queryHash(`${kb}:${query}`);
            const count = 1 + (h % 8);
            // Scores fall off from a top match between 0.55 and 0.98.
            let score = 0.55 + 0.43 * unitFromHash(h, 7);
            const results: { id: string; score: number }[] = [];
            for (let i = 0; i < count; i++) {
              const rounded = Math.round(score * 1000) / 1000;
              results.push({ id: `${kb}-${(h + i * 7919) % entries}`, score: rounded });
              similarity.observe({}, rounded);
              score *= 0.82 + 0.15 * unitFromHash(h, i + 11);
            }
            vectorOps.inc({ operation: 'search' });
            searchDuration.observe({ kb_name: kb }, (performance.now() - started) / 1000);
            resultsCount.observe({ kb_name: kb }, count);
            topMatch.observe({ kb_name: kb }, results[0]?.score ?? 0);
            queries += 1;
            if (queries % UPSERT_EVERY === 0) {
              entries += 1;
              vectorOps.inc({ operation: 'upsert' });
            }
            if (queries % PRUNE_EVERY === 0) {
              entries -= PRUNED_ENTRIES;
              pruning.inc({ kb });
              vectorOps.inc({ operation: 'delete' }, PRUNED_ENTRIES);
            }
            size.set({ kb }, entries);
            duration.observe({ kb, operation: 'search' }, (performance.now() - started) / 1000);
            c.logFields = { kb, results: count, top_score: results[0]?.score ?? 0 };
            return { status: 200, body: { kb, results } };
          },
        },
      ],
    };
  };
}

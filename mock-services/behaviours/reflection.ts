import type { BehaviourFactory } from '../behaviour.ts';
import { queryHash } from '../query-hash.ts';

/** reflection: reviews an execution's outcome (the orchestrator counts the reflection operations). */
export const reflection: BehaviourFactory = () => ({
  peers: [],
  operations: [
    {
      name: 'reflect',
      path: '/internal/reflect',
      handle(c) {
        const query = c.body['query'];
        if (typeof query !== 'string')
          return { status: 400, body: { error: 'missing "query"', field: 'query' } };
        const insights = queryHash(query) % 4;
        c.logFields = { insights };
        return { status: 200, body: { summary: `${insights} insight(s) recorded`, insights } };
      },
    },
  ],
});

import type { BehaviourFactory } from '../behaviour.ts';

const CONTEXT_WINDOW_TOKENS = 8192;

/** context-manager: assembles the conversation context for a query (middleware metrics only). */
export const contextManager: BehaviourFactory = () => ({
  peers: [],
  operations: [
    {
      name: 'context',
      path: '/internal/context',
      handle(c) {
        const query = c.body['query'];
        if (typeof query !== 'string')
          return { status: 400, body: { error: 'missing "query"', field: 'query' } };
        const tokens = Math.min(CONTEXT_WINDOW_TOKENS, 256 + Math.ceil(query.length / 4));
        c.logFields = { context_tokens: tokens };
        return { status: 200, body: { context_tokens: tokens, window: CONTEXT_WINDOW_TOKENS } };
      },
    },
  ],
});

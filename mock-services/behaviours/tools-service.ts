import type { BehaviourFactory } from '../behaviour.ts';
import { queryHash } from '../query-hash.ts';

/** tools-service: invokes the tool a plan names (no catalog KPIs of its own: middleware metrics only). */
export const toolsService: BehaviourFactory = () => ({
  peers: [],
  operations: [
    {
      name: 'invoke',
      path: '/internal/invoke',
      handle(c) {
        const { tool, query } = c.body;
        if (typeof tool !== 'string')
          return { status: 400, body: { error: 'missing "tool"', field: 'tool' } };
        c.logFields = { tool };
        const digest = queryHash(`${tool}:${String(query)}`).toString(16);
        return { status: 200, body: { tool, output: `${tool} result ${digest}` } };
      },
    },
  ],
});

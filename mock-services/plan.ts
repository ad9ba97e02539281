import { KB_SERVICES, type ServiceName } from '../catalog/index.ts';
import { queryHash } from './query-hash.ts';

export interface PlanStep {
  id: string;
  action: string;
  service: ServiceName;
  tool?: string;
}

export interface Plan {
  steps: PlanStep[];
  kbs: ServiceName[];
  tool: string;
}

const TOOLS = ['web_search', 'calculator', 'code_interpreter', 'calendar', 'http_fetch'] as const;

/**
 * The plan llm-service makes for a query: 1–3 of the five KBs, one tool, then execution. Derived
 * from the query's hash only, so the same query always takes the same path (reproducible runs).
 */
export function planFor(query: string): Plan {
  const h = queryHash(query);
  const count = 1 + (h % 3);
  const start = (h >>> 2) % KB_SERVICES.length;
  // 5 is prime, so any step 1..4 visits distinct KBs.
  const stride = 1 + ((h >>> 5) % (KB_SERVICES.length - 1));
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add((start + i * stride) % KB_SERVICES.length);
  const kbs = KB_SERVICES.filter((_, i) => picked.has(i));
  const tool = TOOLS[(h >>> 9) % TOOLS.length] ?? 'web_search';
  const steps: PlanStep[] = kbs.map((kb, i) => ({ id: `step-${i + 1}`, action: 'retrieve', service: kb }));
  steps.push({ id: `step-${steps.length + 1}`, action: 'invoke_tool', service: 'tools-service', tool });
  steps.push({ id: `step-${steps.length + 1}`, action: 'execute', service: 'executor' });
  return { steps, kbs, tool };
}

import { describe, expect, it } from 'vitest';
import { parseInjection } from './inject-option.ts';

describe('parseInjection (--inject)', () => {
  it('reads service, fault and numeric or text parameters', () => {
    expect(parseInjection('llm-service:latency:ms=200')).toEqual({
      service: 'llm-service',
      name: 'latency',
      params: { ms: 200 },
    });
    expect(parseInjection('mind-kb:omit-metric:metric=kb_queries_total')).toEqual({
      service: 'mind-kb',
      name: 'omit-metric',
      params: { metric: 'kb_queries_total' },
    });
  });

  it('names an unknown service or fault', () => {
    expect(() => parseInjection('ghost:down')).toThrow('--inject ghost:down: unknown service "ghost"');
    expect(() => parseInjection('executor:melt')).toThrow('--inject executor:melt: unknown fault "melt"');
  });
});

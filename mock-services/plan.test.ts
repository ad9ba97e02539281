import { describe, expect, it } from 'vitest';
import { KB_SERVICES } from '../catalog/index.ts';
import { planFor } from './plan.ts';

describe('planFor', () => {
  it('is a function of the query alone', () => {
    expect(planFor('plan my week')).toEqual(planFor('plan my week'));
  });

  it('names 1 to 3 distinct KBs, then a tool and execution, and uses every KB and size over many queries', () => {
    const sizes = new Set<number>();
    const used = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const plan = planFor(`query ${i}`);
      expect(plan.kbs.length).toBeGreaterThanOrEqual(1);
      expect(plan.kbs.length).toBeLessThanOrEqual(3);
      expect(new Set(plan.kbs).size).toBe(plan.kbs.length);
      expect(plan.steps.map((s) => s.service)).toEqual([...plan.kbs, 'tools-service', 'executor']);
      sizes.add(plan.kbs.length);
      plan.kbs.forEach((kb) => used.add(kb));
    }
    expect([...sizes].sort()).toEqual([1, 2, 3]);
    expect([...used].sort()).toEqual([...KB_SERVICES].sort());
  });
});

import { describe, expect, it } from 'vitest';
import type { DrillProfile } from '../context.ts';
import { catalogAlert } from '../testing/catalog-alert.ts';
import { drillDeadlines, longestWindowMs } from './deadlines.ts';

describe('drill planning', () => {
  it('derives deadlines from the rule at the profile scale (1/15: 5m → 20s)', () => {
    const profile: DrillProfile = {
      timeScale: 1 / 15,
      timing: { scrapeIntervalS: 1, evaluationIntervalS: 1, groupWaitS: 1, groupIntervalS: 1 },
    };
    expect(longestWindowMs(catalogAlert('HighErrorRate').expr)).toBe(300_000);
    expect(longestWindowMs(catalogAlert('ErrorBudgetBurn').expr)).toBe(6 * 3_600_000);
    expect(drillDeadlines(catalogAlert('HighErrorRate'), profile)).toEqual({
      pendingMs: 30_000,
      firingMs: 30_000,
      deliveredMs: 12_000,
      resolvedMs: 32_000,
      pollMs: 250,
    });
    expect(drillDeadlines(catalogAlert('CircuitBreakerOpen'), profile).pendingMs).toBe(10_000);
  });
});

import { describe, expect, it } from 'vitest';
import { ALERT_RULES, requiredFor } from '../../catalog/index.ts';
import { drillLanes } from './lanes.ts';

describe('drill planning', () => {
  it('puts drills that disturb the same service in one lane, in catalog order', () => {
    const lanes = drillLanes(ALERT_RULES.filter((a) => requiredFor(3).alerts.includes(a.alert)));
    expect(lanes.map((l) => l.map((a) => a.alert)).sort()).toEqual(
      [
        ['ErrorBudgetBurn'],
        ['HighErrorRate', 'CircuitBreakerOpen'],
        ['SafetyBlockedRequestSpike'],
        ['ServiceDown'],
        ['SlowResponseTime', 'LLMCostRate'],
      ].sort(),
    );
  });
});

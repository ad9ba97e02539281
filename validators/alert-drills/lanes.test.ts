import { describe, expect, it } from 'vitest';
import { ALERT_RULES, requiredFor, type AlertRuleDef } from '../../catalog/index.ts';
import { catalogAlert } from '../testing/catalog-alert.ts';
import { drillLanes } from './lanes.ts';
import { alertSignals, faultSignals, interfere } from './signals.ts';

const names = (lanes: AlertRuleDef[][]) => lanes.map((l) => l.map((a) => a.alert));
const withTrigger = (name: string, trigger: AlertRuleDef['trigger']): AlertRuleDef => ({
  ...catalogAlert(name),
  trigger,
});

describe('drill planning', () => {
  it('runs every phase-4 drill in its own lane: no fault changes a signal another alert reads', () => {
    const lanes = drillLanes(ALERT_RULES.filter((a) => requiredFor(4).alerts.includes(a.alert)));
    expect(names(lanes)).toEqual([
      ['HighErrorRate'],
      ['CircuitBreakerOpen'],
      ['SlowResponseTime'],
      ['ServiceDown'],
      ['ErrorBudgetBurn'],
      ['SafetyBlockedRequestSpike'],
      ['LLMCostRate'],
    ]);
  });

  it('keeps a breaker opened on data-router in HighErrorRate’s lane: its 503s raise data-router’s error ratio', () => {
    const breaker = withTrigger('CircuitBreakerOpen', {
      service: 'data-router',
      fault: 'circuit-breaker-open',
      params: { target: 'mind-kb' },
    });
    expect(faultSignals(breaker)).toContain('phoenix_service_requests_total@data-router');
    expect(alertSignals(catalogAlert('HighErrorRate'))).toContain(
      'phoenix_service_requests_total@data-router',
    );
    expect(names(drillLanes([catalogAlert('HighErrorRate'), breaker, catalogAlert('ServiceDown')]))).toEqual([
      ['HighErrorRate', 'CircuitBreakerOpen'],
      ['ServiceDown'],
    ]);
  });

  it('sees a failure propagate to the callers: errors on executor disturb an alert on the orchestrator', () => {
    const onOrchestrator = withTrigger('HighErrorRate', {
      service: 'orchestrator-service',
      fault: 'error-rate',
      params: { rate: 0.2 },
    });
    expect(interfere(catalogAlert('ErrorBudgetBurn'), onOrchestrator)).toBe(true);
    // …but not the other way round alone: the orchestrator calls executor, executor calls nobody.
    expect(faultSignals(onOrchestrator)).not.toContain('phoenix_service_requests_total@executor');
  });

  it('separates two faults on one service that change different signals (latency vs cost)', () => {
    const slow = catalogAlert('SlowResponseTime');
    const cost = catalogAlert('LLMCostRate');
    expect(slow.trigger.service).toBe(cost.trigger.service);
    expect(interfere(slow, cost)).toBe(false);
    // The same latency fault does disturb a p95 alert on the orchestrator, which waits for llm-service.
    const slowOrchestrator = withTrigger('SlowResponseTime', {
      service: 'orchestrator-service',
      fault: 'error-rate',
      params: { rate: 0.1 },
    });
    expect(alertSignals(slowOrchestrator)).toContain(
      'phoenix_service_request_duration_seconds@orchestrator-service',
    );
    expect(interfere(slow, slowOrchestrator)).toBe(true);
  });

  it('joins drills of the same alert, and of the same fault on one service (its parameters would be overwritten)', () => {
    const her = catalogAlert('HighErrorRate');
    const elsewhere = withTrigger('HighErrorRate', { service: 'executor', fault: 'latency' });
    expect(names(drillLanes([her, elsewhere]))).toEqual([['HighErrorRate', 'HighErrorRate']]);
    const pricey = { service: 'llm-service', fault: 'expensive-model', params: { factor: 10 } } as const;
    const x = withTrigger('ServiceDown', pricey);
    const y = withTrigger('SafetyBlockedRequestSpike', { ...pricey, params: { factor: 1000 } });
    expect(interfere(x, y)).toBe(true);
    expect(interfere(x, catalogAlert('SafetyBlockedRequestSpike'))).toBe(false);
  });

  it('treats a fault it does not model as changing everything at its service and its callers', () => {
    const unknown = withTrigger('LLMCostRate', { service: 'llm-service', fault: 'drop-logs' });
    expect(interfere(unknown, catalogAlert('SlowResponseTime'))).toBe(true);
    expect(interfere(unknown, catalogAlert('ServiceDown'))).toBe(false);
  });

  it('makes lanes transitive, in the order given', () => {
    const a = catalogAlert('HighErrorRate');
    const b = withTrigger('CircuitBreakerOpen', {
      service: 'data-router',
      fault: 'circuit-breaker-open',
      params: { target: 'mind-kb' },
    });
    // c shares nothing with a, but its breaker toward mind-kb moves the gauge b reads.
    const c = withTrigger('ServiceDown', {
      service: 'orchestrator-service',
      fault: 'circuit-breaker-open',
      params: { target: 'mind-kb' },
    });
    expect(interfere(a, c)).toBe(false);
    expect(interfere(b, c)).toBe(true);
    expect(names(drillLanes([c, a, b]))).toEqual([['ServiceDown', 'HighErrorRate', 'CircuitBreakerOpen']]);
  });
});

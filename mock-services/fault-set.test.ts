import { describe, expect, it } from 'vitest';
import { ALERT_RULES } from '../catalog/index.ts';
import { FAULT_NAMES, FaultSet, RateGate, parseFault, type FaultContext } from './fault-set.ts';

const DATA_ROUTER: FaultContext = {
  service: 'data-router',
  peers: ['tools-service', 'mind-kb'],
  metricNames: ['phoenix_service_requests_total', 'phoenix_data_router_routes_total'],
  requestLabelNames: ['service', 'method', 'status'],
};

describe('parseFault', () => {
  it('accepts every fault of docs/fleet-api.md with its parameters', () => {
    const ok = [
      { name: 'error-rate', rate: 0.2 },
      { name: 'latency', ms: 2500 },
      { name: 'circuit-breaker-open', target: 'mind-kb' },
      { name: 'drop-traceparent' },
      { name: 'regenerate-traceparent' },
      { name: 'drop-logs' },
      { name: 'omit-metric', metric: 'phoenix_data_router_routes_total' },
      { name: 'high-cardinality-label' },
      { name: 'double-count' },
      { name: 'down' },
    ];
    for (const input of ok)
      expect(parseFault(input, DATA_ROUTER), JSON.stringify(input)).toMatchObject({ ok: true });
  });

  it('refuses an unknown fault and lists the valid ones', () => {
    const result = parseFault({ name: 'explode' }, DATA_ROUTER);
    expect(result).toEqual({
      ok: false,
      error: 'unknown fault "explode"',
      field: 'name',
      available: FAULT_NAMES,
    });
  });

  it('refuses a missing name, a non-object and bad or unknown parameters, naming the field', () => {
    expect(parseFault({ rate: 1 }, DATA_ROUTER)).toMatchObject({ ok: false, field: 'name' });
    expect(parseFault([], DATA_ROUTER)).toMatchObject({ ok: false });
    expect(parseFault({ name: 'error-rate', rate: 1.5 }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'rate',
    });
    expect(parseFault({ name: 'error-rate' }, DATA_ROUTER)).toMatchObject({ ok: false, field: 'rate' });
    expect(parseFault({ name: 'latency', ms: -1 }, DATA_ROUTER)).toMatchObject({ ok: false, field: 'ms' });
    expect(parseFault({ name: 'latency', ms: 10, extra: true }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'extra',
    });
    expect(parseFault({ name: 'high-cardinality-label', label: 'bad-name' }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'label',
    });
  });

  it('checks parameters against the service: breaker targets, metric names, label clashes', () => {
    expect(parseFault({ name: 'circuit-breaker-open', target: 'llm-service' }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'target',
      available: ['tools-service', 'mind-kb'],
    });
    expect(parseFault({ name: 'omit-metric', metric: 'nope' }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'metric',
    });
    expect(parseFault({ name: 'high-cardinality-label', label: 'status' }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'label',
    });
  });

  it('fills in the default high-cardinality label', () => {
    expect(parseFault({ name: 'high-cardinality-label' }, DATA_ROUTER)).toEqual({
      ok: true,
      fault: { name: 'high-cardinality-label', label: 'request_id' },
    });
  });

  it('keeps block-requests to safety-service and expensive-model to llm-service', () => {
    expect(parseFault({ name: 'block-requests', rate: 0.5 }, DATA_ROUTER)).toMatchObject({
      ok: false,
      field: 'name',
    });
    expect(
      parseFault({ name: 'block-requests', rate: 0.5 }, { ...DATA_ROUTER, service: 'safety-service' }),
    ).toMatchObject({
      ok: true,
    });
    expect(
      parseFault({ name: 'expensive-model', factor: 1000 }, { ...DATA_ROUTER, service: 'llm-service' }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('knows every fault the catalog alert drills trigger', () => {
    for (const rule of ALERT_RULES) expect(FAULT_NAMES, rule.alert).toContain(rule.trigger.fault);
  });
});

describe('RateGate', () => {
  it('hits exactly floor(N * rate) of N calls', () => {
    for (const rate of [0, 0.05, 0.2, 1 / 3, 0.5, 0.999, 1]) {
      const gate = new RateGate(rate);
      let hits = 0;
      for (let i = 0; i < 1000; i++) if (gate.hit()) hits += 1;
      expect(hits, `rate ${rate}`).toBe(Math.floor(1000 * rate + 1e-9));
    }
  });
});

describe('FaultSet', () => {
  it('replaces a fault of the same name and clears one or all', () => {
    const faults = new FaultSet();
    faults.set({ name: 'latency', ms: 10 });
    faults.set({ name: 'latency', ms: 20 });
    faults.set({ name: 'drop-logs' });
    expect(faults.list()).toEqual([{ name: 'latency', ms: 20 }, { name: 'drop-logs' }]);
    expect(faults.latencyMs).toBe(20);
    expect(faults.dropLogs).toBe(true);
    faults.clear('latency');
    expect(faults.latencyMs).toBe(0);
    expect(faults.list()).toEqual([{ name: 'drop-logs' }]);
  });
});

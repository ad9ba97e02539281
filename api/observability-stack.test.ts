import { describe, expect, it } from 'vitest';
import { ConfigError, HarnessError } from '../core/index.ts';
import { PRODUCTION_TIMING, type StartedStack } from '../stack/index.ts';
import { ObservabilityStack, StartedObservabilityStack } from './observability-stack.ts';

/** A StartedStack that records its disposals and serves a fixed endpoints map. */
function fakeStack(endpoints: Record<string, string>): StartedStack & { disposals: number } {
  const fake = {
    disposals: 0,
    runId: 'run-1',
    runner: 'local',
    dir: '/tmp/run-1/stack',
    endpointsFile: '/tmp/run-1/stack/endpoints.json',
    components: new Map(),
    readyMs: 12,
    scrapeTargetHost: '127.0.0.1',
    endpoints: () => endpoints,
    credentials: () => ({}),
    async [Symbol.asyncDispose]() {
      fake.disposals += 1;
    },
  };
  return fake as unknown as StartedStack & { disposals: number };
}

const RULES = { files: ['rules/*.yml'], timeScale: 1, timing: PRODUCTION_TIMING };

describe('ObservabilityStack', () => {
  it('is what the package name resolves to (package.json "exports")', async () => {
    const api = await import('phoenix-observability-harness');
    expect(api.ObservabilityStack).toBe(ObservabilityStack);
  });

  it('refuses an unknown log store, naming the option and the values it takes', () => {
    const set = () => new ObservabilityStack().withLogStore('elasticsearch' as 'loki');
    expect(set).toThrow(HarnessError);
    expect(set).toThrow('withLogStore("elasticsearch"): not a valid value');
    try {
      set();
    } catch (error) {
      expect((error as HarnessError).hint).toBe('withLogStore takes one of victorialogs, loki');
    }
  });

  it('refuses an unknown runner, and the external one (nothing to start)', () => {
    expect(() => new ObservabilityStack().withRunner('kubernetes' as 'local')).toThrow(
      'withRunner("kubernetes"): not a valid value',
    );
    expect(() => new ObservabilityStack().withRunner('external' as 'local')).toThrow(
      'withRunner("external"): not a valid value',
    );
  });

  it('refuses a startup timeout that is not a positive whole number of ms, and an empty rule list', () => {
    for (const ms of [0, -1, 1.5, Number.NaN])
      expect(() => new ObservabilityStack().withStartupTimeout(ms)).toThrow(
        `withStartupTimeout(${JSON.stringify(ms)}): not a valid value`,
      );
    expect(() => new ObservabilityStack().withRules([])).toThrow('withRules([]): not a valid value');
  });

  it('refuses Loki on the local runner before starting anything, and a second start()', async () => {
    const builder = new ObservabilityStack().withLogStore('loki').withRunner('local');
    await expect(builder.start()).rejects.toThrow(ConfigError);
    await expect(builder.start()).rejects.toThrow('ObservabilityStack.start() was already called');
  });
});

describe('StartedObservabilityStack', () => {
  const endpoints = {
    prometheus: 'http://127.0.0.1:9001',
    alertmanager: 'http://127.0.0.1:9002',
    jaeger: 'http://127.0.0.1:9003',
    victorialogs: 'http://127.0.0.1:9004',
    'otel-collector': 'http://127.0.0.1:9005',
    'otel-collector.otlp-http': 'http://127.0.0.1:9005',
    'otel-collector.metrics': 'http://127.0.0.1:9006/metrics',
    'webhook-sink': 'http://127.0.0.1:9007',
  };

  it('types its endpoints from the running components', () => {
    const stack = new StartedObservabilityStack(fakeStack(endpoints), '/tmp/run-1', RULES, 'victorialogs');
    expect(stack.prometheus.url).toBe('http://127.0.0.1:9001');
    expect(stack.collector).toEqual({
      otlpHttpUrl: 'http://127.0.0.1:9005',
      metricsUrl: 'http://127.0.0.1:9006/metrics',
    });
    expect(stack.logStore).toEqual({ kind: 'victorialogs', url: 'http://127.0.0.1:9004' });
    expect(stack.grafana).toBeUndefined();
    expect(stack.endpoints.otelCollectorMetrics).toBe('http://127.0.0.1:9006/metrics');
  });

  it('names an endpoint the stack lacks', () => {
    const stack = new StartedObservabilityStack(fakeStack(endpoints), '/tmp/run-1', RULES, 'loki');
    expect(() => stack.logStore).toThrow('the stack has no loki endpoint');
  });

  it('stops once however often stop() and asyncDispose are called', async () => {
    const handle = fakeStack(endpoints);
    const stack = new StartedObservabilityStack(handle, '/tmp/run-1', RULES, 'victorialogs');
    await Promise.all([stack.stop(), stack.stop()]);
    await stack[Symbol.asyncDispose]();
    expect(handle.disposals).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type StartedStack } from '../../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  pipelineProbe,
  type ValidationContext,
} from '../../validators/index.ts';

function contextFor(stack: StartedStack, ingestTimeoutMs: number): ValidationContext {
  const endpoints = endpointsFromStack(stack.endpoints());
  return {
    runId: stack.runId,
    phase: 1,
    endpoints,
    clients: createClients(endpoints),
    ingestTimeoutMs,
    registerScrapeTargets: (groups) => stack.setScrapeTargets(groups),
  };
}

describe('the monitoring pipeline, end to end on the real stack', () => {
  let stack: StartedStack;

  beforeAll(async () => {
    stack = await startLocalStack({ outDir: 'out', startupTimeoutMs: 60_000, log: () => undefined });
  });

  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('answers every health endpoint', async () => {
    expect([...stack.components.keys()].sort()).toEqual([
      'alertmanager',
      'grafana',
      'jaeger',
      'loki',
      'otel-collector',
      'prometheus',
    ]);
    for (const component of stack.components.values()) {
      const res = await fetch(component.getHealthUrl(), { signal: AbortSignal.timeout(5_000) });
      expect(res.status, `${component.name} at ${component.getHealthUrl()}`).toBe(200);
    }
    expect((await fetch(`${stack.sink.getUrl()}/-/ready`)).status).toBe(200);
  });

  it('carries a span to Jaeger, a log line with its trace id to Loki, a metric to Prometheus and an alert to the sink', async () => {
    const results = await pipelineProbe(contextFor(stack, 45_000));
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    for (const id of [
      'pipeline.probe.trace',
      'pipeline.probe.log',
      'pipeline.probe.metric',
      'pipeline.probe.alert',
    ]) {
      expect(byId[id]?.status, `${id}: ${byId[id]?.message}`).toBe('pass');
    }
    // The alert reached both receivers of the seed's route tree.
    const receivers = new Set(stack.sink.notifications.map((n) => n.receiver));
    expect([...receivers].sort()).toEqual(['pagerduty', 'slack']);
  });

  it('fails the log leg, naming Loki and its URL, when Loki is stopped', async () => {
    const lokiUrl = stack.component('loki').getUrl();
    await stack.stopComponent('loki');
    const results = await pipelineProbe(contextFor(stack, 3_000));
    const log = results.find((r) => r.id === 'pipeline.probe.log');
    expect(log?.status).toBe('fail');
    expect(log?.message).toContain(`Loki at ${lokiUrl} did not return the probe log line`);
    expect(log?.message).toContain(`could not reach Loki at ${lokiUrl}`);
    // The other legs do not depend on Loki and still pass.
    expect(results.find((r) => r.id === 'pipeline.probe.trace')?.status).toBe('pass');
  });
});

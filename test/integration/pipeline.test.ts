import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/index.ts';
import {
  startLocalStack,
  startProbeTarget,
  type StartedProbeTarget,
  type StartedStack,
} from '../../stack/index.ts';
import {
  createClients,
  endpointsFromStack,
  pipelineCheck,
  pipelineProbe,
  type ValidationContext,
} from '../../validators/index.ts';

function contextFor(
  stack: StartedStack,
  probeTarget: StartedProbeTarget,
  ingestTimeoutMs: number,
): ValidationContext {
  const endpoints = endpointsFromStack(stack.endpoints());
  return {
    runId: stack.runId,
    phase: 1,
    endpoints,
    clients: createClients(endpoints),
    ingestTimeoutMs,
    probeTarget,
    registerScrapeTargets: (groups) => stack.setScrapeTargets(groups),
  };
}

describe('the monitoring pipeline, end to end on the real stack', () => {
  let stack: StartedStack;
  let probeTarget: StartedProbeTarget;
  const started = new Date();

  beforeAll(async () => {
    stack = await startLocalStack({ outDir: 'out', startupTimeoutMs: 60_000, log: () => undefined });
    probeTarget = await startProbeTarget({ host: stack.scrapeTargetHost });
  });

  afterAll(async () => {
    await probeTarget?.[Symbol.asyncDispose]();
    await stack?.[Symbol.asyncDispose]();
  });

  it('answers every health endpoint', async () => {
    expect([...stack.components.keys()].sort()).toEqual([
      'alertmanager',
      'jaeger',
      'otel-collector',
      'prometheus',
      'victorialogs',
    ]);
    expect(stack.endpoints()).toHaveProperty('victorialogs', stack.component('victorialogs').getUrl());
    expect(Object.keys(stack.endpoints()).filter((k) => /loki|grafana/.test(k))).toEqual([]);
    for (const component of stack.components.values()) {
      const res = await fetch(component.getHealthUrl(), { signal: AbortSignal.timeout(5_000) });
      expect(res.status, `${component.name} at ${component.getHealthUrl()}`).toBe(200);
    }
    expect((await fetch(`${stack.sink.getUrl()}/-/ready`)).status).toBe(200);
  });

  it('carries a span to Jaeger, a log line with its trace id to VictoriaLogs, a metric to Prometheus and an alert to the sink', async () => {
    const results = await pipelineProbe(contextFor(stack, probeTarget, 45_000));
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

  it('fails the loss check naming VictoriaLogs ingestion when VictoriaLogs drops a line (read from its own /metrics)', async () => {
    const url = stack.component('victorialogs').getUrl();
    // A line older than the retention period: VictoriaLogs drops it and counts it (reason too_small_timestamp).
    const push = await fetch(`${url}/insert/jsonline`, {
      method: 'POST',
      headers: { 'content-type': 'application/stream+json' },
      body: `${JSON.stringify({ _msg: 'too old to keep', _time: '2020-01-01T00:00:00Z', service: 'fault' })}\n`,
    });
    expect(push.status).toBe(200);
    const outcome = await pollUntil({
      description: 'the dropped line in the pipeline loss check',
      probe: async () => {
        const ctx = { ...contextFor(stack, probeTarget, 5_000), window: { start: started, end: new Date() } };
        return (await pipelineCheck(ctx)).find((r) => r.id === 'pipeline.losses');
      },
      until: (r) => r?.status === 'fail' && r.message.includes('VictoriaLogs ingestion'),
      timeoutMs: 30_000,
      intervalMs: 1_000,
    });
    expect(outcome.last?.status, outcome.last?.message).toBe('fail');
    expect(outcome.last?.message).toContain(
      'VictoriaLogs ingestion: 1 log lines dropped by VictoriaLogs (reason label says why: timestamps out of retention, too many fields) (reason=too_small_timestamp: 1)',
    );
  });

  it('fails the log leg, naming VictoriaLogs and its URL, when VictoriaLogs is stopped', async () => {
    const url = stack.component('victorialogs').getUrl();
    await stack.stopComponent('victorialogs');
    const results = await pipelineProbe(contextFor(stack, probeTarget, 3_000));
    const log = results.find((r) => r.id === 'pipeline.probe.log');
    expect(log?.status).toBe('fail');
    expect(log?.message).toContain('VictoriaLogs');
    expect(log?.message).toContain(url);
    // The other legs do not depend on the log store and still pass.
    expect(results.find((r) => r.id === 'pipeline.probe.trace')?.status).toBe('pass');
  });
});

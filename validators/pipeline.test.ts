import { describe, expect, it } from 'vitest';
import type { ValidationContext } from './context.ts';
import { pipelineCheck } from './pipeline.ts';
import { FakePrometheus } from './testing/fake-prometheus.ts';

const NOW = Date.now() / 1000;
const window = { start: new Date((NOW - 60) * 1000), end: new Date((NOW - 1) * 1000) };
const ctx = (prom: FakePrometheus): ValidationContext => ({
  runId: 'r',
  phase: 1,
  endpoints: {},
  clients: { prometheus: prom },
  ingestTimeoutMs: 100,
  window,
});

function stack(collectorUp: number[] = [1, 1, 1]): FakePrometheus {
  const prom = new FakePrometheus();
  const c = { job: 'opentelemetry-collector' };
  prom.add('otelcol_receiver_accepted_spans_total', { ...c, receiver: 'otlp' }, [
    [NOW - 90, 0],
    [NOW - 2, 500],
  ]);
  prom.add('otelcol_exporter_sent_spans_total', { ...c, exporter: 'otlp_grpc/jaeger' }, [
    [NOW - 90, 0],
    [NOW - 2, 500],
  ]);
  prom.add('otelcol_receiver_refused_spans_total', { ...c, receiver: 'otlp' }, [
    [NOW - 90, 0],
    [NOW - 2, 0],
  ]);
  prom.add(
    'up',
    c,
    collectorUp.map((v, i) => [NOW - 50 + i * 10, v] as [number, number]),
  );
  return prom;
}

describe('pipelineCheck', () => {
  it('passes when nothing was refused, failed or discarded and the Collector stayed up', async () => {
    const results = await pipelineCheck(ctx(stack()));
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(results[0]?.message).toContain('spans accepted by the Collector: 500');
  });

  it('names the stage that lost data and shows the funnel', async () => {
    const prom = stack();
    prom.add(
      'otelcol_exporter_send_failed_spans_total',
      { job: 'opentelemetry-collector', exporter: 'otlp_grpc/jaeger' },
      [
        [NOW - 90, 0],
        [NOW - 2, 120],
      ],
    );
    const [losses] = await pipelineCheck(ctx(prom));
    expect(losses?.status).toBe('fail');
    expect(losses?.message).toContain(
      'telemetry lost at Collector exporter (traces): 120 spans the Collector failed to send to the backend (exporter=otlp_grpc/jaeger: 120)',
    );
    expect(losses?.message).toContain(
      'Funnel: spans accepted by the Collector: 500, spans sent to Jaeger: 500',
    );
  });

  it('fails when the Collector was down during the run (it cannot count what it never received)', async () => {
    const [, up] = await pipelineCheck(ctx(stack([1, 0, 0, 1])));
    expect(up?.status).toBe('fail');
    expect(up?.message).toContain('the Collector was down for 2 of 4 scrapes during the run');
  });
});

import { describe, expect, it } from 'vitest';
import type { ValidationContext } from './context.ts';
import { LOG_STORE_COUNTERS, logStoreOf, lossCounters, pipelineCheck, scrapeJobsOf } from './pipeline.ts';
import { FakePrometheus } from './testing/fake-prometheus.ts';

const NOW = Date.now() / 1000;
const window = { start: new Date((NOW - 60) * 1000), end: new Date((NOW - 1) * 1000) };
const ctx = (
  prom: FakePrometheus,
  endpoints: ValidationContext['endpoints'] = {},
  extra: Partial<ValidationContext> = {},
): ValidationContext => ({
  runId: 'r',
  phase: 1,
  endpoints,
  clients: { prometheus: prom },
  ingestTimeoutMs: 100,
  window,
  ...extra,
});

/**
 * A healthy stack's counters: the Collector, Jaeger and the log store each accepted telemetry
 * during the run and refused none (`jobs` renames the Collector's and Jaeger's scrape jobs).
 */
function stack(
  collectorUp: number[] = [1, 1, 1],
  jobs = { collector: 'opentelemetry-collector', jaeger: 'jaeger' },
): FakePrometheus {
  const prom = new FakePrometheus();
  const c = { job: jobs.collector };
  const j = { job: jobs.jaeger, receiver: 'otlp' };
  prom.add('otelcol_receiver_accepted_log_records_total', { ...c, receiver: 'filelog' }, rise(300));
  prom.add('otelcol_receiver_refused_log_records_total', { ...c, receiver: 'filelog' }, rise(0));
  prom.add('otelcol_receiver_accepted_spans_total', j, rise(500));
  prom.add('otelcol_receiver_refused_spans_total', j, rise(0));
  prom.add('vl_rows_ingested_total', { job: 'victorialogs', type: 'opentelemetry' }, rise(300));
  prom.add('vl_http_errors_total', { job: 'victorialogs', path: '/insert/opentelemetry/v1/logs' }, rise(0));
  prom.add('loki_distributor_lines_received_total', { job: 'loki' }, rise(300));
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

function rise(to: number): [number, number][] {
  return [
    [NOW - 90, 0],
    [NOW - 2, to],
  ];
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

  it('names the VictoriaLogs stage that dropped lines, with the reason, and its funnel (the embedded store)', async () => {
    const prom = stack();
    prom.add('otelcol_exporter_sent_log_records_total', { job: 'opentelemetry-collector' }, rise(300));
    prom.data = prom.data.filter((s) => s.labels.__name__ !== 'vl_rows_ingested_total');
    prom.add('vl_rows_ingested_total', { job: 'victorialogs', type: 'opentelemetry' }, rise(260));
    prom.add('vl_rows_dropped_total', { job: 'victorialogs', reason: 'too_small_timestamp' }, rise(40));
    const [losses] = await pipelineCheck(ctx(prom));
    expect(losses?.status).toBe('fail');
    expect(losses?.message).toContain(
      'telemetry lost at VictoriaLogs ingestion: 40 log lines dropped by VictoriaLogs (reason label says why: timestamps out of retention, too many fields) (reason=too_small_timestamp: 40)',
    );
    expect(losses?.message).toContain(
      'log records sent to VictoriaLogs: 300, log lines ingested by VictoriaLogs: 260',
    );
    expect(losses?.evidence?.promql).toEqual(['vl_rows_dropped_total']);
  });

  it('fails when VictoriaLogs refused push requests, naming the insert path', async () => {
    const prom = stack();
    prom.add(
      'vl_http_errors_total',
      { job: 'victorialogs', path: '/insert/opentelemetry/v1/logs', format: 'protobuf' },
      rise(3),
    );
    const [losses] = await pipelineCheck(ctx(prom));
    expect(losses?.status).toBe('fail');
    expect(losses?.message).toContain(
      'telemetry lost at VictoriaLogs insert API: 3 push requests VictoriaLogs refused (their lines are lost unless the sender retried) (path=/insert/opentelemetry/v1/logs: 3)',
    );
  });

  it('fails on Loki discards, and ignores VictoriaLogs counters, when Loki is the log store', async () => {
    const prom = stack();
    prom.add('loki_discarded_samples_total', { job: 'loki', reason: 'rate_limited' }, rise(7));
    prom.add('vl_rows_dropped_total', { job: 'victorialogs', reason: 'debug' }, rise(9));
    const [losses] = await pipelineCheck(ctx(prom, { loki: 'http://127.0.0.1:3100' }));
    expect(losses?.status).toBe('fail');
    expect(losses?.observed).toBe('Loki ingestion: 7');
    expect(losses?.message).toContain(
      'telemetry lost at Loki ingestion: 7 log lines discarded by Loki (reason label says why) (reason=rate_limited: 7)',
    );
    expect(losses?.message).toContain('log records sent to Loki: 0, log lines received by Loki: 300');
  });

  it("takes each store's loss counters from its table entry, not from another store's", () => {
    const promql = (store: 'victorialogs' | 'loki') => lossCounters('c', store).map((c) => c.promql);
    expect(promql('victorialogs')).toEqual(
      expect.arrayContaining(LOG_STORE_COUNTERS.victorialogs.losses.map((l) => l.promql)),
    );
    expect(promql('victorialogs').some((q) => q.startsWith('loki_'))).toBe(false);
    expect(promql('loki')).toContain('loki_discarded_samples_total');
    expect(promql('loki').some((q) => q.startsWith('vl_'))).toBe(false);
  });

  it('chooses the log store from the logs client, else the endpoints, else VictoriaLogs', () => {
    expect(logStoreOf({ clients: {}, endpoints: {} })).toBe('victorialogs');
    expect(logStoreOf({ clients: {}, endpoints: { loki: 'http://l' } })).toBe('loki');
    const withLogsClient = { logs: { kind: 'loki' } } as ValidationContext['clients'];
    expect(logStoreOf({ clients: withLogsClient, endpoints: {} })).toBe('loki');
  });

  it('records how many counter series the loss check examined, and the scrapes the up check did', async () => {
    const [losses, up] = await pipelineCheck(ctx(stack()));
    expect(losses?.examined).toBeGreaterThan(0);
    expect(up?.examined).toBe(3);
  });
});

describe('pipelineCheck on empty evidence: counters that do not exist prove nothing', () => {
  it('fails naming every counter it looked for when Prometheus has none of them', async () => {
    const prom = new FakePrometheus();
    prom.add('up', { job: 'opentelemetry-collector' }, [[NOW - 30, 1]]);
    const [losses] = await pipelineCheck(ctx(prom));
    expect(losses).toMatchObject({ status: 'fail', examined: 0 });
    expect(losses?.message).toBe(
      'cannot tell whether telemetry was lost: Prometheus at http://fake-prometheus lacks ' +
        [
          'Collector (traces): no otelcol_receiver_accepted_spans[_total]{job="opentelemetry-collector"} counter',
          'Collector (traces): no otelcol_receiver_refused_spans[_total]{job="opentelemetry-collector"} counter',
          'Collector (logs): no otelcol_receiver_accepted_log_records[_total]{job="opentelemetry-collector"} counter',
          'Collector (logs): no otelcol_receiver_refused_log_records[_total]{job="opentelemetry-collector"} counter',
          'Jaeger: no otelcol_receiver_accepted_spans[_total]{job="jaeger"} counter',
          'Jaeger: no otelcol_receiver_refused_spans[_total]{job="jaeger"} counter',
          'VictoriaLogs: no vl_rows_ingested_total counter',
          'VictoriaLogs: no vl_http_errors_total{path=~"/insert/.*"} counter',
        ].join('; ') +
        ' (is each component scraped under its job? see stack.external.jobs)',
    );
  });

  it("fails when a stage's accepted counter exists but did not grow during the run", async () => {
    const prom = stack();
    prom.data = prom.data.filter(
      (s) => !(s.labels.__name__ === 'otelcol_receiver_accepted_spans_total' && s.labels.job === 'jaeger'),
    );
    prom.add('otelcol_receiver_accepted_spans_total', { job: 'jaeger' }, [
      [NOW - 90, 7],
      [NOW - 2, 7],
    ]);
    const [losses] = await pipelineCheck(ctx(prom));
    expect(losses?.status).toBe('fail');
    expect(losses?.message).toBe(
      'cannot tell whether telemetry was lost: Prometheus at http://fake-prometheus lacks Jaeger: otelcol_receiver_accepted_spans[_total]{job="jaeger"} did not grow during the run (nothing accepted) (is each component scraped under its job? see stack.external.jobs)',
    );
  });

  it('finds the Collector counters without the _total suffix (the Collector 0.160 exporter drops it)', async () => {
    const prom = stack();
    for (const s of prom.data)
      if (s.labels.job === 'opentelemetry-collector' && s.labels.__name__?.startsWith('otelcol_'))
        s.labels.__name__ = s.labels.__name__.replace(/_total$/, '');
    prom.add('otelcol_receiver_failed_spans', { job: 'opentelemetry-collector', receiver: 'otlp' }, rise(4));
    const [losses] = await pipelineCheck(ctx(prom));
    expect(losses?.status).toBe('fail');
    expect(losses?.message).toContain(
      "telemetry lost at Collector receiver (traces): 4 spans the Collector's receiver failed to pass on (an internal error) (receiver=otlp: 4)",
    );
    expect(losses?.message).toContain('Funnel: spans accepted by the Collector: 500');
  });

  it('accepts Loki without a discarded-samples counter (Loki creates it at the first discard)', async () => {
    const [losses] = await pipelineCheck(ctx(stack(), { loki: 'http://127.0.0.1:3100' }));
    expect(losses?.status, losses?.message).toBe('pass');
  });

  it('looks the counters up under the job names of the target config, not literals', async () => {
    const jobs = { collector: 'otel-gateway', jaeger: 'tracing-backend' };
    const renamed = stack([1, 1, 1], jobs);
    const [defaultJobs] = await pipelineCheck(ctx(renamed));
    expect(defaultJobs?.status).toBe('fail');
    expect(defaultJobs?.message).toContain(
      'no otelcol_receiver_accepted_spans[_total]{job="opentelemetry-collector"} counter',
    );
    renamed.add('up', { job: 'otel-gateway' }, [[NOW - 30, 1]]);
    const results = await pipelineCheck(ctx(renamed, {}, { scrapeJobs: jobs }));
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(scrapeJobsOf({ clients: {}, endpoints: {}, scrapeJobs: jobs })).toEqual({
      collector: 'otel-gateway',
      jaeger: 'tracing-backend',
      logStore: 'victorialogs',
      services: 'phoenix-services',
    });
  });
});

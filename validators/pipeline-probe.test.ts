import { describe, expect, it } from 'vitest';
import type { LogStoreKind, OtlpHttpClient } from './clients/index.ts';
import type { ProbeTarget, ValidationContext } from './context.ts';
import { PROBE_SERVICE, pipelineProbe } from './pipeline-probe.ts';
import { FakeLogStore } from './testing/fake-log-store.ts';

/** A Collector stand-in: `deliver` decides whether the probe's log record reaches the store. */
function collector(store: FakeLogStore, deliver: boolean): OtlpHttpClient {
  const stub = {
    sendLog: async (log: { traceId: string; body: string; serviceName: string }) => {
      if (deliver) store.add(log.serviceName, log.traceId, {}, Date.now(), log.body);
    },
  };
  return stub as unknown as OtlpHttpClient;
}

const ctx = (store: FakeLogStore, deliver: boolean): ValidationContext => ({
  runId: 'r',
  phase: 1,
  endpoints: {},
  clients: { logs: store, otlp: collector(store, deliver) },
  ingestTimeoutMs: 300,
});

const logLeg = async (c: ValidationContext) =>
  (await pipelineProbe(c)).find((r) => r.id === 'pipeline.probe.log');

describe.each(['victorialogs', 'loki'] as LogStoreKind[])('the pipeline probe log leg on %s', (kind) => {
  it('passes when the probe line comes back with its trace id', async () => {
    const store = new FakeLogStore(kind);
    const r = await logLeg(ctx(store, true));
    expect(r?.status, r?.message).toBe('pass');
    expect(r?.message).toBe(`the probe log line reached ${store.product}, carrying the trace id`);
    expect(store.lines[0]?.labels.service).toBe(PROBE_SERVICE);
  });

  it('fails, naming the store and its URL, when the line never arrives', async () => {
    const store = new FakeLogStore(kind);
    const r = await logLeg(ctx(store, false));
    expect(r?.status).toBe('fail');
    expect(r?.message).toBe(
      `${store.product} at ${store.baseUrl} did not return the probe log line within 300ms (last: 0 line(s))`,
    );
  });
});

/** A probe target stand-in: records what the check marks and whether Prometheus would see it. */
function probeTarget(errors: string[] = []) {
  const marked = new Set<string>();
  const target: ProbeTarget = {
    address: '127.0.0.1:9999',
    series: (id) => `harness_pipeline_probe_info{probe_id="${id}"}`,
    mark: (id) => void marked.add(id),
    unmark: (id) => void marked.delete(id),
    errors,
  };
  return { target, marked };
}

/** A metric-leg context: Prometheus returns the series only while it is marked and registered (unless `scraped` is false). */
function metricCtx(target: ProbeTarget, marked: Set<string>, scraped: boolean) {
  const registered: string[][] = [];
  const prometheus = {
    baseUrl: 'http://prometheus.test',
    query: async (promql: string) =>
      scraped && registered.at(-1)?.includes(target.address) && [...marked].some((id) => promql.includes(id))
        ? [{ metric: {}, value: [0, '1'] }]
        : [],
  };
  const store = new FakeLogStore('victorialogs');
  const c: ValidationContext = {
    ...ctx(store, true),
    clients: {
      logs: store,
      otlp: collector(store, true),
      prometheus,
    } as unknown as ValidationContext['clients'],
    probeTarget: target,
    registerScrapeTargets: (groups) => void registered.push(groups.flatMap((g) => g.targets)),
  };
  return { c, registered };
}

const metricLeg = async (c: ValidationContext) =>
  (await pipelineProbe(c)).find((r) => r.id === 'pipeline.probe.metric');

describe('the pipeline probe metric leg', () => {
  it('passes when Prometheus returns the marked series, and leaves the handed-in target unmarked and unregistered', async () => {
    const { target, marked } = probeTarget();
    const { c, registered } = metricCtx(target, marked, true);
    const r = await metricLeg(c);
    expect(r?.status, r?.message).toBe('pass');
    expect(r?.message).toBe('Prometheus scraped the probe metric');
    expect(registered).toEqual([['127.0.0.1:9999'], []]);
    expect(marked.size).toBe(0);
  });

  it("fails naming Prometheus, its URL and the probe listener's errors when the series never arrives", async () => {
    const errors: string[] = ['kept from an earlier run'];
    const { target, marked } = probeTarget(errors);
    const { c } = metricCtx(target, marked, false);
    const leg = metricLeg(c);
    errors.push('write EPIPE');
    const r = await leg;
    expect(r?.status).toBe('fail');
    expect(r?.message).toBe(
      "Prometheus at http://prometheus.test did not return the probe metric within 300ms (last: 0 series); the probe's listener at 127.0.0.1:9999 failed: write EPIPE",
    );
  });

  it('is skipped, naming what is missing, when the orchestration handed in no probe target', async () => {
    const { target, marked } = probeTarget();
    const { c } = metricCtx(target, marked, true);
    const { probeTarget: _omitted, ...withoutTarget } = c;
    const r = await metricLeg(withoutTarget);
    expect(r?.status).toBe('skip');
    expect(r?.message).toBe('needs the probe scrape target (ctx.probeTarget) the orchestration starts');
  });
});

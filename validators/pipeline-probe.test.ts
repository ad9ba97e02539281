import { describe, expect, it } from 'vitest';
import type { LogStoreKind, OtlpHttpClient } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
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

describe('the pipeline probe metric leg', () => {
  it('is an error naming the address when its listener cannot listen (not an uncaught exception)', async () => {
    const store = new FakeLogStore('victorialogs');
    const prometheus = { baseUrl: 'http://prometheus.test', query: async () => [] };
    const results = await pipelineProbe({
      ...ctx(store, true),
      clients: {
        logs: store,
        otlp: collector(store, true),
        prometheus,
      } as unknown as ValidationContext['clients'],
      // TEST-NET-1 (RFC 5737): no interface of this machine has it.
      scrapeTargetHost: '192.0.2.1',
      registerScrapeTargets: () => undefined,
    });
    const metric = results.find((r) => r.id === 'pipeline.probe.metric');
    expect(metric?.status).toBe('error');
    expect(metric?.message).toBe(
      "the probe's metrics listener could not listen on 192.0.2.1: listen EADDRNOTAVAIL: address not available 192.0.2.1",
    );
  });
});

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

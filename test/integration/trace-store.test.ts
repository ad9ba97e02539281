import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSyntheticTelemetry } from '../../bench/synthetic-telemetry.ts';
import { readLedger } from '../../load/index.ts';
import { startLocalStack } from '../../stack/index.ts';
import { createClients, endpointsFromStack, tracesCheck } from '../../validators/index.ts';

describe("Jaeger's Badger trace store (--trace-store badger), through the real Collector", () => {
  it("keeps the run's traces on disk in its folder, and the traces checks find every one", async () => {
    await using stack = await startLocalStack({
      outDir: 'out',
      components: ['otel-collector', 'jaeger', 'victorialogs'],
      traceStore: 'badger',
      log: () => undefined,
    });
    const ep = stack.endpoints();
    const run = await generateSyntheticTelemetry({
      requests: 40,
      runId: stack.runId,
      otlpHttpUrl: ep['otel-collector'] ?? '',
      fleetLogDir: stack.fleetLogDir ?? join('out', stack.runId, 'fleet-logs'),
      ledgerPath: join('out', stack.runId, 'ledger.jsonl'),
    });
    const endpoints = endpointsFromStack(ep);
    const results = await tracesCheck({
      runId: stack.runId,
      phase: 4,
      endpoints,
      clients: createClients(endpoints),
      ingestTimeoutMs: 30_000,
      ledger: { path: run.ledgerPath, read: () => readLedger(run.ledgerPath) },
    });
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(results.find((r) => r.id === 'traces.completeness')?.message).toBe(
      'all 40 requests of the ledger have their trace in Jaeger',
    );
    // Badger's files, under the component's data directory in the run's folder.
    const badger = join(stack.dir, 'jaeger', 'data', 'badger');
    expect(readdirSync(join(badger, 'keys'))).toContain('MANIFEST');
    expect(readdirSync(join(badger, 'values')).some((f) => f.endsWith('.vlog'))).toBe(true);
  });
});

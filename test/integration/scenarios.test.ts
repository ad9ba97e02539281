/**
 * Each scenario runs for real, for a few seconds, against the mock fleet, through the in-process
 * engine (in its own process, running the same definitions as the k6 scripts): its ledger must
 * hold exactly the flow requests the engine counted, each with its own trace id, and those traces
 * must reach the fleet; a deliberately impossible SLO must fail the run, naming the threshold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, HarnessError, LOOPBACK, newRunId, type LedgerEntry } from '../../core/index.ts';
import { readLedger, runScenario, type ScenarioName, type ScenarioRun } from '../../load/index.ts';
import { startFleet, type StartedFleet } from '../../mock-services/index.ts';

/** Short runs: long enough for every stage of each shape, short enough for CI. */
const SHORT_RUN = { DURATION: '4s', RATE: '10' };

async function ledgerOf(run: ScenarioRun): Promise<LedgerEntry[]> {
  const records: LedgerEntry[] = [];
  if (run.ledgerPath !== undefined)
    for await (const record of readLedger(run.ledgerPath)) records.push(record);
  return records;
}

describe('scenarios through the in-process engine against the mock fleet', () => {
  let fleet: StartedFleet;
  let outDir: string;
  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'phx-scenarios-'));
    fleet = await startFleet({ spanExporterFactory: () => spans });
  });

  afterAll(async () => {
    await fleet?.[Symbol.asyncDispose]();
    if (outDir !== undefined) await rm(outDir, { recursive: true, force: true });
  });

  const run = (scenario: ScenarioName, env: Record<string, string> = SHORT_RUN) =>
    runScenario({ scenario, baseUrl: fleet.entryUrl, runId: newRunId(), outDir, env, engine: 'node' });

  for (const scenario of ['smoke', 'load', 'stress', 'spike', 'soak'] as const) {
    it(`${scenario}: the ledger holds every flow request the engine counted, each with its own trace id`, async () => {
      const result = await run(scenario);
      expect(result.engine).toBe('node');
      expect(result.thresholdFailures, 'the mock fleet meets every SLO at this rate').toEqual([]);
      expect(result.exitCode).toBe(0);

      const ledger = await ledgerOf(result);
      const httpReqs = result.summary.metrics['http_reqs']?.values['count'];
      expect(result.requests).toBeGreaterThan(scenario === 'smoke' ? 3 : 10);
      expect(ledger).toHaveLength(result.requests);
      // http_reqs also counts setup()'s GET /healthz (as k6's does), which is not a flow request.
      expect(httpReqs).toBe(ledger.length + 1);
      expect(new Set(ledger.map((r) => r.traceId)).size).toBe(ledger.length);
      expect(new Set(ledger.map((r) => r.correlationId)).size).toBe(ledger.length);
      const runId = result.summary.phoenix?.runId;
      expect(ledger.every((r) => r.status === 200 && r.correlationId.startsWith(`${runId}-`))).toBe(true);
      expect(new Set(ledger.map((r) => r.flow))).toEqual(
        new Set(['plan_and_execute', 'kb_query', 'llm_generate']),
      );
    });
  }

  it('carries each ledger trace id into the fleet: the orchestrator served it as that trace', async () => {
    spans.reset();
    const result = await run('smoke', { DURATION: '2s', RATE: '3' });
    await fleet.flush();
    const served = new Set(
      spans
        .getFinishedSpans()
        .filter((s) => s.resource.attributes['service.name'] === 'orchestrator-service')
        .map((s) => s.spanContext().traceId),
    );
    const ledger = await ledgerOf(result);
    expect(ledger.length).toBeGreaterThan(0);
    expect(ledger.filter((r) => !served.has(r.traceId))).toEqual([]);
  });

  it('fails the run, naming the threshold, when an SLO cannot be met', async () => {
    const result = await run('smoke', { DURATION: '2s', RATE: '3', SLO_P95_MS: '0.001' });
    expect(result.exitCode).toBe(99);
    expect(result.thresholdFailures).toContainEqual({
      metric: 'http_req_duration{flow:plan_and_execute}',
      threshold: 'p(95)<0.001',
      reason: '19 of 20 plan_and_execute requests answer within 0.001ms (its p95 latency SLO)',
    });
    // The ledger is still complete: a failed SLO is a result, not a lost run.
    expect(await ledgerOf(result)).toHaveLength(result.requests);
  });

  it('fails at once (no load sent), saying what to start, when nothing answers at BASE_URL', async () => {
    const baseUrl = `http://${LOOPBACK}:${await getFreePort()}`;
    const error = await runScenario({
      scenario: 'load',
      baseUrl,
      runId: newRunId(),
      outDir,
      engine: 'node',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).message).toContain(
      `no Phoenix orchestrator answers at ${baseUrl}/healthz (dial: connection refused): start the fleet`,
    );
  });
});

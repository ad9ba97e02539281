/**
 * The in-process engine against the stand-in orchestrator (in this process: these tests count,
 * they never time). Each run is short; assertions are on counts, statuses and verdicts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HarnessError,
  LOOPBACK,
  getFreePort,
  ledgerEntrySchema,
  type LedgerEntry,
} from '../../core/index.ts';
import { executorFor, parseScenarioConfig } from '../../scenarios/index.ts';
import { startStandInOrchestrator, type StandInOrchestrator } from '../testing/stand-in-orchestrator.ts';
import { runEngine, executionTuple } from './engine.ts';
import { iterationSchedule } from './schedule.ts';

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'phx-engine-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function ledgerLines(path: string | undefined): Promise<LedgerEntry[]> {
  if (path === undefined) return [];
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ledgerEntrySchema.parse(JSON.parse(l)));
}

async function withStandIn<T>(latencyMs: number, body: (s: StandInOrchestrator) => Promise<T>): Promise<T> {
  const standIn = await startStandInOrchestrator({ latencyMs });
  try {
    return await body(standIn);
  } finally {
    await standIn[Symbol.asyncDispose]();
  }
}

let runs = 0;
const runDir = () => join(outDir, `run-${++runs}`);

describe('the in-process engine', () => {
  it('writes one ledger line per flow request, in the ledger schema, with fresh ids', async () => {
    await withStandIn(0, async (standIn) => {
      const run = await runEngine({
        scenario: 'smoke',
        env: { BASE_URL: standIn.entryUrl, RUN_ID: 'engine-ledger', RATE: '10', DURATION: '1s' },
        runDir: runDir(),
      });
      const ledger = await ledgerLines(run.ledgerPath);
      expect(run.engine).toBe('node');
      expect(run.requests).toBe(10);
      expect(ledger).toHaveLength(10);
      expect(standIn.flowRequests).toBe(10);
      // http_reqs also counts the preflight GET /healthz, as k6's does.
      expect(run.summary.metrics['http_reqs']?.values['count']).toBe(11);
      expect(new Set(ledger.map((r) => r.traceId)).size).toBe(10);
      expect(ledger.map((r) => r.correlationId)).toEqual(
        Array.from({ length: 10 }, (_, i) => `engine-ledger-1-${i}`),
      );
      // Smoke sends the flows in turn.
      expect(ledger.slice(0, 3).map((r) => r.flow)).toEqual(['plan_and_execute', 'kb_query', 'llm_generate']);
      expect(ledger.every((r) => r.status === 200 && r.errorCode === undefined)).toBe(true);
      expect(run.thresholdFailures).toEqual([]);
      expect(run.exitCode).toBe(0);
      const summary = JSON.parse(await readFile(run.summaryPath, 'utf8')) as { phoenix: { runId: string } };
      expect(summary.phoenix.runId).toBe('engine-ledger');
    });
  });

  it('sends only the flow it is given instead of the mix, and names an unknown one', async () => {
    await withStandIn(0, async (standIn) => {
      const run = await runEngine({
        scenario: 'smoke',
        flow: 'llm_generate',
        env: { BASE_URL: standIn.entryUrl, RUN_ID: 'engine-flow', RATE: '10', DURATION: '1s' },
        runDir: runDir(),
      });
      const ledger = await ledgerLines(run.ledgerPath);
      expect(ledger.map((r) => r.flow)).toEqual(Array(10).fill('llm_generate'));
      expect(run.summary.metrics['http_reqs{flow:plan_and_execute}']?.values['count']).toBe(0);
    });
    await expect(
      runEngine({
        scenario: 'smoke',
        flow: 'nope' as 'kb_query',
        env: { BASE_URL: 'http://127.0.0.1:1' },
        runDir: runDir(),
      }),
    ).rejects.toThrow('unknown flow "nope"');
  });

  it('drops and counts the iterations beyond the VU cap (k6 dropped_iterations)', async () => {
    await withStandIn(400, async (standIn) => {
      const env = { BASE_URL: standIn.entryUrl, RATE: '20', DURATION: '1s', VUS: '1', MAX_VUS: '2' };
      const scheduled = [...iterationSchedule(executorFor(parseScenarioConfig('load', env)), undefined)]
        .length;
      const run = await runEngine({ scenario: 'load', env, runDir: runDir() });
      expect(run.droppedIterations).toBeGreaterThan(0);
      expect(run.requests + run.droppedIterations).toBe(scheduled);
      expect(run.summary.metrics['vus_max']?.values['value']).toBe(2);
      expect(run.thresholdFailures.map((f) => f.metric)).toContain('dropped_iterations');
    });
  });

  it('times a slow request out as k6 does: status 0, error code 1050, counted as failed', async () => {
    await withStandIn(2_000, async (standIn) => {
      const run = await runEngine({
        scenario: 'smoke',
        env: { BASE_URL: standIn.entryUrl, RATE: '4', DURATION: '1s', REQUEST_TIMEOUT: '100ms' },
        runDir: runDir(),
      });
      const ledger = await ledgerLines(run.ledgerPath);
      expect(ledger).toHaveLength(4);
      expect(ledger.map((r) => [r.status, r.errorCode])).toEqual(Array(4).fill([0, 1050]));
      expect(run.summary.metrics['http_req_failed{flow:kb_query}']?.values['rate']).toBe(1);
      expect(run.thresholdFailures).toContainEqual({
        metric: 'http_req_failed{flow:kb_query}',
        threshold: 'rate<0.01',
        reason: 'kb_query spends at most its error budget of 1%',
      });
    });
  });

  it('evaluates the latency SLOs from HDR percentiles: a breach fails, a met bound holds', async () => {
    await withStandIn(30, async (standIn) => {
      const env = { BASE_URL: standIn.entryUrl, RATE: '6', DURATION: '1s' };
      const breached = await runEngine({
        scenario: 'smoke',
        env: { ...env, SLO_P95_MS: '5' },
        runDir: runDir(),
      });
      expect(breached.exitCode).toBe(99);
      expect(breached.thresholdFailures).toContainEqual({
        metric: 'http_req_duration{flow:plan_and_execute}',
        threshold: 'p(95)<5',
        reason: '19 of 20 plan_and_execute requests answer within 5ms (its p95 latency SLO)',
      });
      expect(
        breached.summary.metrics['http_req_duration{flow:kb_query}']?.values['p(95)'],
      ).toBeGreaterThanOrEqual(30);
      const met = await runEngine({
        scenario: 'smoke',
        env: { ...env, SLO_P95_MS: '60000' },
        runDir: runDir(),
      });
      expect(met.thresholdFailures).toEqual([]);
    });
  });

  it('two segments 0:1/2 and 1/2:1 send the whole schedule between them, with disjoint ids', async () => {
    await withStandIn(0, async (standIn) => {
      const env = {
        BASE_URL: standIn.entryUrl,
        RUN_ID: 'seg',
        RATE: '30',
        DURATION: '1s',
        VUS: '4',
        MAX_VUS: '8',
      };
      const whole = [...iterationSchedule(executorFor(parseScenarioConfig('load', env)), undefined)].length;
      const halves = [];
      for (const segment of ['0:1/2', '1/2:1']) {
        halves.push(await runEngine({ scenario: 'load', env, runDir: runDir(), segment }));
      }
      const ledgers = await Promise.all(halves.map((h) => ledgerLines(h.ledgerPath)));
      const dropped = halves.reduce((n, h) => n + h.droppedIterations, 0);
      expect(ledgers.flat().length + dropped).toBe(whole);
      const ids = new Set(ledgers.flat().map((r) => r.correlationId));
      expect(ids.size).toBe(ledgers.flat().length);
      expect(ledgers.every((l) => l.length > 0)).toBe(true);
      expect(halves.map((h) => h.segment)).toEqual(['0:1/2', '1/2:1']);
      expect(executionTuple('1/2:1', undefined).scale(8)).toBe(4);
    });
  });

  it('fails at once, saying what to start, when nothing answers at BASE_URL', async () => {
    const baseUrl = `http://${LOOPBACK}:${await getFreePort()}`;
    const error = await runEngine({ scenario: 'load', env: { BASE_URL: baseUrl }, runDir: runDir() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).message).toBe(
      `no Phoenix orchestrator answers at ${baseUrl}/healthz (dial: connection refused): start the fleet with \`npm run fleet\` or set BASE_URL to a running orchestrator`,
    );
  });

  it('names a bad variable or segment instead of running', async () => {
    await expect(runEngine({ scenario: 'load', env: { RATE: 'fast' }, runDir: runDir() })).rejects.toThrow(
      /RATE="fast": must be a positive number/,
    );
    await expect(
      runEngine({ scenario: 'load', env: {}, runDir: runDir(), segment: '3/4:1/4' }),
    ).rejects.toThrow(/must satisfy 0 <= from < to <= 1/);
  });
});

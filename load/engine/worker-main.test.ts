import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLedger } from '../ledger.ts';
import { startStandInOrchestrator } from '../testing/stand-in-orchestrator.ts';
import { engineProcessArguments, runEngineProcess } from './spawn.ts';

// worker-main.ts runs main() on import, so its parser is tested through the process it starts.
describe('the engine as its own process', () => {
  it('keeps secrets off the command line', () => {
    const args = engineProcessArguments({
      scenario: 'load',
      baseUrl: 'http://127.0.0.1:1',
      runId: 'r',
      outDir: 'out',
      env: { AUTH_TOKEN: 's3cret', RATE: '5' },
      segment: '1/4:2/4',
      ledger: false,
    });
    expect(args.join(' ')).not.toContain('s3cret');
    expect(args).toEqual(
      expect.arrayContaining(['--segment', '1/4:2/4', '--no-ledger', '--scenario', 'load']),
    );
  });

  it('passes --flow to the worker, which refuses an unknown flow by name', async () => {
    const options = {
      scenario: 'smoke',
      baseUrl: 'http://127.0.0.1:1',
      runId: 'f',
      outDir: tmpdir(),
    } as const;
    expect(engineProcessArguments({ ...options, flow: 'kb_query' })).toEqual(
      expect.arrayContaining(['--flow', 'kb_query']),
    );
    await expect(runEngineProcess({ ...options, flow: 'teleport' as 'kb_query' })).rejects.toThrow(
      '--flow must be one of plan_and_execute, kb_query, llm_generate (got "teleport")',
    );
  }, 60_000);

  it('runs a scenario in a child process and hands back its ScenarioRun and ledger', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'phx-engine-process-'));
    const standIn = await startStandInOrchestrator();
    try {
      const lines: string[] = [];
      const run = await runEngineProcess({
        scenario: 'smoke',
        baseUrl: standIn.entryUrl,
        runId: 'child',
        outDir,
        env: { RATE: '5', DURATION: '1s' },
        onOutput: (line) => lines.push(line),
      });
      expect(run.engine).toBe('node');
      expect(run.requests).toBe(5);
      expect(standIn.flowRequests).toBe(5);
      let records = 0;
      for await (const record of readLedger(run.ledgerPath ?? '')) records += record.status === 200 ? 1 : 0;
      expect(records).toBe(5);
      expect(lines.join('\n')).toContain('Phoenix smoke: run child');
    } finally {
      await standIn[Symbol.asyncDispose]();
      await rm(outDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('started before its target, loads, waits for the base URL on stdin and only then sends', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'phx-engine-early-'));
    let give: (url: string) => void = () => undefined;
    const baseUrl = new Promise<string>((resolveUrl) => (give = resolveUrl));
    const running = runEngineProcess({
      scenario: 'smoke',
      baseUrl,
      runId: 'early',
      outDir,
      env: { RATE: '5', DURATION: '1s' },
    });
    // The target starts after the engine's process: nothing could have reached it before.
    const standIn = await startStandInOrchestrator();
    try {
      give(standIn.entryUrl);
      const run = await running;
      expect(run.requests).toBe(5);
      expect(standIn.flowRequests).toBe(5);
    } finally {
      await standIn[Symbol.asyncDispose]();
      await rm(outDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('ends, naming why, when its base URL never comes', async () => {
    const baseUrl = Promise.reject(new Error('the fleet did not start'));
    await expect(
      runEngineProcess({ scenario: 'smoke', baseUrl, runId: 'never', outDir: tmpdir() }),
    ).rejects.toThrow('stdin closed before a base URL arrived: the harness that started this engine gave up');
  }, 60_000);

  it("turns the worker's error line into a HarnessError", async () => {
    await expect(
      runEngineProcess({ scenario: 'smoke', baseUrl: 'http://127.0.0.1:1', runId: 'x', outDir: tmpdir() }),
    ).rejects.toThrow(
      /no Phoenix orchestrator answers at http:\/\/127.0.0.1:1\/healthz \(dial: connection refused\)/,
    );
  }, 60_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessError, parseConfig } from '../core/index.ts';
import type { ValidatorName } from '../validators/index.ts';
import { missingForExternalRun } from './external-requirements.ts';
import { Progress } from './progress.ts';
import { runExternalValidation } from './run-external-validation.ts';

const ALL: ValidatorName[] = ['metrics', 'pipeline', 'traces', 'logs', 'dashboards', 'alerts.drill'];
const FULL = {
  prometheus: 'http://127.0.0.1:9',
  jaeger: 'http://127.0.0.1:9',
  victorialogs: 'http://127.0.0.1:9',
};

describe('missingForExternalRun', () => {
  it('is empty when every backend and the ledger are there', () => {
    expect(missingForExternalRun(4, FULL, 'ledger.jsonl', ALL)).toEqual([]);
  });

  it('names each missing backend and the ledger, with what to add', () => {
    expect(missingForExternalRun(2, { prometheus: FULL.prometheus }, undefined, ALL)).toEqual([
      "phase 2 needs a ledger: pass --ledger <file> (see README 'Against staging') (for the metrics, traces, logs checks)",
      'phase 2 needs stack.external.jaeger (for the traces checks)',
      'phase 2 needs stack.external.victorialogs or stack.external.loki (for the logs checks)',
    ]);
    expect(missingForExternalRun(1, { ...FULL, prometheus: undefined }, 'l', ALL)).toEqual([
      'phase 1 needs stack.external.prometheus (for the metrics, pipeline checks)',
    ]);
  });

  it('accepts Loki as the log store, and asks only for what the selected validators need', () => {
    const { victorialogs: _, ...noVl } = FULL;
    expect(missingForExternalRun(2, { ...noVl, loki: 'http://127.0.0.1:9' }, 'l', ALL)).toEqual([]);
    expect(missingForExternalRun(2, { prometheus: FULL.prometheus }, undefined, ['pipeline'])).toEqual([]);
  });
});

describe('runExternalValidation', () => {
  const progress = new Progress();
  const configWith = (external: Record<string, string>) =>
    parseConfig({ outDir: mkdtempSync(join(tmpdir(), 'phx-ext-')), stack: { runner: 'external', external } });

  it('exits 2 (HarnessError) naming the missing backend and ledger instead of skipping their checks', async () => {
    const run = runExternalValidation({
      config: configWith({ prometheus: FULL.prometheus, victorialogs: FULL.victorialogs }),
      phase: 2,
      ledgerPath: undefined,
      progress,
    });
    await expect(run).rejects.toBeInstanceOf(HarnessError);
    await expect(run).rejects.toThrow(
      "--stack external cannot check the phase 2 gate: phase 2 needs a ledger: pass --ledger <file> (see README 'Against staging') (for the metrics, traces, logs checks); phase 2 needs stack.external.jaeger (for the traces checks)",
    );
  });

  it('exits 2 with "no traffic was sent" for a ledger without requests', async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), 'phx-ext-')), 'ledger.jsonl');
    writeFileSync(ledger, '');
    const run = runExternalValidation({ config: configWith(FULL), phase: 2, ledgerPath: ledger, progress });
    await expect(run).rejects.toBeInstanceOf(HarnessError);
    await expect(run).rejects.toThrow(`no traffic was sent: the ledger ${ledger} holds no requests`);
  });
});

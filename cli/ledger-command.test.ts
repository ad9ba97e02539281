import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestsOf, writeK6RawOutput } from '../load/testing/synthetic-k6-output.ts';
import { ledgerMerge, parseEnvPair, thresholdsCommand } from './ledger-command.ts';

const CLI = resolve(import.meta.dirname, 'main.ts');
const T0 = Date.UTC(2026, 0, 1, 12);

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

let dir: string;
let runners: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'phx-ledger-cli-'));
  // Two k6-operator runners; kb_query answers in 10…200 ms and 205…300 ms.
  runners = [1, 2].map((n) => {
    const path = join(dir, `runner-${n}.json.gz`);
    const duration = n === 1 ? (i: number) => (i + 1) * 10 : (i: number) => 205 + i * 5;
    writeK6RawOutput(path, {
      instanceId: n,
      requests: requestsOf(n, 20, { fromMs: T0, spanMs: 9_000, duration }),
    });
    return path;
  });
});

describe('phx-harness ledger merge / thresholds', () => {
  it('merges and prints per-runner counts, the window, the skew and the problems', async () => {
    let printed = '';
    const code = await ledgerMerge(
      runners,
      { out: join(dir, 'merged.jsonl'), env: {} },
      (t) => (printed += t),
    );
    expect(code).toBe(0);
    expect(printed).toContain(`merged 2 runners (parallelism 2, inferred from the runners`);
    expect(printed).toMatch(/runner-1\s+0:1\/2\s+instance_id tag\s+20\s/);
    expect(printed).toMatch(/runner-2\s+1\/2:1\s+instance_id tag\s+20\s/);
    expect(printed).toMatch(
      /window: 2026-01-01T12:00:00\.000Z → .* \(9\.\d s, the union of the runners' windows\)/,
    );
    expect(printed).toMatch(/clock skew: 0\.0 s between runner-\d and runner-\d \(tolerance 2\.0 s\)/);
    expect(printed).toContain('problems: none');
  });

  it('prints the table of a refused merge before refusing it', async () => {
    let printed = '';
    const out = join(dir, 'refused.jsonl');
    await expect(
      ledgerMerge([runners[0] ?? ''], { out, parallelism: 2, env: {} }, (t) => (printed += t)),
    ).rejects.toThrow('runner 2 of 2 (segment 1/2:1, instance_id=2) is missing');
    expect(printed).toContain('(not written: merge refused)');
    expect(existsSync(out)).toBe(false);
  });

  it('prints each threshold with its merged value, verdict and per-runner values; 1 when one is breached', async () => {
    await ledgerMerge(runners, { out: join(dir, 'for-thresholds.jsonl'), env: {} }, () => undefined);
    let printed = '';
    const code = await thresholdsCommand(
      {
        ledger: join(dir, 'for-thresholds.jsonl'),
        scenario: 'load',
        env: { RATE: '20', DURATION: '10s', SLO_P95_MS: '250' },
        compareHdr: true,
      },
      (t) => (printed += t),
    );
    expect(code).toBe(1);
    expect(printed).toMatch(/threshold\s+merged\s+verdict\s+runner-1\s+runner-2/);
    expect(printed).toMatch(
      /http_req_duration\{flow:kb_query\} p\(95\)<250\s+290\.00ms\s+BREACHED\s+190\.00ms\s+295\.00ms/,
    );
    expect(printed).toContain('percentiles: exact: nearest-rank percentiles from all 40 samples');
    expect(printed).toContain('relative error ≤ 0.1%');
  });

  it('parses --env NAME=value and refuses anything else', () => {
    expect(parseEnvPair('RATE=20', { DURATION: '1m' })).toEqual({ DURATION: '1m', RATE: '20' });
    expect(parseEnvPair('BASE_URL=http://x/?a=b')).toEqual({ BASE_URL: 'http://x/?a=b' });
    expect(() => parseEnvPair('RATE')).toThrow('expected NAME=value');
  });

  it('returns 0 when every threshold holds', async () => {
    const ledger = join(dir, 'holds.jsonl');
    await ledgerMerge(runners, { out: ledger, env: {} }, () => undefined);
    let printed = '';
    const env = { RATE: '20', DURATION: '10s' };
    expect(await thresholdsCommand({ ledger, scenario: 'load', env }, (t) => (printed += t))).toBe(0);
    expect(printed).toMatch(/all \d+ thresholds hold over the merged requests/);
  });

  // Each spawn pays tsx's start-up (seconds on a busy machine): two prove the wiring of the exit codes.
  it('exits 1 when a threshold is breached and 2 when the merge is refused', async () => {
    const ledger = join(dir, 'exit-codes.jsonl');
    await ledgerMerge(runners, { out: ledger, env: {} }, () => undefined);
    const breached = runCli([
      'thresholds',
      '--ledger',
      ledger,
      '--scenario',
      'load',
      '--env',
      'SLO_P95_MS=250',
    ]);
    expect(breached.status, breached.stderr).toBe(1);
    expect(breached.stdout).toContain('BREACHED');

    const refused = runCli([
      'ledger',
      'merge',
      runners[0] ?? '',
      '--out',
      join(dir, 'x.jsonl'),
      '--parallelism',
      '2',
    ]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toContain('(not written: merge refused)');
    expect(refused.stderr).toContain('runner 2 of 2 (segment 1/2:1, instance_id=2) is missing');
  }, 150_000);

  it('refuses a ledger without its runners manifest (exit 2 through the CLI)', async () => {
    await expect(
      thresholdsCommand({ ledger: join(dir, 'absent.jsonl'), scenario: 'load', env: {} }, () => undefined),
    ).rejects.toThrow(`cannot read the runners manifest ${join(dir, 'absent.runners.json')}`);
  });
});

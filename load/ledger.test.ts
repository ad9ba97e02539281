import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FLOWS } from '../catalog/index.ts';
import { LEDGER_FLOWS, type LedgerEntry } from '../core/index.ts';
import { convertK6Output, readLedger } from './ledger.ts';

/** k6 --out json of scenarios/smoke.ts (3 flow requests + the preflight); re-record with load/testing/record-fixtures.ts. */
const FIXTURE = fileURLToPath(new URL('./fixtures/k6-smoke-output.jsonl', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A k6 point line for a request that got no answer, as k6 1.8 writes it (connection refused). */
function refusedPoint(metric: string, metadata: Record<string, string> | undefined): string {
  return JSON.stringify({
    metric,
    type: 'Point',
    data: {
      time: '2026-11-23T12:30:45.797778439Z',
      value: metric === 'http_reqs' ? 1 : 0,
      tags: {
        error_code: '1212',
        expected_response: 'false',
        flow: 'kb_query',
        group: '',
        method: 'POST',
        name: 'POST /api/kb/query',
        scenario: 'load',
        status: '0',
      },
      ...(metadata === undefined ? {} : { metadata }),
    },
  });
}

async function collect(path: string): Promise<LedgerEntry[]> {
  const records: LedgerEntry[] = [];
  for await (const record of readLedger(path)) records.push(record);
  return records;
}

describe('the ledger converter', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phx-ledger-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one record per flow request of a real k6 run, and leaves the preflight out', async () => {
    const ledgerPath = join(dir, 'ledger.jsonl');
    const stats = await convertK6Output(FIXTURE, ledgerPath);
    expect(stats).toMatchObject({
      records: 3,
      flowRequests: 3,
      otherRequests: 1,
      untraced: 0,
      malformedLines: 0,
    });
    const records = await collect(ledgerPath);
    expect(records.map((r) => r.flow)).toEqual(['plan_and_execute', 'kb_query', 'llm_generate']);
    expect(records.map((r) => r.correlationId)).toEqual([
      'fixture-run-1-0',
      'fixture-run-1-1',
      'fixture-run-1-2',
    ]);
    expect(new Set(records.map((r) => r.traceId)).size).toBe(3);
    for (const record of records) {
      expect(record.status).toBe(200);
      expect(record.durationMs).toBeGreaterThan(0);
      expect(record.startMs).toBeGreaterThan(Date.parse('2026-01-01'));
    }
  });

  it('reads k6 output gzipped, as the harness stores it', async () => {
    const gz = join(dir, 'raw.json.gz');
    await pipeline(createReadStream(FIXTURE), createGzip(), createWriteStream(gz));
    const stats = await convertK6Output(gz, join(dir, 'ledger.jsonl'));
    expect(stats.records).toBe(3);
  });

  it('records a request that got no answer with status 0 and k6 error code', async () => {
    const raw = join(dir, 'raw.json');
    const metadata = { trace_id: 'a'.repeat(32), correlation_id: 'r-1-0', started_ms: '1795437045797' };
    await writeFile(
      raw,
      `${refusedPoint('http_reqs', metadata)}\n${refusedPoint('http_req_duration', metadata)}\n`,
    );
    await convertK6Output(raw, join(dir, 'ledger.jsonl'));
    expect(await collect(join(dir, 'ledger.jsonl'))).toEqual([
      {
        traceId: 'a'.repeat(32),
        correlationId: 'r-1-0',
        flow: 'kb_query',
        status: 0,
        startMs: 1795437045797,
        durationMs: 0,
        errorCode: 1212,
      },
    ]);
  });

  it('counts flow requests without ledger metadata and a line cut off mid-write, so the gap shows', async () => {
    const raw = join(dir, 'raw.json');
    await writeFile(
      raw,
      [
        refusedPoint('http_reqs', undefined),
        refusedPoint('http_req_duration', undefined),
        '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-',
      ].join('\n'),
    );
    const stats = await convertK6Output(raw, join(dir, 'ledger.jsonl'));
    expect(stats).toMatchObject({ records: 0, flowRequests: 1, untraced: 1, malformedLines: 1 });
  });

  it('names the k6 output it cannot read', async () => {
    await expect(convertK6Output(join(dir, 'missing.json'), join(dir, 'ledger.jsonl'))).rejects.toThrow(
      /could not read k6's JSON output .*missing\.json/,
    );
  });

  it("names the catalog flows (the metadata keys are the scenarios' own: one LEDGER_METADATA)", () => {
    expect([...LEDGER_FLOWS]).toEqual(FLOWS.map((f) => f.name));
  });
});

describe('readLedger', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phx-ledger-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the line that is not a ledger record', async () => {
    const path = join(dir, 'ledger.jsonl');
    const good = {
      traceId: 'b'.repeat(32),
      correlationId: 'r-1-0',
      flow: 'kb_query',
      status: 200,
      startMs: 1,
      durationMs: 2,
    };
    await writeFile(path, `${JSON.stringify(good)}\n${JSON.stringify({ ...good, traceId: 'nope' })}\n`);
    await expect(collect(path)).rejects.toThrow(/ledger\.jsonl:2 is not a ledger record \(traceId: /);
  });
});

describe('the ledger CLI (npx tsx load/ledger.ts <raw> <ledger>)', () => {
  it('converts a file and prints the account', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phx-ledger-cli-'));
    try {
      const ledgerPath = join(dir, 'ledger.jsonl');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'load/ledger.ts', FIXTURE, ledgerPath],
        { cwd: REPO_ROOT },
      );
      expect(stdout).toContain('3 requests in');
      expect(stdout).toContain('k6 counted 3 flow requests (+1 other)');
      expect((await readFile(ledgerPath, 'utf8')).trim().split('\n')).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

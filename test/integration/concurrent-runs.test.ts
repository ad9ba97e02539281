import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, '../../cli/main.ts');
const OUT_ROOT = resolve(import.meta.dirname, '../../out');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  runDir: string;
  wallMs: number;
}

/** `phx-harness validate --phase 1 --scenario smoke …` into an out dir of its own. */
function validate(label: string, args: string[] = []): Promise<CliRun> {
  const out = mkdtempSync(join(OUT_ROOT, `concurrent-${label}-`));
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'validate', '--out', out, '--phase', '1', '--scenario', 'smoke', ...args],
      { env: { ...process.env, CI: 'true' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const runDir = /(\S+)\/report\.json/.exec(stderr)?.[1] ?? '';
      done({ code: code ?? -1, stdout, stderr, runDir, wallMs: Date.now() - started });
    });
  });
}

interface Report {
  runId: string;
  verdict: string;
  checks: { id: string; status: string; message: string }[];
  accounting: { flow: string; sent: number; traced: number; logged: number; counted: number }[];
}

const report = (run: CliRun) => JSON.parse(readFileSync(join(run.runDir, 'report.json'), 'utf8')) as Report;
const ledger = (run: CliRun) =>
  readFileSync(join(run.runDir, 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { correlationId: string });
const check = (r: Report, id: string) => r.checks.find((c) => c.id === id);

/** The run's exit output, and the checks that did not pass, for an assertion message. */
function why(run: CliRun): string {
  let failed = '';
  try {
    failed = report(run)
      .checks.filter((c) => c.status !== 'pass')
      .map((c) => `${c.status} ${c.id}: ${c.message}`)
      .join('\n');
  } catch {
    failed = '(no report.json)';
  }
  return `${failed}\n${run.stderr.slice(-3000)}`;
}

/** Each run's report is about its own run: its id, its own ledger, its own requests counted. */
function expectOwnRun(run: CliRun): Report {
  const r = report(run);
  expect(run.runDir.endsWith(r.runId)).toBe(true);
  const entries = ledger(run);
  expect(entries.length).toBeGreaterThan(0);
  // Every request in the ledger carries this run's id, none the other's.
  expect(entries.filter((e) => !e.correlationId.startsWith(`${r.runId}-`))).toEqual([]);
  expect(r.accounting.reduce((n, f) => n + f.sent, 0)).toBe(entries.length);
  return r;
}

describe(
  'two validate runs on one machine at the same time never touch each other',
  { timeout: 420_000 },
  () => {
    it('both hold, each with its own run id, ledger and exact accounting', async () => {
      const [a, b] = await Promise.all([validate('a'), validate('b')]);
      process.stderr.write(`concurrent clean runs: ${a.wallMs} ms and ${b.wallMs} ms\n`);
      expect(a.code, why(a)).toBe(0);
      expect(b.code, why(b)).toBe(0);
      const [ra, rb] = [expectOwnRun(a), expectOwnRun(b)];
      expect(ra.runId).not.toBe(rb.runId);
      for (const r of [ra, rb]) {
        expect(r.verdict).toBe('pass');
        expect(check(r, 'metrics.accounting')?.status).toBe('pass');
        for (const f of r.accounting)
          expect(f).toEqual({ ...f, traced: f.sent, logged: f.sent, counted: f.sent });
      }
    });

    it('a run with a broken hop fails while the clean run beside it holds', async () => {
      const [broken, clean] = await Promise.all([
        validate('broken', ['--inject', 'orchestrator-service:drop-traceparent']),
        validate('clean'),
      ]);
      process.stderr.write(`concurrent broken/clean runs: ${broken.wallMs} ms and ${clean.wallMs} ms\n`);
      expect(broken.code, why(broken)).toBe(1);
      expect(clean.code, why(clean)).toBe(0);
      const [rb, rc] = [expectOwnRun(broken), expectOwnRun(clean)];
      expect(check(rb, 'traces.propagation')?.status).toBe('fail');
      expect(check(rb, 'traces.propagation')?.message).toMatch(
        /^orchestrator-service → data-router did not propagate traceparent/,
      );
      expect(check(rc, 'traces.propagation')?.status).toBe('pass');
      expect(rc.verdict).toBe('pass');
    });
  },
);

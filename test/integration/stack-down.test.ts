import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pidNamespace } from '../../stack/process-identity.ts';
import { bootId, writeJournalFile, type RunJournal } from '../../stack/run-journal.ts';
import { isRunning, spawnSleeper } from '../../stack/testing/sleeper.ts';

const CLI = resolve(import.meta.dirname, '../../cli/main.ts');
const CACHE = mkdtempSync(join(tmpdir(), 'phx-stack-down-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => rmSync(CACHE, { recursive: true, force: true }));

/** `phx-harness stack down …` against a journal directory of its own. */
function stackDown(args: string[] = []): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'stack', 'down', ...args], {
      env: { ...process.env, PHX_HARNESS_CACHE: CACHE, CI: 'true' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code: code ?? -1, stderr }));
  });
}

/** A live run: its harness is a real process whose identity the journal records. */
async function liveRun(runId: string, role: RunJournal['role']): Promise<ChildProcess> {
  const harness = await spawnSleeper();
  const component = await spawnSleeper();
  children.push(harness.child, component.child);
  writeJournalFile({
    version: 2,
    runId,
    role,
    harness: { ...harness.identity, pidNamespace: pidNamespace(), bootId: bootId() },
    processes: [{ component: 'prometheus', ...component.identity }],
  });
  return harness.child;
}

describe('stack down stops only what the journal positively identifies', () => {
  const saved = process.env.PHX_HARNESS_CACHE;
  process.env.PHX_HARNESS_CACHE = CACHE;
  afterAll(() => {
    if (saved === undefined) delete process.env.PHX_HARNESS_CACHE;
    else process.env.PHX_HARNESS_CACHE = saved;
  });

  it('leaves a live validate alone without --run, and stops a stack-up', async () => {
    const validate = await liveRun('20260101T000000-validate', 'validate');
    const up = await liveRun('20260101T000000-stackup', 'stack-up');
    const upExited = new Promise((r) => up.once('exit', r));
    const run = await stackDown();
    expect(run.stderr).toContain(
      'left run 20260101T000000-validate alone: a validate in progress (harness pid',
    );
    expect(run.stderr).toContain('name it to stop it: stack down --run 20260101T000000-validate');
    await upExited;
    expect(up.signalCode).toBe('SIGTERM');
    expect(isRunning(validate)).toBe(true);
  });

  it('stops a live validate when it is named with --run', async () => {
    const validate = await liveRun('20260101T000001-validate', 'validate');
    const exited = new Promise((r) => validate.once('exit', r));
    const run = await stackDown(['--run', '20260101T000001-validate']);
    expect(run.stderr).toContain('stopping run 20260101T000001-validate');
    await exited;
    expect(validate.signalCode).toBe('SIGTERM');
  });
});

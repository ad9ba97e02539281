import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chooseRunsToStop, reapOrphans } from './lifecycle.ts';
import { pidNamespace } from './process-identity.ts';
import { bootId, readJournals, writeJournalFile, type RunJournal } from './run-journal.ts';
import { isRunning, spawnSleeper } from './testing/sleeper.ts';

const cache = mkdtempSync(join(tmpdir(), 'phx-journal-'));
const savedCache = process.env.PHX_HARNESS_CACHE;
const children: ChildProcess[] = [];

beforeAll(() => {
  process.env.PHX_HARNESS_CACHE = cache;
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(join(cache, 'runs'), { recursive: true, force: true });
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.PHX_HARNESS_CACHE;
  else process.env.PHX_HARNESS_CACHE = savedCache;
  rmSync(cache, { recursive: true, force: true });
});

async function sleeper(): Promise<Awaited<ReturnType<typeof spawnSleeper>>> {
  const s = await spawnSleeper();
  children.push(s.child);
  return s;
}

const alive = isRunning;

/** A journal whose harness is gone: a pid that cannot exist (above pid_max). */
function orphanJournal(runId: string, processes: RunJournal['processes']): RunJournal {
  return {
    version: 2,
    runId,
    role: 'validate',
    harness: {
      pid: 9_999_999,
      startTime: 1,
      cmdline: 'node cli/main.ts validate',
      pidNamespace: pidNamespace(),
      bootId: bootId(),
    },
    processes,
  };
}

describe('run journal: what is killed is positively identified', () => {
  it('leaves alone a live process whose pid matches but whose start time differs (pid reused)', async () => {
    const { child, identity } = await sleeper();
    writeJournalFile(
      orphanJournal('20260101T000000-aaaaaa', [
        { component: 'prometheus', ...identity, startTime: identity.startTime - 1 },
      ]),
    );
    const lines: string[] = [];
    expect(await reapOrphans((l) => lines.push(l))).toBe(0);
    expect(alive(child)).toBe(true);
    expect(lines.join('\n')).toContain(
      `left pid ${identity.pid} alone: it is not prometheus of run 20260101T000000-aaaaaa (start time differs)`,
    );
    // The orphan's journal is done with.
    expect(readJournals()).toEqual([]);
  });

  it('leaves alone a live process whose command line is not the one recorded', async () => {
    const { child, identity } = await sleeper();
    writeJournalFile(
      orphanJournal('20260101T000000-bbbbbb', [
        { component: 'jaeger', ...identity, cmdline: '/bin/jaeger --config x' },
      ]),
    );
    expect(await reapOrphans()).toBe(0);
    expect(alive(child)).toBe(true);
  });

  it('kills the process group an orphan run left, when pid, start time and command line all match', async () => {
    const { child, identity } = await sleeper();
    writeJournalFile(orphanJournal('20260101T000000-cccccc', [{ component: 'victorialogs', ...identity }]));
    const exited = new Promise((r) => child.once('exit', r));
    expect(await reapOrphans()).toBe(1);
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('never reaps the processes of a run whose harness is alive', async () => {
    const harness = await sleeper();
    const component = await sleeper();
    writeJournalFile({
      ...orphanJournal('20260101T000000-dddddd', [{ component: 'prometheus', ...component.identity }]),
      harness: { ...harness.identity, pidNamespace: pidNamespace(), bootId: bootId() },
    });
    expect(await reapOrphans()).toBe(0);
    expect(alive(component.child)).toBe(true);
    expect(readJournals().map((j) => j.runId)).toEqual(['20260101T000000-dddddd']);
  });

  it('leaves a journal written in another pid namespace alone (its pids mean nothing here)', async () => {
    const { child, identity } = await sleeper();
    writeJournalFile({
      ...orphanJournal('20260101T000000-eeeeee', [{ component: 'prometheus', ...identity }]),
      harness: { pid: 12, startTime: 5, cmdline: 'node', pidNamespace: 'pid:[1]', bootId: bootId() },
    });
    expect(await reapOrphans()).toBe(0);
    expect(alive(child)).toBe(true);
    expect(readJournals()).toHaveLength(1);
  });
});

describe('stack down: which live runs it stops', () => {
  const run = (runId: string, role: RunJournal['role']): RunJournal => ({
    ...orphanJournal(runId, []),
    role,
  });
  const live = [run('r-validate', 'validate'), run('r-up', 'stack-up'), run('r-kept', 'kept')];

  it('stops stack-up and kept runs, never a validate in progress, saying how to name it', () => {
    const { stop, spared } = chooseRunsToStop(live);
    expect(stop.map((r) => r.runId)).toEqual(['r-up', 'r-kept']);
    expect(spared).toEqual([
      {
        runId: 'r-validate',
        reason:
          'a validate in progress (harness pid 9999999); name it to stop it: stack down --run r-validate',
      },
    ]);
  });

  it('stops a validate in progress when it is named with --run, and only that run', () => {
    expect(chooseRunsToStop(live, 'r-validate').stop.map((r) => r.runId)).toEqual(['r-validate']);
  });
});

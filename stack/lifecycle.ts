import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from './provision/cache.ts';

type Disposer = () => Promise<void>;

const disposers = new Set<Disposer>();
/** Process groups still alive; killed synchronously if the harness exits without disposing them. */
const liveGroups = new Set<number>();
let handlersInstalled = false;

/**
 * Registers a teardown to run on SIGINT/SIGTERM (Ctrl-C); returns a function that unregisters it.
 * Teardowns run newest first, like `await using` scopes unwinding.
 */
export function onShutdown(dispose: Disposer): () => void {
  installHandlers();
  disposers.add(dispose);
  return () => disposers.delete(dispose);
}

export function trackProcessGroup(pgid: number): () => void {
  installHandlers();
  liveGroups.add(pgid);
  return () => liveGroups.delete(pgid);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    process.stderr.write(`\n${signal}: tearing down…\n`);
    const all = [...disposers].reverse();
    disposers.clear();
    // A second Ctrl-C during teardown exits at once (the exit hook still kills process groups).
    process.once(signal, () => process.exit(code));
    void (async () => {
      for (const dispose of all)
        await dispose().catch((e: Error) => process.stderr.write(`teardown: ${e.message}\n`));
      process.exit(code);
    })();
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A journal of what each run started (`<cache>/runs/<run-id>.json`), so that a run killed with
 * SIGKILL, which cannot clean up after itself, is cleaned up by the next start.
 */
export interface RunJournal {
  runId: string;
  harnessPid: number;
  processGroups: { pgid: number; marker: string }[];
}

function journalDir(): string {
  return join(cacheRoot(), 'runs');
}

export function writeJournal(journal: RunJournal): void {
  mkdirSync(journalDir(), { recursive: true });
  writeFileSync(join(journalDir(), `${journal.runId}.json`), JSON.stringify(journal));
}

export function removeJournal(runId: string): void {
  rmSync(join(journalDir(), `${runId}.json`), { force: true });
}

/**
 * Kills the process groups of earlier runs whose harness process is gone. A group is killed only
 * if its leader's command line still contains the marker recorded at start (pids get reused).
 */
export function reapOrphans(log: (line: string) => void = () => undefined): number {
  const dir = journalDir();
  if (!existsSync(dir)) return 0;
  let reaped = 0;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    let journal: RunJournal;
    try {
      journal = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RunJournal;
    } catch {
      rmSync(join(dir, file), { force: true });
      continue;
    }
    if (journal.harnessPid !== process.pid && isAlive(journal.harnessPid)) continue;
    for (const { pgid, marker } of journal.processGroups) {
      const cmdline = readCmdline(pgid);
      if (cmdline?.includes(marker) && killGroup(pgid, 'SIGKILL')) {
        reaped += 1;
        log(`reaped orphan process group ${pgid} of run ${journal.runId} (${marker})`);
      }
    }
    rmSync(join(dir, file), { force: true });
  }
  return reaped;
}

function readCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** Runs whose harness process is still alive (a `stack up` in another terminal, a `validate --keep`). */
export function liveRuns(): RunJournal[] {
  const dir = journalDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunJournal];
      } catch {
        return [];
      }
    })
    .filter((j) => j.harnessPid !== process.pid && isAlive(j.harnessPid));
}

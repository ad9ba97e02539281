import { killOnExit } from '../core/index.ts';
import { compareIdentity, identify } from './process-identity.ts';
import {
  readJournals,
  removeJournalFile,
  runState,
  withJournalLock,
  type RunJournal,
} from './run-journal.ts';

type Disposer = () => Promise<void>;

const disposers = new Set<Disposer>();
let handlersInstalled = false;
/** Set while a caller (validate) handles SIGINT/SIGTERM itself: it writes a partial report, then calls shutdownAll. */
let signalOwners = 0;

/**
 * Registers a teardown to run on SIGINT/SIGTERM (Ctrl-C); returns a function that unregisters it.
 * Teardowns run newest first, like `await using` scopes unwinding.
 */
export function onShutdown(dispose: Disposer): () => void {
  installHandlers();
  disposers.add(dispose);
  return () => disposers.delete(dispose);
}

/**
 * Makes the SIGINT/SIGTERM handlers here stand aside until the returned function is called: the caller
 * tears down through its own scopes (and `shutdownAll`), then exits. The exit hook still kills process groups.
 */
export function deferSignals(): () => void {
  installHandlers();
  signalOwners += 1;
  let released = false;
  return () => {
    if (!released) signalOwners -= 1;
    released = true;
  };
}

/** Runs every registered teardown now, newest first (what a signal would run); failures are logged, not thrown. */
export async function shutdownAll(log: (line: string) => void = () => undefined): Promise<void> {
  const all = [...disposers].reverse();
  disposers.clear();
  for (const dispose of all) await dispose().catch((e: Error) => log(`teardown: ${e.message}`));
}

/** A process group still alive: killed synchronously if the harness exits without disposing it. */
export function trackProcessGroup(pgid: number): () => void {
  installHandlers();
  return killOnExit(() => killGroup(pgid, 'SIGKILL'));
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (signalOwners > 0) return;
    // A second Ctrl-C during teardown exits at once (the exit hook still kills process groups).
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write(`\n${signal}: tearing down…\n`);
    const all = [...disposers].reverse();
    disposers.clear();
    void (async () => {
      for (const dispose of all)
        await dispose().catch((e: Error) => process.stderr.write(`teardown: ${e.message}\n`));
      process.exit(code);
    })();
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
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

/** Kills a journal's processes, each only if it is positively the one recorded (pid, start time, command line). */
function killIdentified(journal: RunJournal, log: (line: string) => void): number {
  let killed = 0;
  for (const p of journal.processes) {
    const verdict = compareIdentity(p, identify(p.pid));
    if (verdict.same) {
      if (killGroup(p.pid, 'SIGKILL')) {
        killed += 1;
        log(`reaped orphan process group ${p.pid} (${p.component}) of run ${journal.runId}`);
      }
    } else if (verdict.reason !== 'gone') {
      log(`left pid ${p.pid} alone: it is not ${p.component} of run ${journal.runId} (${verdict.reason})`);
    }
  }
  return killed;
}

/**
 * Kills what runs whose harness is gone (SIGKILLed, pid reused, machine rebooted) left running, under
 * the journal lock. Runs alive, or journaled from another pid namespace, are never touched. Docker
 * resources are removed by lease (runners/docker-cleanup.ts), which also drops those journals.
 */
export async function reapOrphans(log: (line: string) => void = () => undefined): Promise<number> {
  return withJournalLock(() => {
    let reaped = 0;
    for (const journal of readJournals()) {
      if (runState(journal) !== 'gone') continue;
      reaped += killIdentified(journal, log);
      if (!journal.docker) removeJournalFile(journal.runId);
    }
    return reaped;
  });
}

/** Runs whose harness process is positively alive (a `stack up` elsewhere, a `validate` in progress or kept). */
export function liveRuns(): RunJournal[] {
  return readJournals().filter((j) => runState(j) === 'live');
}

/**
 * Which live runs `stack down` stops (pure): the one named with `--run`, else every `stack up` and
 * kept `validate --keep` — never a `validate` in progress unless it is named.
 */
export function chooseRunsToStop(
  live: readonly RunJournal[],
  named?: string,
): { stop: RunJournal[]; spared: { runId: string; reason: string }[] } {
  if (named) return { stop: live.filter((j) => j.runId === named), spared: [] };
  const stop = live.filter((j) => j.role !== 'validate');
  const spared = live
    .filter((j) => j.role === 'validate')
    .map((j) => ({
      runId: j.runId,
      reason: `a validate in progress (harness pid ${j.harness.pid}); name it to stop it: stack down --run ${j.runId}`,
    }));
  return { stop, spared };
}

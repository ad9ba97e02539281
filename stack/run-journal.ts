import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { cacheRoot } from './provision/cache.ts';
import { identify, isSameProcess, pidNamespace, type ProcessIdentity } from './process-identity.ts';

/**
 * Who owns a run: `validate` (a run in progress, stopped by `stack down` only when named with
 * `--run`), `stack-up` (a stack held for the user), `kept` (a `validate --keep` whose checks are done).
 */
export type RunRole = 'validate' | 'stack-up' | 'kept';

/** A process the run started (the leader of its own process group). */
export interface JournalProcess extends ProcessIdentity {
  component: string;
}

/** What a docker run created, so `stack down` can remove it once its lease has expired. */
export interface JournalDocker {
  /** The label every resource of the run carries (`phoenix-harness.run-id=<run id>`). */
  runLabel: string;
  networkId?: string;
  networkName?: string;
  containers: { id: string; component: string }[];
}

/** `<cache>/runs/<run-id>.json`: what one run started, and what identifies it beyond pids. */
export interface RunJournal {
  version: 2;
  runId: string;
  role: RunRole;
  harness: ProcessIdentity & { pidNamespace: string; bootId: string };
  processes: JournalProcess[];
  docker?: JournalDocker;
}

export function journalDir(): string {
  return join(cacheRoot(), 'runs');
}

function journalFile(runId: string): string {
  return join(journalDir(), `${runId}.json`);
}

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Runs `fn` holding the journal directory's lock (proper-lockfile: a lock directory with a
 * stale-lock timeout), so two harnesses never read-decide-kill over the same entries at once.
 */
export async function withJournalLock<T>(fn: () => T | Promise<T>): Promise<T> {
  const dir = journalDir();
  mkdirSync(dir, { recursive: true });
  const release = await lockfile.lock(dir, {
    lockfilePath: join(dir, '.lock'),
    stale: 10_000,
    retries: { retries: 100, minTimeout: 20, maxTimeout: 250 },
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** Written whole (write, then rename): a reader never sees half a journal. */
export function writeJournalFile(journal: RunJournal): void {
  mkdirSync(journalDir(), { recursive: true });
  const file = journalFile(journal.runId);
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(journal));
  renameSync(`${file}.${process.pid}.tmp`, file);
}

export function removeJournalFile(runId: string): void {
  rmSync(journalFile(runId), { force: true });
}

function isJournal(value: unknown): value is RunJournal {
  const j = value as Partial<RunJournal> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    j.version === 2 &&
    typeof j.runId === 'string' &&
    typeof j.harness?.pid === 'number' &&
    Array.isArray(j.processes)
  );
}

/** Every readable journal; an unreadable or older-format file is skipped (never deleted on sight). */
export function readJournals(): RunJournal[] {
  const dir = journalDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.lease.json'))
    .flatMap((f) => {
      try {
        const parsed: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        return isJournal(parsed) ? [parsed] : [];
      } catch {
        return [];
      }
    });
}

export function readJournal(runId: string): RunJournal | undefined {
  return readJournals().find((j) => j.runId === runId);
}

/**
 * Where a journal's harness stands, seen from this process: `self`; `live` (its pid is alive with
 * the recorded start time and command line); `gone` (dead, pid reused, or the machine rebooted);
 * `foreign` (written from another pid namespace: its pids mean nothing here, so it is left alone).
 */
export type RunState = 'self' | 'live' | 'gone' | 'foreign';

export function runState(journal: RunJournal): RunState {
  const h = journal.harness;
  if (h.pid === process.pid && identify(process.pid)?.startTime === h.startTime) return 'self';
  if (h.bootId !== bootId()) return 'gone';
  if (h.pidNamespace !== pidNamespace()) return 'foreign';
  return isSameProcess(h) ? 'live' : 'gone';
}

/** This process's identity for a journal. */
function harnessIdentity(): RunJournal['harness'] {
  const me = identify(process.pid);
  return {
    pid: process.pid,
    startTime: me?.startTime ?? -1,
    cmdline: me?.cmdline ?? '',
    pidNamespace: pidNamespace(),
    bootId: bootId(),
  };
}

/**
 * The journal of one run, kept by the process that started it: every write is whole and done under
 * the directory lock; `remove()` once everything the run started is gone.
 */
export class RunJournalWriter {
  private journal: RunJournal;
  private pending: Promise<void> = Promise.resolve();

  private constructor(runId: string, role: RunRole) {
    this.journal = { version: 2, runId, role, harness: harnessIdentity(), processes: [] };
  }

  static async open(runId: string, role: RunRole): Promise<RunJournalWriter> {
    const writer = new RunJournalWriter(runId, role);
    await writer.save();
    return writer;
  }

  get runId(): string {
    return this.journal.runId;
  }

  /**
   * Records a process just spawned. Its start time is read from /proc now (it is the fork's, unchanged by
   * exec); its command line is the one it was given (the child may not have exec'd yet).
   */
  addProcess(component: string, pid: number, argv: readonly string[]): Promise<void> {
    const startTime = identify(pid)?.startTime ?? -1;
    this.journal.processes.push({ component, pid, startTime, cmdline: argv.join(' ') });
    return this.save();
  }

  setDocker(docker: Omit<JournalDocker, 'containers'>): Promise<void> {
    this.journal.docker = { ...docker, containers: this.journal.docker?.containers ?? [] };
    return this.save();
  }

  addContainer(id: string, component: string): Promise<void> {
    this.journal.docker ??= { runLabel: '', containers: [] };
    this.journal.docker.containers.push({ id, component });
    return this.save();
  }

  setRole(role: RunRole): Promise<void> {
    this.journal.role = role;
    return this.save();
  }

  remove(): Promise<void> {
    return this.enqueue(() => removeJournalFile(this.journal.runId));
  }

  private save(): Promise<void> {
    const snapshot = structuredClone(this.journal);
    return this.enqueue(() => writeJournalFile(snapshot));
  }

  private enqueue(write: () => void): Promise<void> {
    this.pending = this.pending.then(() => withJournalLock(write));
    return this.pending;
  }
}

/** Sets the role of a run this process owns (`validate --keep` → `kept` once its report is written). */
export async function setRunRole(runId: string, role: RunRole): Promise<void> {
  await withJournalLock(() => {
    const journal = readJournal(runId);
    if (journal && runState(journal) === 'self') writeJournalFile({ ...journal, role });
  });
}

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { identify, isSameProcess, pidNamespace, type ProcessIdentity } from '../process-identity.ts';
import { journalDir } from '../run-journal.ts';

/**
 * A docker run's lease: `<cache>/runs/<run-id>.lease.json`, written before the run creates anything
 * and renewed by the owning process every `ttlMs / 3`. Orphan containers are found by run label and
 * reaped when their run's lease has expired, never by whether a pid is alive: in CI containers the
 * owner's pid lives in another pid namespace.
 */
export interface Lease {
  runId: string;
  /** Which harness cache holds the lease (containers carry it as a label). */
  cacheId: string;
  /** Epoch milliseconds of the last renewal. */
  renewedAt: number;
  ttlMs: number;
  /** The process renewing it, so a reaper in the same pid namespace sees at once that it is gone. */
  owner?: ProcessIdentity & { pidNamespace: string };
}

/** Labels on everything the docker runner creates, so any exit path (or a later run) can find it. */
export const LABEL = {
  managed: 'phoenix-harness',
  runId: 'phoenix-harness.run-id',
  ownerPid: 'phoenix-harness.owner-pid',
  bootId: 'phoenix-harness.boot-id',
  cacheId: 'phoenix-harness.cache-id',
} as const;

/** Label carrying the service a fleet container runs (with the run's owner labels, for cleanup). */
export const FLEET_SERVICE_CONTAINER_LABEL = 'phoenix-harness.fleet-service';

export const LEASE_TTL_MS = 30_000;
/** A container whose lease is not visible from this cache is reaped only past this age. */
export const FOREIGN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

function leaseFile(runId: string): string {
  return join(journalDir(), `${runId}.lease.json`);
}

/** A random id of this harness cache, made once (`<cache>/runs/.cache-id`). */
export function cacheId(): string {
  const file = join(journalDir(), '.cache-id');
  mkdirSync(journalDir(), { recursive: true });
  try {
    writeFileSync(file, randomBytes(8).toString('hex'), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

export function readLease(runId: string): Lease | undefined {
  const file = leaseFile(runId);
  if (!existsSync(file)) return undefined;
  try {
    const lease = JSON.parse(readFileSync(file, 'utf8')) as Lease;
    return typeof lease.renewedAt === 'number' && typeof lease.ttlMs === 'number' ? lease : undefined;
  } catch {
    return undefined;
  }
}

function writeLease(lease: Lease): void {
  const file = leaseFile(lease.runId);
  writeFileSync(`${file}.tmp`, JSON.stringify(lease));
  renameSync(`${file}.tmp`, file);
}

export function removeLease(runId: string): void {
  rmSync(leaseFile(runId), { force: true });
}

/** Takes the lease for a run and renews it until `release()`; renewal never keeps the process alive. */
export function holdLease(
  runId: string,
  options: { ttlMs?: number; now?: () => number } = {},
): { release(): void } {
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const now = options.now ?? Date.now;
  const id = cacheId();
  const me = identify(process.pid);
  const owner = me ? { ...me, pidNamespace: pidNamespace() } : undefined;
  const renew = () =>
    writeLease({ runId, cacheId: id, renewedAt: now(), ttlMs, ...(owner ? { owner } : {}) });
  renew();
  const timer = setInterval(renew, Math.max(1_000, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    release() {
      clearInterval(timer);
      removeLease(runId);
    },
  };
}

/** What the reaper knows about one labelled resource. */
export interface LeaseInput {
  labels: Record<string, string> | undefined;
  /** Epoch milliseconds the resource was created (Docker's `Created`). */
  createdAt: number;
  /** The run's lease as read from this cache, if any. */
  lease: Lease | undefined;
  /** True when the lease's owner is positively gone: same pid namespace, and not alive with its start time. */
  leaseOwnerGone?: boolean;
  now: number;
  cacheId: string;
  bootId: string;
  ttlMs?: number;
  foreignMaxAgeMs?: number;
}

export interface ReapDecision {
  reap: boolean;
  reason: string;
}

/** Whether an orphan reaper removes a resource: by its run label and that run's lease (pure). */
export function leaseDecision(input: LeaseInput): ReapDecision {
  const label = LABEL;
  const labels = input.labels ?? {};
  if (labels[label.managed] !== 'true') return { reap: false, reason: 'not created by the harness' };
  const run = labels[label.runId] ?? '(no run id)';
  const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;
  if (input.lease && input.leaseOwnerGone)
    return {
      reap: true,
      reason: `the owner of run ${run}'s lease (pid ${input.lease.owner?.pid ?? '?'}) is gone`,
    };
  if (input.lease) {
    const age = input.now - input.lease.renewedAt;
    return age > input.lease.ttlMs
      ? { reap: true, reason: `the lease of run ${run} expired ${seconds(age - input.lease.ttlMs)} ago` }
      : { reap: false, reason: `the lease of run ${run} was renewed ${seconds(age)} ago` };
  }
  const age = input.now - input.createdAt;
  const ttlMs = input.ttlMs ?? LEASE_TTL_MS;
  if (age < ttlMs) return { reap: false, reason: `run ${run} created it ${seconds(age)} ago` };
  if (labels[label.bootId] && labels[label.bootId] !== input.bootId)
    return { reap: true, reason: `run ${run} created it before the machine rebooted` };
  if (labels[label.cacheId] === input.cacheId)
    return { reap: true, reason: `run ${run} holds no lease any more (its owner is gone)` };
  if (age > (input.foreignMaxAgeMs ?? FOREIGN_MAX_AGE_MS))
    return { reap: true, reason: `run ${run}'s lease is not visible here and it is ${seconds(age)} old` };
  return {
    reap: false,
    reason: `run ${run}'s lease is kept in another harness cache (${labels[label.cacheId] ?? 'unknown'})`,
  };
}

/** True only when the lease's owner shares this pid namespace and is positively not alive any more. */
export function leaseOwnerGone(lease: Lease | undefined): boolean {
  const owner = lease?.owner;
  if (!owner || owner.pidNamespace !== pidNamespace()) return false;
  return !isSameProcess(owner);
}

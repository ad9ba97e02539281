import { describe, expect, it } from 'vitest';
import { LABEL, leaseDecision, type LeaseInput } from './docker-lease.ts';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const labels = (extra: Record<string, string> = {}) => ({
  [LABEL.managed]: 'true',
  [LABEL.runId]: 'run-a',
  [LABEL.ownerPid]: '4242',
  [LABEL.bootId]: 'boot-1',
  [LABEL.cacheId]: 'cache-1',
  ...extra,
});
const input = (over: Partial<LeaseInput>): LeaseInput => ({
  labels: labels(),
  createdAt: NOW - 3_600_000,
  lease: undefined,
  now: NOW,
  cacheId: 'cache-1',
  bootId: 'boot-1',
  ...over,
});
const lease = (renewedAgoMs: number) => ({
  runId: 'run-a',
  cacheId: 'cache-1',
  renewedAt: NOW - renewedAgoMs,
  ttlMs: 30_000,
});

describe('docker orphan reaping decides by run label and lease, never by pid', () => {
  it('keeps a container whose lease is being renewed, whatever its owner pid (another pid namespace)', () => {
    expect(leaseDecision(input({ lease: lease(10_000) }))).toEqual({
      reap: false,
      reason: 'the lease of run run-a was renewed 10s ago',
    });
  });

  it("reaps at once when the lease's owner is positively gone in this pid namespace (a SIGKILLed run)", () => {
    const held = {
      ...lease(1_000),
      owner: { pid: 77, startTime: 5, cmdline: 'node', pidNamespace: 'pid:[1]' },
    };
    expect(leaseDecision(input({ lease: held, leaseOwnerGone: true }))).toEqual({
      reap: true,
      reason: "the owner of run run-a's lease (pid 77) is gone",
    });
    expect(leaseDecision(input({ lease: held, leaseOwnerGone: false })).reap).toBe(false);
  });

  it('reaps a container whose lease has expired', () => {
    expect(leaseDecision(input({ lease: lease(45_000) }))).toEqual({
      reap: true,
      reason: 'the lease of run run-a expired 15s ago',
    });
  });

  it('reaps a container of this cache whose run holds no lease any more', () => {
    expect(leaseDecision(input({}))).toEqual({
      reap: true,
      reason: 'run run-a holds no lease any more (its owner is gone)',
    });
  });

  it('keeps a container created moments ago, before its lease could be seen', () => {
    expect(leaseDecision(input({ createdAt: NOW - 2_000 }))).toEqual({
      reap: false,
      reason: 'run run-a created it 2s ago',
    });
  });

  it('keeps a container whose lease lives in another harness cache it cannot see, until it is a day old', () => {
    const foreign = input({ labels: labels({ [LABEL.cacheId]: 'cache-2' }) });
    expect(leaseDecision(foreign)).toEqual({
      reap: false,
      reason: "run run-a's lease is kept in another harness cache (cache-2)",
    });
    expect(leaseDecision({ ...foreign, createdAt: NOW - 25 * 3_600_000 })).toEqual({
      reap: true,
      reason: "run run-a's lease is not visible here and it is 90000s old",
    });
  });

  it('reaps what was created before the machine rebooted', () => {
    expect(
      leaseDecision(input({ labels: labels({ [LABEL.bootId]: 'boot-0', [LABEL.cacheId]: 'cache-2' }) })),
    ).toEqual({
      reap: true,
      reason: 'run run-a created it before the machine rebooted',
    });
  });

  it('never touches what the harness did not create', () => {
    expect(leaseDecision(input({ labels: { 'com.example': 'x' } }))).toEqual({
      reap: false,
      reason: 'not created by the harness',
    });
  });
});

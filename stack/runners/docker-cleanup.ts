import type { ContainerRuntimeClient } from 'testcontainers';
import { bootId, readJournals, removeJournalFile, withJournalLock } from '../run-journal.ts';
import {
  cacheId,
  LABEL,
  leaseDecision,
  leaseOwnerGone,
  readLease,
  removeLease,
  type ReapDecision,
} from './docker-lease.ts';

export { LABEL, bootId };

export function ownerLabels(runId: string): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.runId]: runId,
    [LABEL.ownerPid]: String(process.pid),
    [LABEL.bootId]: bootId(),
    [LABEL.cacheId]: cacheId(),
  };
}

/** The reaper's decision for one labelled resource, from its run's lease (see docker-lease.ts). */
function decide(labels: Record<string, string> | undefined, createdAt: number): ReapDecision {
  const runId = labels?.[LABEL.runId];
  const lease = runId ? readLease(runId) : undefined;
  return leaseDecision({
    labels,
    createdAt,
    lease,
    leaseOwnerGone: leaseOwnerGone(lease),
    now: Date.now(),
    cacheId: cacheId(),
    bootId: bootId(),
  });
}

/**
 * Removes the containers and networks of harness runs whose lease has expired (a run killed with
 * SIGKILL cannot clean up after itself; Ryuk cannot be pulled here, so we do its job by label),
 * found by label and through the run journals. With `runId`, removes that run's resources
 * whatever their lease (normal teardown).
 */
export async function removeByLabel(
  client: ContainerRuntimeClient,
  options: { runId?: string; log?: (line: string) => void } = {},
): Promise<{ containers: number; networks: number }> {
  const docker = client.container.dockerode;
  const filters = JSON.stringify({
    label: [options.runId ? `${LABEL.runId}=${options.runId}` : `${LABEL.managed}=true`],
  });
  const reapedRuns = new Set<string>();
  const keep = (labels: Record<string, string> | undefined, createdAt: number): boolean => {
    if (options.runId) return false;
    const decision = decide(labels, createdAt);
    if (decision.reap && labels?.[LABEL.runId]) reapedRuns.add(labels[LABEL.runId] ?? '');
    return !decision.reap;
  };
  let containers = 0;
  for (const info of await docker.listContainers({ all: true, filters })) {
    if (keep(info.Labels, info.Created * 1000)) continue;
    await docker
      .getContainer(info.Id)
      .remove({ force: true, v: true })
      .then(() => (containers += 1))
      .catch(() => undefined);
  }
  let networks = 0;
  for (const info of await docker.listNetworks({ filters })) {
    if (keep(info.Labels, Date.parse(info.Created))) continue;
    await docker
      .getNetwork(info.Id)
      .remove()
      .then(() => (networks += 1))
      .catch(() => undefined);
  }
  if (!options.runId) {
    // Journaled docker runs whose lease expired: what the labels did not find, and the journal itself.
    const journaled = await removeJournaledRuns(client, reapedRuns);
    containers += journaled.containers;
    networks += journaled.networks;
  }
  if (containers + networks > 0 && !options.runId) {
    options.log?.(`removed ${containers} container(s) and ${networks} network(s) left by earlier runs`);
  }
  return { containers, networks };
}

async function removeJournaledRuns(
  client: ContainerRuntimeClient,
  reapedRuns: Set<string>,
): Promise<{ containers: number; networks: number }> {
  const docker = client.container.dockerode;
  return withJournalLock(async () => {
    let containers = 0;
    let networks = 0;
    for (const journal of readJournals()) {
      if (!journal.docker) continue;
      const labels = { [LABEL.managed]: 'true', [LABEL.runId]: journal.runId, [LABEL.cacheId]: cacheId() };
      // A journal's own lease decides; a run with no lease left and no live owner is gone.
      if (!reapedRuns.has(journal.runId) && !decide(labels, 0).reap) continue;
      for (const c of journal.docker.containers)
        await docker
          .getContainer(c.id)
          .remove({ force: true, v: true })
          .then(() => (containers += 1))
          .catch(() => undefined);
      if (journal.docker.networkId)
        await docker
          .getNetwork(journal.docker.networkId)
          .remove()
          .then(() => (networks += 1))
          .catch(() => undefined);
      removeLease(journal.runId);
      removeJournalFile(journal.runId);
    }
    return { containers, networks };
  });
}

/** Removes what earlier, killed runs left behind (containers and networks whose run's lease has expired). */
export async function reapDockerOrphans(
  log?: (line: string) => void,
): Promise<{ containers: number; networks: number }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return removeByLabel(await getContainerRuntimeClient(), log ? { log } : {});
}

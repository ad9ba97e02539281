import { readFileSync } from 'node:fs';
import type { ContainerRuntimeClient } from 'testcontainers';
import { isAlive } from '../lifecycle.ts';

/** Labels on everything the docker runner creates, so any exit path (or the next start) can find it. */
export const LABEL = {
  managed: 'phoenix-harness',
  runId: 'phoenix-harness.run-id',
  ownerPid: 'phoenix-harness.owner-pid',
  bootId: 'phoenix-harness.boot-id',
} as const;

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export function ownerLabels(runId: string): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.runId]: runId,
    [LABEL.ownerPid]: String(process.pid),
    [LABEL.bootId]: bootId(),
  };
}

/** True when the harness process that created a resource is gone (or the machine rebooted since). */
export function isOrphan(labels: Record<string, string> | undefined): boolean {
  if (!labels || labels[LABEL.managed] !== 'true') return false;
  const pid = Number(labels[LABEL.ownerPid]);
  if (labels[LABEL.bootId] !== bootId()) return true;
  return pid !== process.pid && !isAlive(pid);
}

/**
 * Removes the containers and networks of harness runs whose process is gone (a run killed with
 * SIGKILL cannot clean up after itself; Ryuk cannot be pulled here, so we do its job by label).
 * With `runId`, removes that run's resources whatever their owner (normal teardown).
 */
export async function removeByLabel(
  client: ContainerRuntimeClient,
  options: { runId?: string; log?: (line: string) => void } = {},
): Promise<{ containers: number; networks: number }> {
  const docker = client.container.dockerode;
  const filters = JSON.stringify({
    label: [options.runId ? `${LABEL.runId}=${options.runId}` : `${LABEL.managed}=true`],
  });
  let containers = 0;
  for (const info of await docker.listContainers({ all: true, filters })) {
    if (!options.runId && !isOrphan(info.Labels)) continue;
    await docker
      .getContainer(info.Id)
      .remove({ force: true, v: true })
      .then(() => (containers += 1))
      .catch(() => undefined);
  }
  let networks = 0;
  for (const info of await docker.listNetworks({ filters })) {
    if (!options.runId && !isOrphan(info.Labels)) continue;
    await docker
      .getNetwork(info.Id)
      .remove()
      .then(() => (networks += 1))
      .catch(() => undefined);
  }
  if (containers + networks > 0 && !options.runId) {
    options.log?.(`removed ${containers} container(s) and ${networks} network(s) left by earlier runs`);
  }
  return { containers, networks };
}

/** Removes what earlier, killed runs left behind (containers and networks whose owner process is gone). */
export async function reapDockerOrphans(
  log?: (line: string) => void,
): Promise<{ containers: number; networks: number }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return removeByLabel(await getContainerRuntimeClient(), log ? { log } : {});
}

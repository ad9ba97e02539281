import { spawn, type ChildProcess } from 'node:child_process';
import { pollUntil } from '../../core/index.ts';
import { identify, type ProcessIdentity } from '../process-identity.ts';

/** Tests only: a real long-lived process in its own process group (like a stack component), once exec'd. */
export async function spawnSleeper(): Promise<{ child: ChildProcess; identity: ProcessIdentity }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
    detached: true,
    stdio: 'ignore',
  });
  const seen = await pollUntil({
    description: 'sleeper started',
    probe: async () => identify(child.pid ?? -1),
    until: (i) => i?.cmdline.includes('setInterval') ?? false,
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  if (!seen.ok || !seen.last) {
    child.kill('SIGKILL');
    throw new Error(`the sleeper (pid ${child.pid ?? '-'}) did not start`);
  }
  return { child, identity: seen.last };
}

export const isRunning = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

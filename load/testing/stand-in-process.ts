/**
 * Starts the stand-in orchestrator (stand-in-main.ts) in its own Node process, so a load engine
 * measured against it never shares its event loop; disposing stops the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../../core/index.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./stand-in-main.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface StandInProcess extends AsyncDisposable {
  entryUrl: string;
  pid: number | undefined;
}

export async function startStandInProcess(options: { latencyMs?: number } = {}): Promise<StandInProcess> {
  const where = 'load/testing/stand-in-process.ts';
  const args = ['--import', 'tsx', MAIN, '--latency-ms', String(options.latencyMs ?? 0)];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const entryUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HarnessError('the stand-in process did not say ready in time', { where }));
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('ready ')) return;
      clearTimeout(timer);
      lines.close();
      resolveUrl(line.slice('ready '.length));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new HarnessError(`the stand-in process exited (${code}) before it was ready`, { where }));
    });
  });
  return {
    entryUrl,
    pid: child.pid,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

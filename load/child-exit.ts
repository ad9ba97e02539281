/**
 * How the load generator's child processes (k6, the in-process engine's worker) end: the run's
 * abort signal stops them as Ctrl-C stops k6 (SIGINT, then SIGKILL after a grace period), and
 * their exit is awaited, a failure to start mapped to the caller's error.
 */
import type { ChildProcess } from 'node:child_process';

/** After SIGINT a load process gets this long to stop and write its summary before it is killed. */
export const STOP_GRACE_MS = 30_000;

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

export function childExit(
  child: ChildProcess,
  options: { signal?: AbortSignal | undefined; startError: (error: NodeJS.ErrnoException) => Error },
): Promise<ChildExit> {
  const stop = (): void => {
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  // Interrupted before the child was started: stop it at once.
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  return new Promise<ChildExit>((resolveExit, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(options.startError(error)));
    child.once('close', (code, signal) => resolveExit({ code, signal }));
  }).finally(() => options.signal?.removeEventListener('abort', stop));
}

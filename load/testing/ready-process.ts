/**
 * A Node child process that prints a line saying it is ready (a server in a process of its own,
 * so a load engine measured against it never shares its event loop); disposing stops it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { childEnv, HarnessError } from '../../core/index.ts';

export interface ReadyProcess extends AsyncDisposable {
  /** What the readiness line carried (the server's URL). */
  entryUrl: string;
  pid: number | undefined;
}

export interface ReadyProcessOptions {
  /** Named in errors: "the <name> process …". */
  name: string;
  /** Arguments after `node --import tsx`. */
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Reads each stdout line; returns the URL once the process is ready, throws if it cannot be. */
  readyUrl: (line: string) => string | undefined;
  where: string;
}

/** Spawns `node --import tsx …args`, waits for its readiness line; SIGTERM and the exit on dispose. */
export async function startReadyProcess(options: ReadyProcessOptions): Promise<ReadyProcess> {
  const { name, where } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', ...options.args], {
    cwd: options.cwd,
    env: options.env ?? childEnv(['node', 'otel']),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const entryUrl = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (error: Error) => {
      clearTimeout(timer);
      lines.close();
      reject(error);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new HarnessError(`the ${name} process did not say ready in ${options.timeoutMs}ms`, { where }));
    }, options.timeoutMs);
    lines.on('line', (line) => {
      let url: string | undefined;
      try {
        url = options.readyUrl(line);
      } catch (error) {
        fail(error as Error);
        return;
      }
      if (url === undefined) return;
      clearTimeout(timer);
      lines.close();
      resolveUrl(url);
    });
    child.once('exit', (code) =>
      fail(new HarnessError(`the ${name} process exited (${code}) before it was ready`, { where })),
    );
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

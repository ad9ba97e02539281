import { spawn } from 'node:child_process';
import { HarnessError } from '../../core/index.ts';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Prints "still <label> (1m30s)" at this interval so a long build visibly progresses. */
  heartbeatLabel?: string;
  heartbeatMs?: number;
  log?: (line: string) => void;
}

/**
 * Runs a command to completion, capturing its output; on failure throws a HarnessError with the
 * command, exit code and the last lines of output.
 */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = options.heartbeatLabel
      ? setInterval(() => {
          const s = Math.round((Date.now() - started) / 1000);
          log(
            `  … still ${options.heartbeatLabel} (${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s)`,
          );
        }, options.heartbeatMs ?? 20_000)
      : undefined;
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (timer) clearInterval(timer);
      reject(
        new HarnessError(
          `cannot run ${command}: ${error.code === 'ENOENT' ? 'not found on PATH' : error.message}`,
          {
            where: [command, ...args].join(' '),
            hint: `install ${command} (see README, "Prerequisites")`,
          },
        ),
      );
    });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      if (code === 0) return resolve(output);
      const tail = output.trim().split('\n').slice(-25).join('\n');
      reject(
        new HarnessError(`${command} exited with ${code}\n${tail}`, {
          where: `${options.cwd ?? process.cwd()}$ ${[command, ...args].join(' ')}`,
        }),
      );
    });
  });
}

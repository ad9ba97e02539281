import { $, which } from 'zx';
import { childEnv, HarnessError } from '../../core/index.ts';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Prints "still <label> (1m30s)" at this interval so a long build visibly progresses. */
  heartbeatLabel?: string;
  heartbeatMs?: number;
  log?: (line: string) => void;
}

/**
 * Runs a command to completion with zx, capturing its output; on failure throws a HarnessError
 * with the command, the exit code and the last lines of output.
 */
export async function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const where = `${options.cwd ?? process.cwd()}$ ${[command, ...args].join(' ')}`;
  if (!command.includes('/') && !(await which(command, { nothrow: true }))) {
    throw new HarnessError(`cannot run ${command}: not found on PATH`, {
      where,
      hint: `install ${command} (see README, "Prerequisites")`,
    });
  }
  const started = Date.now();
  const timer = options.heartbeatLabel
    ? setInterval(() => {
        const s = Math.round((Date.now() - started) / 1000);
        log(
          `  … still ${options.heartbeatLabel} (${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s)`,
        );
      }, options.heartbeatMs ?? 20_000)
    : undefined;
  try {
    const result = await $({
      cwd: options.cwd ?? process.cwd(),
      // Tools (go, apt-get, dpkg-query, ldd) get what they need, not the harness's whole environment.
      env: options.env ?? childEnv(['go', 'apt']),
      quiet: true,
      nothrow: true,
      verbose: false,
    })`${command} ${args}`;
    const output = `${result.stdout}${result.stderr}`;
    if (result.exitCode === 0) return output;
    const tail = output.trim().split('\n').slice(-25).join('\n');
    throw new HarnessError(`${command} exited with ${result.exitCode}\n${tail}`, { where });
  } finally {
    if (timer) clearInterval(timer);
  }
}

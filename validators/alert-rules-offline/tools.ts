import { execFile } from 'node:child_process';
import { setPriority } from 'node:os';
import { childEnv, killOnExit } from '../../core/index.ts';

/** Running promtool and amtool: never throws, the outcome is data. */

const TOOL_TIMEOUT_MS = 60_000;
/** promtool/amtool processes at once (each test file is one process; the CI machine has 2 cores). */
export const TOOL_CONCURRENCY = 4;

export interface ToolRun {
  /** Exit code; undefined when the tool could not be started (then `error` says why). */
  code?: number;
  stdout: string;
  stderr: string;
  error?: string;
}

/** promtool's and amtool's CPU priority: they run beside the load (validateAhead) and must not slow it. */
const TOOL_NICENESS = 19;

export function runTool(path: string, args: readonly string[], cwd?: string): Promise<ToolRun> {
  return new Promise((done) => {
    // Still running when the harness exits (an interrupted run): killed, never orphaned.
    let release = () => {};
    const child = execFile(
      path,
      [...args],
      {
        timeout: TOOL_TIMEOUT_MS,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
        env: childEnv(),
        ...(cwd ? { cwd } : {}),
      },
      (error, stdout, stderr) => {
        release();
        if (!error) return done({ code: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        if (typeof e.code === 'number') return done({ code: e.code, stdout, stderr });
        const why = e.killed ? `killed after ${TOOL_TIMEOUT_MS}ms` : `${e.code ?? ''} ${e.message}`.trim();
        done({ stdout, stderr, error: `could not run ${path}: ${why}` });
      },
    );
    release = killOnExit(() => child.kill('SIGKILL'));
    try {
      if (child.pid !== undefined) setPriority(child.pid, TOOL_NICENESS);
    } catch {
      // Gone already, or not allowed: it runs at normal priority, which is only slower for the load.
    }
  });
}

export const output = (run: ToolRun) => `${run.stdout}\n${run.stderr}`.trim();
export const excerpt = (text: string, max = 1_500) => (text.length > max ? `${text.slice(0, max)} …` : text);

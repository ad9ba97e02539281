/**
 * Starts the stand-in orchestrator (stand-in-main.ts) in its own Node process, so a load engine
 * measured against it never shares its event loop; disposing stops the process.
 */
import { fileURLToPath } from 'node:url';
import { startReadyProcess, type ReadyProcess } from './ready-process.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('./stand-in-main.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export type StandInProcess = ReadyProcess;

export function startStandInProcess(options: { latencyMs?: number } = {}): Promise<StandInProcess> {
  return startReadyProcess({
    name: 'stand-in',
    args: [MAIN, '--latency-ms', String(options.latencyMs ?? 0)],
    cwd: REPO_ROOT,
    timeoutMs: START_TIMEOUT_MS,
    readyUrl: (line) => (line.startsWith('ready ') ? line.slice('ready '.length) : undefined),
    where: 'load/testing/stand-in-process.ts',
  });
}

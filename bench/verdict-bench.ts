import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { machine, median, writeBench } from './util.ts';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../cli/main.ts');
const RUNS = 3;

interface VerdictRun {
  wallMs: number;
  exitCode: number;
  stages: Record<string, number>;
}

/** Stage durations from the plain progress lines `[  8.9s] ▶ starting the mock Phoenix fleet`. */
export function stagesFromProgress(stderr: string, totalMs: number): Record<string, number> {
  const marks = [...stderr.matchAll(/^\[\s*([\d.]+)s\] ▶ (.+)$/gm)].map((m) => ({
    at: Number(m[1]) * 1000,
    name: (m[2] ?? '').replace(/ \(.*\)$/, ''),
  }));
  const stages: Record<string, number> = {};
  marks.forEach((m, i) => {
    const next = marks[i + 1]?.at ?? totalMs;
    stages[m.name] = Math.round(next - m.at);
  });
  return stages;
}

function runOnce(): Promise<VerdictRun> {
  return new Promise((resolveRun) => {
    const started = Date.now();
    // CI=true forces plain progress lines, which carry the stage timestamps.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'validate', '--scenario', 'smoke', '--reporter', 'json'],
      {
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const wallMs = Date.now() - started;
      resolveRun({ wallMs, exitCode: code ?? -1, stages: stagesFromProgress(stderr, wallMs) });
    });
  });
}

/**
 * `npm run bench -- verdict`: time from `validate --scenario smoke` to its exit code (warm cache,
 * local stack), median of 3, split by stage. Goal ≤ 120 s on the 2-core machine.
 */
export async function verdictBench(log: (line: string) => void): Promise<string> {
  const runs: VerdictRun[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const run = await runOnce();
    runs.push(run);
    log(`  run ${i}/${RUNS}: exit ${run.exitCode} after ${(run.wallMs / 1000).toFixed(1)}s`);
  }
  const stageNames = [...new Set(runs.flatMap((r) => Object.keys(r.stages)))];
  return writeBench('verdict', {
    machine: machine(),
    loadAverage: loadavg(),
    command: 'phx-harness validate --scenario smoke --reporter json (local stack, warm cache)',
    runs: RUNS,
    wallMsMedian: median(runs.map((r) => r.wallMs)),
    goalMs: 120_000,
    stagesMsMedian: Object.fromEntries(stageNames.map((s) => [s, median(runs.map((r) => r.stages[s] ?? 0))])),
    samples: runs,
  });
}

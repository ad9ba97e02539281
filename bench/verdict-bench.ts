import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { HarnessError } from '../core/index.ts';
import { machine, median, writeBench } from './util.ts';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../cli/main.ts');
const DEFAULT_RUNS = 3;

/** Issue 14's goals on the 2-core machine: time to verdict of `validate --scenario smoke` (median, warm). */
const GOALS_MS = { 1: 20_000, 4: 90_000 } as const;
type BenchPhase = keyof typeof GOALS_MS;

/** The CLI's exit codes (cli/main.ts): what each run's verdict was. */
const EXIT_MEANING: Record<number, string> = { 0: 'gate holds', 1: 'gate failed', 2: 'harness error' };

export interface VerdictRun {
  wallMs: number;
  exitCode: number;
  /** `gate holds`, `gate failed`, `harness error`, or `killed`/`exit N`. */
  outcome: string;
  /** The CLI's `N/M checks pass` line, when it got that far. */
  checks?: string;
  /** Milliseconds per stage; `startup` is process start → the first stage line (module loading). */
  stages: Record<string, number>;
  /** Each validator's own duration, from the `name: 1.2s` lines. */
  validators: Record<string, number>;
}

/** Runs per phase: BENCH_VERDICT_RUNS (a positive whole number), default 3. */
export function verdictRuns(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_VERDICT_RUNS;
  if (raw === undefined || raw === '') return DEFAULT_RUNS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new HarnessError(`BENCH_VERDICT_RUNS=${JSON.stringify(raw)} is not a positive whole number`, {
      where: 'npm run bench -- verdict',
      hint: `unset it for ${DEFAULT_RUNS} runs per phase, or set e.g. BENCH_VERDICT_RUNS=1`,
    });
  return n;
}

const STAGE_LINE = /^\[\s*([\d.]+)s\] ▶ (.+)$/gm;

/**
 * Stage durations from the plain progress lines `[  8.9s] ▶ starting the mock Phoenix fleet`.
 * Their clock starts at the first stage; `startupMs` (process start → that first line, the module
 * loading) becomes the `startup` stage, and the last stage runs to `totalMs` minus it (process exit).
 */
export function stagesFromProgress(stderr: string, totalMs: number, startupMs = 0): Record<string, number> {
  const marks = [...stderr.matchAll(STAGE_LINE)].map((m) => ({
    at: Number(m[1]) * 1000,
    name: (m[2] ?? '').replace(/ \(.*\)$/, ''),
  }));
  const stages: Record<string, number> = startupMs > 0 ? { startup: Math.round(startupMs) } : {};
  marks.forEach((m, i) => {
    const next = marks[i + 1]?.at ?? totalMs - startupMs;
    stages[m.name] = Math.round(next - m.at);
  });
  return stages;
}

/** Each validator's duration from the progress info lines `            traces: 2.8s`. */
export function validatorsFromProgress(stderr: string): Record<string, number> {
  return Object.fromEntries(
    [...stderr.matchAll(/^\s+([a-z][\w.-]*): ([\d.]+)s$/gm)].map((m) => [
      m[1],
      Math.round(Number(m[2]) * 1000),
    ]),
  );
}

function runOnce(phase: BenchPhase): Promise<VerdictRun> {
  return new Promise((resolveRun) => {
    const started = Date.now();
    let firstStageAt: number | undefined;
    // CI=true forces plain progress lines, which carry the stage timestamps.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'validate',
        '--scenario',
        'smoke',
        '--phase',
        String(phase),
        '--reporter',
        'json',
      ],
      { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (firstStageAt === undefined) {
        const first = /^\[\s*([\d.]+)s\] ▶ /m.exec(stderr);
        if (first) firstStageAt = Date.now() - started - Number(first[1]) * 1000;
      }
    });
    child.on('exit', (code, signal) => {
      const wallMs = Date.now() - started;
      const exitCode = code ?? -1;
      const checks = /(\d+\/\d+) checks pass/.exec(stderr)?.[1];
      resolveRun({
        wallMs,
        exitCode,
        outcome: EXIT_MEANING[exitCode] ?? (signal ? `killed by ${signal}` : `exit ${exitCode}`),
        ...(checks ? { checks } : {}),
        stages: stagesFromProgress(stderr, wallMs, firstStageAt),
        validators: validatorsFromProgress(stderr),
      });
    });
  });
}

/** One phase's runs summarised: medians, the goal, and whether it is met (every run's gate held, too). */
export function summarisePhase(phase: BenchPhase, runs: VerdictRun[]) {
  const wallMsMedian = median(runs.map((r) => r.wallMs));
  const stageNames = [...new Set(runs.flatMap((r) => Object.keys(r.stages)))];
  const validatorNames = [...new Set(runs.flatMap((r) => Object.keys(r.validators)))];
  const goalMs = GOALS_MS[phase];
  const failedRuns = runs.filter((r) => r.exitCode !== 0).length;
  return {
    command: `phx-harness validate --scenario smoke --phase ${phase} --reporter json (local stack, warm cache)`,
    runs: runs.length,
    wallMsMedian,
    goalMs,
    /** The median is within the goal and every run's gate held: a fast failing verdict does not count. */
    met: wallMsMedian <= goalMs && failedRuns === 0,
    timeMet: wallMsMedian <= goalMs,
    exitCodes: runs.map((r) => r.exitCode),
    failedRuns,
    stagesMsMedian: Object.fromEntries(stageNames.map((s) => [s, median(runs.map((r) => r.stages[s] ?? 0))])),
    validatorsMsMedian: Object.fromEntries(
      validatorNames.map((v) => [v, median(runs.map((r) => r.validators[v] ?? 0))]),
    ),
    samples: runs,
  };
}

/**
 * `npm run bench -- verdict`: time from `validate --scenario smoke --phase N` to its exit code, for
 * phase 1 and phase 4 (warm cache, local stack), median of BENCH_VERDICT_RUNS (default 3) each,
 * split by stage and by validator; goals ≤ 20 s and ≤ 90 s on the 2-core machine.
 */
export async function verdictBench(log: (line: string) => void): Promise<string> {
  const count = verdictRuns();
  const loadAverageAtStart = loadavg();
  const phases: Record<string, ReturnType<typeof summarisePhase>> = {};
  for (const phase of [1, 4] as const) {
    const runs: VerdictRun[] = [];
    for (let i = 1; i <= count; i++) {
      const run = await runOnce(phase);
      runs.push(run);
      log(
        `  phase ${phase} run ${i}/${count}: exit ${run.exitCode} (${run.outcome}${run.checks ? `, ${run.checks} checks pass` : ''}) after ${(run.wallMs / 1000).toFixed(1)}s`,
      );
    }
    phases[`phase${phase}`] = summarisePhase(phase, runs);
  }
  return writeBench('verdict', {
    machine: machine(),
    loadAverage: { atStart: loadAverageAtStart, atEnd: loadavg() },
    runsPerPhase: count,
    phases,
  });
}

import { mkdirSync } from 'node:fs';
import {
  OUTPUT_FILE_ENV,
  ReporterMultiplexer,
  createReporters,
  resolveOutputFile,
  type ReporterEntry,
  type ReporterFailure,
  type RunReport,
  type TextOutput,
} from '../reports/index.ts';

export interface ReportsOutcome {
  /** Every file the reporters wrote. */
  files: string[];
  /** One line per reporter that failed, naming the file it did not write (exit code 2). */
  problems: string[];
}

/** The file a file reporter (html, json, junit) was to write, for the message when it could not. */
function intendedFile(
  entries: readonly ReporterEntry[],
  failure: ReporterFailure,
  outDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const name = failure.reporter.replace(/#\d+$/, '');
  if (!Object.hasOwn(OUTPUT_FILE_ENV, name)) return undefined;
  const nth = Number(/#(\d+)$/.exec(failure.reporter)?.[1] ?? 1);
  const entry = entries.filter((e) => (typeof e === 'string' ? e : e[0]) === name)[nth - 1];
  const outputFile =
    typeof entry === 'object' ? (entry[1] as { outputFile?: unknown }).outputFile : undefined;
  return resolveOutputFile(name as keyof typeof OUTPUT_FILE_ENV, {
    outputFile: typeof outputFile === 'string' ? outputFile : undefined,
    outDir,
    env,
  });
}

/**
 * Runs every reporter over the report, each isolated from the others' failures (a throw, a
 * rejection, a hang); returns the files written and, for each reporter that failed, what it did not write.
 */
export async function writeReports(
  report: RunReport,
  entries: readonly ReporterEntry[],
  outDir: string,
  context: {
    env?: Readonly<Record<string, string | undefined>>;
    stdout?: TextOutput;
    hookTimeoutMs?: number;
  } = {},
): Promise<ReportsOutcome> {
  mkdirSync(outDir, { recursive: true });
  const env = context.env ?? process.env;
  const mux = new ReporterMultiplexer(
    createReporters(entries, { outDir, env, ...(context.stdout ? { stdout: context.stdout } : {}) }),
    context.hookTimeoutMs === undefined ? {} : { hookTimeoutMs: context.hookTimeoutMs },
  );
  await mux.onRunStart({ runId: report.runId, phase: report.phase, startedAt: report.startedAt });
  for (const check of report.checks) await mux.onCheck(check);
  const end = await mux.onRunEnd(report);
  const problems = mux.failures.map((failure) => {
    const file = intendedFile(entries, failure, outDir, env);
    return `reporter ${failure.reporter} failed in ${failure.hook}${file ? ` (${file} not written)` : ''}: ${failure.message}`;
  });
  return { files: end.files, problems };
}

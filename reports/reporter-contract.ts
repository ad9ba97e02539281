import type { CheckResult } from '../core/index.ts';
import type { RunReport } from './model.ts';

/**
 * What a reporter is and what it is given: the contract every reporter implements. It imports no
 * reporter, so reporters import it and the registry (registry.ts) imports them without a cycle.
 */

/** What a reporter learns when the run starts. */
export interface RunStartInfo {
  runId: string;
  phase: number;
  startedAt: string;
}

/** The files a reporter wrote, so the CLI can list the run's artifacts. */
export interface ReporterOutput {
  files: string[];
}

/**
 * A reporter. Every hook is optional. Hooks are called in order: `onRunStart` once, `onCheck` for
 * each result as it arrives, `onRunEnd` once with the finished report. A hook may throw: the
 * multiplexer records the error and carries on with the other reporters.
 */
export interface Reporter {
  onRunStart?(info: RunStartInfo): void | Promise<void>;
  onCheck?(result: CheckResult): void | Promise<void>;
  onRunEnd?(report: RunReport): Promise<ReporterOutput | void>;
}

/** The part of a stream reporters write text to (process.stdout in the CLI, a buffer in tests). */
export interface TextOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** What every reporter factory gets besides its own options. */
export interface ReporterContext {
  /** The run's artifact directory: `<outDir>/<run-id>/`. */
  outDir: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: TextOutput;
}

/** A configured reporter with the name its failures are reported under. */
export interface NamedReporter {
  /** The table name, with `#2`, `#3`… when one reporter is configured more than once. */
  name: string;
  reporter: Reporter;
}

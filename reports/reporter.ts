import { ConfigError, type CheckResult } from '../core/index.ts';
import { consoleReporter } from './console-reporter.ts';
import { githubReporter } from './github-reporter.ts';
import { htmlReporter } from './html-reporter.ts';
import { jsonReporter } from './json-reporter.ts';
import { junitReporter } from './junit-reporter.ts';
import type { RunReport } from './model.ts';

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

/** Every reporter, by name; the name type is derived from this table. */
export const REPORTERS = {
  html: htmlReporter,
  json: jsonReporter,
  junit: junitReporter,
  console: consoleReporter,
  github: githubReporter,
} satisfies Record<string, (options: never, context: ReporterContext) => Reporter>;

export type ReporterName = keyof typeof REPORTERS;
export type ReporterOptions = { [K in ReporterName]: NonNullable<Parameters<(typeof REPORTERS)[K]>[0]> };
/** A config entry: a name, or `[name, options]` (like vitest's and Playwright's `reporters`). */
export type ReporterEntry =
  | ReporterName
  | { [K in ReporterName]: readonly [K, ReporterOptions[K]] }[ReporterName]
  // Entries straight from harness.config.ts; the factory validates the options.
  | readonly [ReporterName, Readonly<Record<string, unknown>>];

export interface NamedReporter {
  /** The table name, with `#2`, `#3`… when one reporter is configured more than once. */
  name: string;
  reporter: Reporter;
}

/**
 * Builds the configured reporters. Unknown names and invalid options are configuration errors
 * (thrown before the run starts, naming the entry); everything after that is isolated.
 */
export function createReporters(
  entries: readonly ReporterEntry[],
  context: { outDir: string; env?: Readonly<Record<string, string | undefined>>; stdout?: TextOutput },
): NamedReporter[] {
  const full: ReporterContext = {
    outDir: context.outDir,
    env: context.env ?? process.env,
    stdout: context.stdout ?? process.stdout,
  };
  const seen = new Map<string, number>();
  return entries.map((entry, index) => {
    const [name, options] = typeof entry === 'string' ? [entry, undefined] : entry;
    if (!Object.hasOwn(REPORTERS, name)) {
      throw new ConfigError(`reporters[${index}]: unknown reporter "${String(name)}"`, {
        hint: `reporters: ${Object.keys(REPORTERS).join(', ')}`,
      });
    }
    const factory = REPORTERS[name] as (options: unknown, context: ReporterContext) => Reporter;
    let reporter: Reporter;
    try {
      reporter = factory(options, full);
    } catch (error) {
      throw new ConfigError(`reporters[${index}] (${name}): ${(error as Error).message}`, {
        hint: 'fix the reporter options in harness.config.ts (README, "Reporters")',
      });
    }
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return { name: count === 1 ? name : `${name}#${count}`, reporter };
  });
}

export type ReporterHook = 'onRunStart' | 'onCheck' | 'onRunEnd';

/** One reporter's failure, as data the CLI prints; it never stops the run or the other reporters. */
export interface ReporterFailure {
  reporter: string;
  hook: ReporterHook;
  message: string;
  error: unknown;
}

export interface RunEndOutcome {
  /** Every file the reporters wrote. */
  files: string[];
  /** The reporters that failed in onRunEnd. */
  failures: ReporterFailure[];
}

export const DEFAULT_REPORTER_HOOK_TIMEOUT_MS = 60_000;

/**
 * Calls each hook on every reporter, one after the other in configuration order, and isolates
 * them: a throw, a rejection or a hang (past `hookTimeoutMs`) is caught, recorded and returned.
 * Each reporter gets its own copy of the report, so one cannot change what the next one sees.
 */
export class ReporterMultiplexer {
  readonly reporters: readonly NamedReporter[];
  private readonly hookTimeoutMs: number;
  private readonly recorded: ReporterFailure[] = [];

  constructor(reporters: readonly NamedReporter[], options: { hookTimeoutMs?: number } = {}) {
    this.reporters = reporters;
    this.hookTimeoutMs = options.hookTimeoutMs ?? DEFAULT_REPORTER_HOOK_TIMEOUT_MS;
  }

  /** Every failure so far, in the order they happened. */
  get failures(): readonly ReporterFailure[] {
    return this.recorded;
  }

  async onRunStart(info: RunStartInfo): Promise<ReporterFailure[]> {
    const { failures } = await this.each('onRunStart', (r) => r.onRunStart?.(isolatedCopy(info)));
    return failures;
  }

  async onCheck(result: CheckResult): Promise<ReporterFailure[]> {
    const { failures } = await this.each('onCheck', (r) => r.onCheck?.(isolatedCopy(result)));
    return failures;
  }

  async onRunEnd(report: RunReport): Promise<RunEndOutcome> {
    return this.each('onRunEnd', (r) => r.onRunEnd?.(isolatedCopy(report)));
  }

  private async each(
    hook: ReporterHook,
    call: (reporter: Reporter) => unknown,
  ): Promise<{ files: string[]; failures: ReporterFailure[] }> {
    const files: string[] = [];
    const failures: ReporterFailure[] = [];
    for (const { name, reporter } of this.reporters) {
      try {
        const output = await this.withTimeout(name, hook, () => call(reporter));
        if (isReporterOutput(output)) files.push(...output.files);
      } catch (error) {
        const failure = { reporter: name, hook, message: errorText(error), error };
        failures.push(failure);
        this.recorded.push(failure);
      }
    }
    return { files, failures };
  }

  private async withTimeout(name: string, hook: ReporterHook, call: () => unknown): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${name}.${hook} did not finish within ${this.hookTimeoutMs}ms`)),
        this.hookTimeoutMs,
      );
      timer.unref();
    });
    try {
      // `Promise.resolve().then` turns a synchronous throw into a rejection like an async one.
      return await Promise.race([Promise.resolve().then(call), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A deep copy for one reporter; evidence that cannot be cloned (a function, say) is passed as is. */
function isolatedCopy<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

function isReporterOutput(value: unknown): value is ReporterOutput {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as ReporterOutput).files) &&
    (value as ReporterOutput).files.every((f) => typeof f === 'string')
  );
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The lines the CLI prints after the run when some reporters failed. */
export function describeReporterFailures(failures: readonly ReporterFailure[]): string {
  return failures.map((f) => `reporter ${f.reporter} failed in ${f.hook}: ${f.message}`).join('\n');
}

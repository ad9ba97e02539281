import type { CheckResult } from '../core/index.ts';
import type { RunReport } from './model.ts';
import type { NamedReporter, Reporter, ReporterOutput, RunStartInfo } from './reporter-contract.ts';

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

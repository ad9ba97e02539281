/**
 * An error the harness itself cannot recover from (exit code 2): it says what failed,
 * where, and what to do next, so the person reading it does not have to guess.
 */
export class HarnessError extends Error {
  readonly where: string | undefined;
  readonly hint: string | undefined;

  constructor(message: string, options: { where?: string; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HarnessError';
    this.where = options.where;
    this.hint = options.hint;
  }
}

/** Invalid harness configuration: the message names the field and the allowed values. */
export class ConfigError extends HarnessError {
  constructor(message: string, options: { where?: string; hint?: string } = {}) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** A deadline passed while waiting for a condition; carries the last value seen. */
export class DeadlineError extends HarnessError {
  readonly lastSeen: unknown;
  readonly elapsedMs: number;

  constructor(
    message: string,
    options: { lastSeen: unknown; elapsedMs: number; where?: string; hint?: string },
  ) {
    super(message, options);
    this.name = 'DeadlineError';
    this.lastSeen = options.lastSeen;
    this.elapsedMs = options.elapsedMs;
  }
}

/** Renders any thrown value as the multi-line text the CLI prints before exiting with 2. */
export function describeError(error: unknown): string {
  if (error instanceof HarnessError) {
    const lines = [error.message];
    if (error.where) lines.push(`  where: ${error.where}`);
    if (error.hint) lines.push(`  next:  ${error.hint}`);
    return lines.join('\n');
  }
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

import { setTimeout as timerPromise } from 'node:timers/promises';
import { DeadlineError } from './errors.ts';

export interface PollOptions<T> {
  /** What is being waited for, used in the deadline message ("Loki ready at http://…/ready"). */
  description: string;
  /** Reads the current value; a thrown error counts as "not yet" and is reported as the last value. */
  probe: () => Promise<T>;
  /** True when the value is what we wait for. */
  until: (value: T) => boolean;
  timeoutMs: number;
  intervalMs?: number;
  /** Renders the last value seen for the deadline message. */
  render?: (value: T) => string;
  signal?: AbortSignal;
}

export interface PollOutcome<T> {
  ok: boolean;
  /** The last value the probe returned (undefined if it only ever threw). */
  last: T | undefined;
  lastError: unknown;
  elapsedMs: number;
  attempts: number;
}

/**
 * Polls `probe` until `until` holds or the deadline passes. Never throws for a timeout:
 * returns the outcome with the last value seen, so checks can report it.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<PollOutcome<T>> {
  const started = Date.now();
  const intervalMs = options.intervalMs ?? 250;
  let last: T | undefined;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      last = await options.probe();
      lastError = undefined;
      if (options.until(last))
        return { ok: true, last, lastError, elapsedMs: Date.now() - started, attempts };
    } catch (error) {
      lastError = error;
    }
    const elapsedMs = Date.now() - started;
    if (elapsedMs >= options.timeoutMs || options.signal?.aborted) {
      return { ok: false, last, lastError, elapsedMs, attempts };
    }
    await pollInterval(Math.min(intervalMs, Math.max(0, options.timeoutMs - elapsedMs)), options.signal);
  }
}

/** Describes the last value or error of a poll outcome in one line. */
export function describeLast<T>(outcome: PollOutcome<T>, render?: (value: T) => string): string {
  if (outcome.lastError !== undefined) {
    const e = outcome.lastError;
    return e instanceof Error ? e.message : String(e);
  }
  if (outcome.last === undefined) return 'nothing';
  return render ? render(outcome.last) : JSON.stringify(outcome.last);
}

/** Like `pollUntil`, but throws a DeadlineError naming what was awaited and the last value seen. */
export async function waitFor<T>(options: PollOptions<T>): Promise<T> {
  const outcome = await pollUntil(options);
  if (outcome.ok) return outcome.last as T;
  throw new DeadlineError(
    `${options.description} after ${outcome.elapsedMs}ms (last: ${describeLast(outcome, options.render)})`,
    { lastSeen: outcome.last ?? outcome.lastError, elapsedMs: outcome.elapsedMs },
  );
}

/**
 * The pause between two polls of a condition that has a deadline (never a stand-in for readiness:
 * callers bound it by their deadline). Resolves early when the signal aborts.
 */
export function pollInterval(ms: number, signal?: AbortSignal): Promise<void> {
  return timerPromise(ms, undefined, signal ? { signal } : {}).then(
    () => undefined,
    () => undefined,
  );
}

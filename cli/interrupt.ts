import { HarnessError, untilAborted, type Teardown } from '../core/index.ts';
import type { RunReport } from '../reports/index.ts';
import { deferSignals } from '../stack/index.ts';

/** Why a run stopped before its end: a signal, the overall `validate` deadline, or a crash of the harness. */
export type InterruptReason = NonNullable<RunReport['interrupted']>['reason'];

/**
 * Exit codes of an interrupted run: the shell's 128 + signal number for SIGINT and SIGTERM (what a
 * CI runner expects of a killed step), 2 ("the harness could not run") for the deadline and a crash.
 */
export const INTERRUPT_EXIT: Record<InterruptReason, number> = {
  SIGINT: 130,
  SIGTERM: 143,
  deadline: 2,
  crash: 2,
};

/** What the partial report records: why the run stopped, in which stage, in one sentence. */
export interface InterruptInfo {
  reason: InterruptReason;
  stage: string;
  message: string;
}

/** The abort reason every interrupted await rejects with. */
export class InterruptedError extends HarnessError {
  constructor(readonly info: InterruptInfo) {
    super(info.message, {
      where: `stage: ${info.stage}`,
      hint: 'the partial report in out/<run-id>/ says what ran; everything started was torn down',
    });
    this.name = 'InterruptedError';
  }
}

/** The interruption behind an aborted signal, if that is why it aborted. */
export function interruptionOf(signal: AbortSignal | undefined): InterruptInfo | undefined {
  return signal?.aborted && signal.reason instanceof InterruptedError ? signal.reason.info : undefined;
}

/** The part of `process` an interrupt listens to (a plain EventEmitter in tests). */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface RunInterruptOptions {
  /** The stage the run is in now (the progress line), recorded when it is interrupted. */
  stage: () => string;
  /** The overall deadline of the run, from install(); none when undefined. */
  deadlineMs?: number;
  /** Told once, when the run is interrupted (the CLI prints a line). */
  onInterrupt?: (info: InterruptInfo) => void;
  /** Called on a second signal: stop waiting for the teardown (default: process.exit). */
  exitNow?: (code: number) => void;
  signals?: SignalSource;
}

const active = new Set<RunInterrupt>();

/** The interrupt of the run in progress, if any (the process-level crash handlers abort it). */
export function activeInterrupt(): RunInterrupt | undefined {
  return [...active].at(-1);
}

/**
 * One run's interruption: SIGINT, SIGTERM, the overall deadline or a crash abort `signal` with an
 * InterruptedError naming the reason and the stage. The run's stages race against that signal, tear
 * down what they started and return a partial result; a second signal exits at once.
 */
export class RunInterrupt implements Disposable {
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;
  private readonly signals: SignalSource;
  private timer: NodeJS.Timeout | undefined;
  private releaseLifecycle: (() => void) | undefined;
  private readonly onSigint = (): void => this.trigger('SIGINT');
  private readonly onSigterm = (): void => this.trigger('SIGTERM');

  constructor(private readonly options: RunInterruptOptions) {
    this.signals = options.signals ?? process;
  }

  /** Why and where the run was interrupted; undefined while it was not. */
  get info(): InterruptInfo | undefined {
    return interruptionOf(this.signal);
  }

  /** The exit code the run ends with when it was interrupted. */
  get exitCode(): number | undefined {
    const info = this.info;
    return info ? INTERRUPT_EXIT[info.reason] : undefined;
  }

  install(): this {
    this.signals.on('SIGINT', this.onSigint);
    this.signals.on('SIGTERM', this.onSigterm);
    // The stack's own signal handlers (teardown, then exit) stand aside: this run tears down and reports first.
    if (this.options.signals === undefined) this.releaseLifecycle = deferSignals();
    const deadlineMs = this.options.deadlineMs;
    if (deadlineMs !== undefined) {
      this.timer = setTimeout(
        () => this.trigger('deadline', `the run passed its deadline of ${deadlineMs}ms`),
        deadlineMs,
      );
      this.timer.unref();
    }
    active.add(this);
    return this;
  }

  /** Interrupts the run (the first time); a second signal exits at once with the signal's code. */
  trigger(reason: InterruptReason, detail?: string): void {
    if (this.signal.aborted) {
      if (reason === 'SIGINT' || reason === 'SIGTERM')
        (this.options.exitNow ?? process.exit)(INTERRUPT_EXIT[reason]);
      return;
    }
    const stage = this.options.stage();
    const why = reason === 'deadline' || reason === 'crash' ? (detail ?? reason) : `${reason} received`;
    const info: InterruptInfo = { reason, stage, message: `run interrupted during "${stage}": ${why}` };
    clearTimeout(this.timer);
    this.options.onInterrupt?.(info);
    this.controller.abort(new InterruptedError(info));
  }

  [Symbol.dispose](): void {
    this.signals.off('SIGINT', this.onSigint);
    this.signals.off('SIGTERM', this.onSigterm);
    clearTimeout(this.timer);
    this.releaseLifecycle?.();
    this.releaseLifecycle = undefined;
    active.delete(this);
  }
}

/**
 * Awaits something being started (stack, fleet) until the run is interrupted. It is registered for
 * teardown before it is ready, so an interrupt mid-start still stops it: the teardown waits for the
 * start to settle (bounded by the start's own timeout), then disposes what it started.
 */
export function startedUnlessInterrupted<T extends AsyncDisposable>(
  teardown: Teardown,
  starting: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  teardown.use({
    async [Symbol.asyncDispose]() {
      const started = await starting.catch(() => undefined);
      await started?.[Symbol.asyncDispose]();
    },
  });
  return untilAborted(starting, signal);
}

import { describeError } from '../core/index.ts';
import { shutdownAll } from '../stack/index.ts';
import { activeInterrupt, type RunInterrupt } from './interrupt.ts';
import { EXIT } from './options.ts';

/** How long a crashed run may take to tear down and write its partial report before the process exits anyway. */
export const CRASH_TEARDOWN_MS = 120_000;

export interface CrashHandlerOptions {
  /** Where the events come from (process; an EventEmitter in tests). */
  source?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  write?: (text: string) => void;
  exit?: (code: number) => void;
  /** The run in progress: it tears down and writes a partial report marked `crash`, then exits 2. */
  run?: () => RunInterrupt | undefined;
  /** Teardown when no run is in progress (the stack's registered teardowns). */
  shutdown?: () => Promise<void>;
  teardownMs?: number;
}

/**
 * A crash is never a "fail": an uncaught exception or an unhandled rejection anywhere (a server's
 * listener, a reporter's stream, a timer) ends the process with exit code 2 and a message saying
 * what crashed, after tearing down what the harness started. Returns a function that uninstalls.
 */
export function installCrashHandlers(options: CrashHandlerOptions = {}): () => void {
  const source = options.source ?? process;
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const run = options.run ?? activeInterrupt;
  const shutdown = options.shutdown ?? (() => shutdownAll((line) => write(`${line}\n`)));
  let crashed = false;
  let deadline: NodeJS.Timeout | undefined;

  const onCrash = (kind: string) => (error: unknown) => {
    write(`\nphx-harness: the harness crashed (${kind}): ${describeError(error)}\n`);
    // A second crash while tearing down is reported above; the first one's teardown carries on.
    if (crashed) return;
    crashed = true;
    deadline = setTimeout(() => {
      write(
        `phx-harness: teardown after the crash did not finish within ${options.teardownMs ?? CRASH_TEARDOWN_MS}ms\n`,
      );
      exit(EXIT.harnessError);
    }, options.teardownMs ?? CRASH_TEARDOWN_MS);
    const interrupt = run();
    if (interrupt) {
      // An interrupted run is already tearing down and will exit; otherwise it is interrupted now.
      if (!interrupt.signal.aborted) {
        write('phx-harness: tearing down, then writing a partial report (exit 2)\n');
        interrupt.trigger('crash', `${kind}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    write('phx-harness: tearing down (exit 2)\n');
    void shutdown()
      .catch((e: unknown) => write(`teardown: ${describeError(e)}\n`))
      .finally(() => exit(EXIT.harnessError));
  };
  const onException = onCrash('uncaught exception');
  const onRejection = onCrash('unhandled rejection');
  source.on('uncaughtException', onException);
  source.on('unhandledRejection', onRejection);
  return () => {
    clearTimeout(deadline);
    source.off('uncaughtException', onException);
    source.off('unhandledRejection', onRejection);
  };
}

import { relative } from 'node:path';
import {
  HarnessError,
  forEachConcurrent,
  untilAborted,
  type Check,
  type CheckFamily,
  type CheckResult,
} from '../core/index.ts';

/** The first stack frame in the harness's own code (not node internals, not a dependency): `validators/traces.ts:120:13`. */
export function whereThrown(error: unknown, root = process.cwd()): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  for (const line of stack?.split('\n').slice(1) ?? []) {
    const frame = /\(?((?:file:\/\/)?\/[^()\s]+:\d+:\d+)\)?\s*$/.exec(line.trim())?.[1];
    if (!frame || frame.includes('/node_modules/')) continue;
    return relative(root, frame.replace(/^file:\/\//, ''));
  }
  return undefined;
}

/**
 * The check of a validator that threw instead of returning its results: `error`, required from
 * phase 1 (so the gate cannot hold without it), naming the validator, the error and where it threw.
 */
export function validatorErrorResult(
  name: string,
  family: CheckFamily,
  error: unknown,
  durationMs?: number,
): CheckResult {
  const text = error instanceof Error ? error.message || error.name : String(error);
  const where = whereThrown(error);
  const details =
    error instanceof HarnessError
      ? [error.where ? `where: ${error.where}` : '', error.hint ? `next: ${error.hint}` : ''].filter(Boolean)
      : [];
  return {
    id: `${name}.validator`,
    family,
    title: `the ${name} validator ran to the end`,
    status: 'error',
    phase: 1,
    expected: `the ${name} validator returns its checks`,
    observed: `threw: ${text}`,
    message: `the ${name} validator threw${where ? ` at ${where}` : ''}: ${text}${details.length ? ` (${details.join('; ')})` : ''}`,
    evidence: {
      validator: name,
      ...(where ? { thrownAt: where } : {}),
      ...(error instanceof Error && error.stack
        ? { stack: error.stack.split('\n').slice(0, 8).join('\n') }
        : {}),
    },
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}

/** Runs one validator; a throw, a rejection or an answer that is not a list becomes its `error` check. */
export async function runValidatorIsolated<Ctx>(
  name: string,
  family: CheckFamily,
  check: Check<Ctx>,
  ctx: Ctx,
): Promise<CheckResult[]> {
  const started = Date.now();
  try {
    const results = await check(ctx);
    if (!Array.isArray(results))
      throw new TypeError(
        `returned ${results === null ? 'null' : typeof results} instead of a list of checks`,
      );
    return results;
  } catch (error) {
    return [validatorErrorResult(name, family, error, Date.now() - started)];
  }
}

export interface RunValidatorsOptions<N extends string, Ctx> {
  /** The validators by name, and the family each one's checks belong to. */
  validators: Record<N, Check<Ctx>>;
  families: Record<N, CheckFamily>;
  names: readonly N[];
  ctx: Ctx;
  /** Validators run one at a time after all the others (the live drills switch faults on). */
  last?: readonly N[];
  /** Results are added here as each validator finishes, so an interrupted run keeps what finished. */
  into: CheckResult[];
  /** Aborting stops waiting: the call rejects with the signal's reason, `into` holds what finished. */
  signal?: AbortSignal;
  onDone?: (name: N, ms: number) => void;
}

/**
 * Runs the named validators, each isolated from the others' failures (see runValidatorIsolated):
 * all but `last` concurrently, then `last` in order. Returns `into`, sorted by check id.
 */
export async function runValidators<N extends string, Ctx>(
  options: RunValidatorsOptions<N, Ctx>,
): Promise<CheckResult[]> {
  const { names, signal, into } = options;
  const last = names.filter((n) => options.last?.includes(n));
  const first = names.filter((n) => !last.includes(n));
  const run = async (name: N): Promise<void> => {
    signal?.throwIfAborted();
    const started = Date.now();
    const results = await untilAborted(
      runValidatorIsolated(name, options.families[name], options.validators[name], options.ctx),
      signal,
    );
    into.push(...results);
    options.onDone?.(name, Date.now() - started);
  };
  await forEachConcurrent(first, first.length, run);
  for (const name of last) await run(name);
  return into.sort((a, b) => a.id.localeCompare(b.id));
}

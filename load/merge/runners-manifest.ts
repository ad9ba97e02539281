/**
 * The manifest written beside a merged ledger (`<ledger>.runners.json`): what each runner sent
 * and how its output ended, the run window, the clock skew seen and every problem. The thresholds
 * command reads it back for the figures the ledger does not hold (checks, dropped iterations).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeError, HarnessError, LEDGER_FLOWS } from '../../core/index.ts';

const count = z.number().int().nonnegative();
const epochMs = z.number().nonnegative();

export const RUNNER_STATUSES = ['complete', 'stopped-early', 'truncated'] as const;

export const runnerEntrySchema = z
  .object({
    name: z.string().min(1),
    /** The file or directory merged. */
    path: z.string(),
    kind: z.enum(['k6-raw', 'engine']),
    /** Its execution segment (`2/4:3/4`), and how the merge learnt it. */
    segment: z.string(),
    segmentFrom: z.enum([
      'explicit',
      'summary.json',
      'instance_id tag',
      'file name',
      'file order',
      'whole test',
    ]),
    /** Runner n of N (k6-operator's instance_id), when its segment is the n-th of an equal split. */
    instance: z.number().int().positive().optional(),
    requests: count,
    byFlow: z.record(z.enum(LEDGER_FLOWS), count),
    /** Its first request's start and its last request's end (epoch ms, its own clock); null with no requests. */
    firstStartMs: epochMs.nullable(),
    lastEndMs: epochMs.nullable(),
    iterations: count,
    /** Its segment's share of the schedule, when the scenario and its environment were given. */
    plannedIterations: count.optional(),
    droppedIterations: count,
    checks: z.object({ passes: count, fails: count }),
    countsFrom: z.enum(['raw output', 'summary.json', 'ledger (no summary.json)']),
    status: z.enum(RUNNER_STATUSES),
    /** One line on how it ended, with figures. */
    note: z.string(),
  })
  .strict();

export const mergeProblemSchema = z
  .object({
    kind: z.enum([
      'gap',
      'overlap',
      'truncated',
      'stopped-early',
      'plan-mismatch',
      'malformed',
      'untraced',
      'mixed-instances',
      'clock-skew',
    ]),
    runners: z.array(z.string()),
    message: z.string(),
    blocking: z.boolean(),
  })
  .strict();

export const runnersManifestSchema = z
  .object({
    version: z.literal(1),
    ledgerPath: z.string(),
    createdAt: z.iso.datetime({ offset: true }),
    /** The scenario and (secret-free) environment the plan was computed from, when given. */
    scenario: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
    parallelism: z.number().int().positive(),
    /** True when parallelism was inferred from the runners (a missing last runner cannot be seen then). */
    parallelismAssumed: z.boolean(),
    requests: count,
    runners: z.array(runnerEntrySchema).min(1),
    /** The union of the runners' windows: from the earliest start to the latest end; null with no requests. */
    window: z.object({ startMs: epochMs, endMs: epochMs, durationMs: z.number().nonnegative() }).nullable(),
    clockSkew: z
      .object({
        /** The largest difference between two runners' first-request offsets, in ms. */
        ms: z.number().nonnegative(),
        earliest: z.string(),
        latest: z.string(),
        toleranceMs: z.number().nonnegative(),
        /** True when each runner's first request was compared with its first scheduled start. */
        scheduleAware: z.boolean(),
      })
      .nullable(),
    /** Why clock skew does not change the percentiles. */
    durations: z.string(),
    problems: z.array(mergeProblemSchema),
    /** True when blocking problems were accepted (`--accept-partial`): the ledger is partial. */
    acceptedPartial: z.boolean(),
  })
  .strict();

export type RunnerEntry = z.infer<typeof runnerEntrySchema>;
export type RunnersManifest = z.infer<typeof runnersManifestSchema>;
export type RunnerStatus = (typeof RUNNER_STATUSES)[number];

/** `out/ledger.jsonl` → `out/ledger.runners.json`. */
export function manifestPathFor(ledgerPath: string): string {
  return `${ledgerPath.replace(/\.jsonl(\.gz)?$/, '')}.runners.json`;
}

/** Reads and checks a manifest; a wrong shape names the field. */
export async function readRunnersManifest(path: string): Promise<RunnersManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new HarnessError(`cannot read the runners manifest ${path}: ${describeError(error)}`, {
      where: path,
      hint: 'merge the runners with `phx-harness ledger merge … --out <ledger.jsonl>`: it writes <ledger>.runners.json beside the ledger',
      cause: error,
    });
  }
  const parsed = runnersManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HarnessError(`${path} is not a runners manifest (${issues})`, { where: path });
  }
  return parsed.data;
}

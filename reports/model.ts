import { z } from 'zod';
import { CHECK_FAMILIES, type CheckResult, type LedgerEntry } from '../core/index.ts';

/**
 * The run report: everything one validation run found, as data. Every reporter serializes this one
 * model (JSON, JUnit, HTML, Markdown, console), and the JSON file is read back as the next run's
 * `--baseline` and by the `report` re-render command, so its shape is versioned.
 */
export const RUN_REPORT_SCHEMA_VERSION = 2;
/**
 * Versions this harness still reads (`--baseline`, `report`). v2 added each check's `examined` and
 * the gate's `skippedRequired`, `waived` and `waiverWarnings`; a v1 report reads with them empty.
 */
export const READABLE_SCHEMA_VERSIONS = [1, 2] as const;

const CHECK_STATUSES = ['pass', 'fail', 'skip', 'error'] as const;
/** Why a run stopped before its end (see `interrupted`). */
export const INTERRUPT_REASONS = ['SIGINT', 'SIGTERM', 'deadline', 'crash'] as const;
const phaseSchema = z.number().int().min(1).max(4);
const countSchema = z.number().int().nonnegative();
const msSchema = z.number().nonnegative();

/** Evidence a person can follow; the well-known keys are typed, anything else is kept as is. */
const checkEvidenceSchema = z.looseObject({
  traceIds: z.array(z.string()).optional(),
  promql: z.array(z.string()).optional(),
  logql: z.array(z.string()).optional(),
  urls: z.array(z.string()).optional(),
});

/** A CheckResult plus whether the run's gate requires it (informational when false). */
export const reportedCheckSchema = z.object({
  id: z.string().min(1),
  family: z.enum(CHECK_FAMILIES),
  title: z.string(),
  status: z.enum(CHECK_STATUSES),
  phase: phaseSchema,
  expected: z.string(),
  observed: z.string(),
  message: z.string(),
  evidence: checkEvidenceSchema,
  /** How many items the check examined (targets, series, traces, requests, panels…). */
  examined: countSchema.optional(),
  durationMs: msSchema.optional(),
  required: z.boolean(),
});

const accountingRowSchema = z.object({
  flow: z.string().min(1),
  sent: countSchema,
  traced: countSchema,
  logged: countSchema,
  counted: countSchema,
});

/** One runner of a merged ledger (a load worker, a k6-operator runner): its requests through the funnel. */
const runnerAccountingRowSchema = z.object({
  runner: z.string().min(1),
  /** Its execution segment, when the harness ran it (`1/4:1/2`). */
  segment: z.string().optional(),
  sent: countSchema,
  traced: countSchema,
  logged: countSchema,
});

/** One per-second bucket of the load: latency percentiles of the requests that started in it. */
const latencyPointSchema = z.object({
  /** Start of the second, epoch ms. */
  t: z.number().int(),
  p50: msSchema,
  p95: msSchema,
  p99: msSchema,
  /** Requests that started in this second (the bucket is one second wide, so this is requests/s). */
  rps: countSchema,
  errors: countSchema,
});

/** Requests whose duration is in (previous bucket's leMs, leMs]; not cumulative. */
const histogramBucketSchema = z.object({ leMs: msSchema, count: countSchema });

export const latencySummarySchema = z.object({
  points: z.array(latencyPointSchema),
  histogram: z.array(histogramBucketSchema),
  p50Ms: msSchema,
  p95Ms: msSchema,
  p99Ms: msSchema,
  /** Failed requests (no answer or HTTP status ≥ 400, as k6's http_req_failed) / requests. */
  errorRate: z.number().min(0).max(1),
  requests: countSchema,
});

/** One live alert drill: a fault injected at `startedAt`, then each stage's time after it. */
const alertDrillSchema = z.object({
  alert: z.string().min(1),
  receiver: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  pendingMs: msSchema.optional(),
  firingMs: msSchema.optional(),
  deliveredMs: msSchema.optional(),
  resolvedMs: msSchema.optional(),
  /** The drill's outcome, as a check status. */
  status: z.enum(CHECK_STATUSES),
});

const componentSchema = z.object({
  name: z.string().min(1),
  version: z.string(),
  url: z.string().optional(),
});

const linksSchema = z.object({
  jaeger: z.string().optional(),
  grafana: z.string().optional(),
  prometheus: z.string().optional(),
  loki: z.string().optional(),
  victorialogs: z.string().optional(),
});

export const runReportSchema = z.object({
  // An older readable version is upgraded on read: its new fields take their defaults.
  schemaVersion: z
    .union([z.literal(READABLE_SCHEMA_VERSIONS[0]), z.literal(READABLE_SCHEMA_VERSIONS[1])])
    .transform((): typeof RUN_REPORT_SCHEMA_VERSION => RUN_REPORT_SCHEMA_VERSION),
  runId: z.string().min(1),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }),
  /** The phase gate the run was judged by. */
  phase: phaseSchema,
  /** pass/fail: the gate holds or not; error: the harness itself could not complete the run. */
  verdict: z.enum(['pass', 'fail', 'error']),
  gate: z.object({
    phase: phaseSchema,
    /** Ids of the checks the gate requires. */
    required: z.array(z.string()),
    failedRequired: z.array(z.string()),
    /** Required checks that ended `skip` with no waiver: each fails the gate. */
    skippedRequired: z.array(z.string()).default([]),
    /** Required checks that ended `skip` under a config waiver, with its reason. */
    waived: z.array(z.object({ id: z.string().min(1), reason: z.string().min(1) })).default([]),
    /** Waivers that did nothing (`waiver for X matched no check`, or a check that failed). */
    waiverWarnings: z.array(z.string()).default([]),
  }),
  checks: z.array(reportedCheckSchema),
  /** The funnel per flow: requests sent → traced → logged → counted. */
  accounting: z.array(accountingRowSchema),
  /** The same funnel per runner, when the ledger was merged from several (counted is per flow only). */
  accountingByRunner: z.array(runnerAccountingRowSchema).optional(),
  latency: latencySummarySchema.optional(),
  drills: z.array(alertDrillSchema),
  components: z.array(componentSchema),
  /** The run's effective config; secrets are redacted before it is written (see redactSecrets). */
  config: z.unknown(),
  scenario: z
    .object({
      name: z.string(),
      /** Who sent the load: `k6 v1.8.1`, or the harness's in-process engine. */
      engine: z.string().default('k6'),
      /** The execution segment this run sent (`0:1/4`…), when it sent a share. */
      segment: z.string().optional(),
      /** Load processes that sent it (1 unless --load-workers; their ledgers were merged). */
      workers: z.number().int().positive().optional(),
      /** How exact the thresholds over merged workers are. */
      thresholdsBound: z.string().optional(),
      exitCode: z.number().int(),
      thresholdFailures: z.array(z.object({ metric: z.string(), threshold: z.string() })),
    })
    .optional(),
  baseline: z
    .object({
      path: z.string(),
      /** Ids of the checks that compared this run with the baseline. */
      criteria: z.array(z.string()),
    })
    .optional(),
  links: linksSchema,
  /** How the dashboards family ran: through a Grafana's API, or the harness running every panel's queries itself. */
  dashboardsPath: z.enum(['grafana', 'harness']).optional(),
  /**
   * The run's metric inventory, metric name → its label names and series count: what a later run's
   * baseline comparison reads to find metrics that disappeared and cardinality growth.
   */
  inventory: z.record(z.string(), z.object({ labels: z.array(z.string()), series: countSchema })).optional(),
  /**
   * Set when the run stopped before its end: a signal, the run's deadline or a crash of the harness.
   * The results are partial, the verdict is `error`, and the gate is not judged.
   */
  interrupted: z
    .object({
      reason: z.enum(INTERRUPT_REASONS),
      /** The stage it was in (the progress line: `running the smoke scenario (in-process engine)`). */
      stage: z.string(),
      message: z.string(),
    })
    .optional(),
});

export type RunReport = z.infer<typeof runReportSchema>;
export type ReportedCheck = z.infer<typeof reportedCheckSchema>;
export type LatencySummary = z.infer<typeof latencySummarySchema>;
export type LatencyPoint = LatencySummary['points'][number];
export type HistogramBucket = LatencySummary['histogram'][number];
export type AlertDrill = RunReport['drills'][number];
export type ComponentVersion = RunReport['components'][number];
export type ReportLinks = RunReport['links'];

// The report's checks must stay assignable to the validators' CheckResult.
type Assert<T extends true> = T;
export type _ReportedCheckIsCheckResult = Assert<ReportedCheck extends CheckResult ? true : false>;

const SECRET_KEY =
  /pass(word|wd)?$|secret|token|authorization|api[-_]?key|credential|cookie|private[-_]?key/i;
export const REDACTED = '[redacted]';

/**
 * A deep copy of a config-like value with secrets masked: values under secret-looking keys, and
 * passwords in URLs (`https://user:pw@host`). The report is shared widely; credentials never are.
 */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (key !== '' && SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') {
    return REDACTED;
  }
  if (typeof value === 'string') return redactUrlPassword(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  }
  return value;
}

function redactUrlPassword(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, `$1:${REDACTED}@`);
}

// ─── latency ─────────────────────────────────────────────────────────────────────────────────────

/** Fine log buckets for percentiles: 16 per doubling (each ≈4.4% wide, so ≤ ±2.2% error). */
const SUB_BUCKETS_PER_OCTAVE = 16;
const MIN_TRACKED_MS = 0.01;
/** 0.01 ms × 2^40 ≈ 127 days: every duration fits. */
const FINE_BUCKET_COUNT = 40 * SUB_BUCKETS_PER_OCTAVE + 1;
/** Display histogram steps per decade (a rounded log series), so bucket edges read well. */
const DISPLAY_STEPS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8] as const;
const SMALLEST_DISPLAY_DECADE = -3;

function fineBucket(ms: number): number {
  if (!(ms > MIN_TRACKED_MS)) return 0;
  const i = Math.floor(Math.log2(ms / MIN_TRACKED_MS) * SUB_BUCKETS_PER_OCTAVE);
  return Math.min(FINE_BUCKET_COUNT - 1, i);
}

function fineBucketMidpoint(i: number): number {
  return MIN_TRACKED_MS * 2 ** ((i + 0.5) / SUB_BUCKETS_PER_OCTAVE);
}

/** The display bucket as decade × 10 + step index; its upper edge is DISPLAY_STEPS[step] × 10^decade. */
function displayBucket(ms: number): number {
  if (!(ms > 10 ** SMALLEST_DISPLAY_DECADE)) return SMALLEST_DISPLAY_DECADE * DISPLAY_STEPS.length;
  let decade = Math.floor(Math.log10(ms));
  const mantissa = ms / 10 ** decade;
  let step = DISPLAY_STEPS.findIndex((s) => mantissa <= s * (1 + 1e-12));
  if (step === -1) {
    decade += 1;
    step = 0;
  }
  return decade * DISPLAY_STEPS.length + step;
}

function displayBucketUpperMs(key: number): number {
  const decade = Math.floor(key / DISPLAY_STEPS.length);
  const step = key - decade * DISPLAY_STEPS.length;
  return Number(((DISPLAY_STEPS[step] ?? 1) * 10 ** decade).toPrecision(12));
}

function isFailedRequest(status: number): boolean {
  return status === 0 || status >= 400;
}

interface DurationStats {
  count: number;
  errors: number;
  minMs: number;
  maxMs: number;
  /** Fine bucket → count; sparse, so memory is bounded by buckets, not by requests. */
  buckets: Map<number, number>;
}

function newStats(): DurationStats {
  return { count: 0, errors: 0, minMs: Infinity, maxMs: -Infinity, buckets: new Map() };
}

function addDuration(stats: DurationStats, ms: number, failed: boolean): void {
  stats.count += 1;
  if (failed) stats.errors += 1;
  if (ms < stats.minMs) stats.minMs = ms;
  if (ms > stats.maxMs) stats.maxMs = ms;
  const b = fineBucket(ms);
  stats.buckets.set(b, (stats.buckets.get(b) ?? 0) + 1);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Nearest-rank percentiles from the fine buckets, clamped to the exact min and max seen. */
function percentiles(stats: DurationStats, ps: readonly number[]): number[] {
  if (stats.count === 0) return ps.map(() => 0);
  const sorted = [...stats.buckets.entries()].sort((a, b) => a[0] - b[0]);
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil(p * stats.count));
    let cumulative = 0;
    for (const [bucket, count] of sorted) {
      cumulative += count;
      if (cumulative >= rank) {
        return round3(Math.min(stats.maxMs, Math.max(stats.minMs, fineBucketMidpoint(bucket))));
      }
    }
    return round3(stats.maxMs);
  });
}

const PERCENTILES = [0.5, 0.95, 0.99] as const;

/**
 * Builds the report's latency block in one streaming pass over a ledger: memory grows with the
 * run's duration in seconds (a few hundred sparse buckets per second at most), never with requests.
 */
export class LatencyAccumulator {
  private readonly perSecond = new Map<number, DurationStats>();
  private readonly overall = newStats();
  private readonly display = new Map<number, number>();

  add(entry: Pick<LedgerEntry, 'startMs' | 'durationMs' | 'status'>): void {
    const ms = Number.isFinite(entry.durationMs) && entry.durationMs > 0 ? entry.durationMs : 0;
    const failed = isFailedRequest(entry.status);
    const second = Math.floor(entry.startMs / 1000) * 1000;
    let stats = this.perSecond.get(second);
    if (!stats) {
      stats = newStats();
      this.perSecond.set(second, stats);
    }
    addDuration(stats, ms, failed);
    addDuration(this.overall, ms, failed);
    const d = displayBucket(ms);
    this.display.set(d, (this.display.get(d) ?? 0) + 1);
  }

  /** The latency block, or undefined when no request was seen. */
  result(): LatencySummary | undefined {
    if (this.overall.count === 0) return undefined;
    const points = [...this.perSecond.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, stats]) => {
        const [p50 = 0, p95 = 0, p99 = 0] = percentiles(stats, PERCENTILES);
        return { t, p50, p95, p99, rps: stats.count, errors: stats.errors };
      });
    const keys = [...this.display.keys()];
    const histogram: HistogramBucket[] = [];
    // Empty buckets between the first and last are kept, so the distribution's x axis is continuous.
    for (let k = Math.min(...keys); k <= Math.max(...keys); k++) {
      histogram.push({ leMs: displayBucketUpperMs(k), count: this.display.get(k) ?? 0 });
    }
    const [p50Ms = 0, p95Ms = 0, p99Ms = 0] = percentiles(this.overall, PERCENTILES);
    return {
      points,
      histogram,
      p50Ms,
      p95Ms,
      p99Ms,
      errorRate: this.overall.errors / this.overall.count,
      requests: this.overall.count,
    };
  }
}

/** The latency block of a ledger held in memory or read lazily (one pass; see LatencyAccumulator). */
export function latencyFromLedger(entries: Iterable<LedgerEntry>): LatencySummary | undefined {
  const acc = new LatencyAccumulator();
  for (const entry of entries) acc.add(entry);
  return acc.result();
}

/** The same, streaming a ledger file (`LedgerSource.read()`). */
export async function latencyFromLedgerStream(
  entries: AsyncIterable<LedgerEntry>,
): Promise<LatencySummary | undefined> {
  const acc = new LatencyAccumulator();
  for await (const entry of entries) acc.add(entry);
  return acc.result();
}

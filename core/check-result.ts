/** The families of checks; one validator file per family. */
export const CHECK_FAMILIES = [
  'pipeline',
  'traces',
  'metrics',
  'logs',
  'alerts',
  'dashboards',
  'baseline',
] as const;
export type CheckFamily = (typeof CHECK_FAMILIES)[number];

export type CheckStatus = 'pass' | 'fail' | 'skip' | 'error';

/** Evidence a person can follow: ids, queries and links into the backends. */
export interface CheckEvidence {
  traceIds?: string[];
  promql?: string[];
  logql?: string[];
  urls?: string[];
  [key: string]: unknown;
}

/**
 * The outcome of one check. A failed expectation is data, never an exception:
 * `expected` and `observed` say what was wanted and what was last seen.
 */
export interface CheckResult {
  id: string;
  family: CheckFamily;
  title: string;
  status: CheckStatus;
  /** The rollout phase that first requires this check (1..4). */
  phase: number;
  expected: string;
  observed: string;
  message: string;
  evidence: CheckEvidence;
  /**
   * How many items the check looked at (targets, series, traces, requests, log streams, panels,
   * counters…). A check whose phase expects evidence fails when it examined none, so an empty
   * answer can never pass; `undefined` only for checks that do not count (offline rule tests).
   */
  examined?: number;
  durationMs?: number;
}

/** A check: pure with respect to the harness, given a context it queries the backends. */
export type Check<Ctx> = (ctx: Ctx) => Promise<CheckResult[]>;

/**
 * Scenario configuration from k6's `__ENV` (`k6 run … -e BASE_URL=…`). Pure on purpose: no k6
 * globals or modules here, so Node unit tests import it too (load/scenario-config.test.ts).
 */

/**
 * The scenarios (scenarios/<name>.ts): the one list. Here, not in core/, because k6 bundles this
 * file and must not load Node-only code; core/config.ts's schema reads it through scenarios/index.ts.
 */
export const SCENARIO_NAMES = ['smoke', 'load', 'stress', 'spike', 'soak'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';
export const DEFAULT_SUMMARY_PATH = './summary.json';
export const DEFAULT_REQUEST_TIMEOUT = '10s';
const MIN_DURATION_MS = 1_000;

/** What a scenario does when the environment says nothing. */
export interface ScenarioDefaults {
  /** Target arrival rate in requests/s (the plateau; stress and spike scale it). */
  rate: number;
  /** A k6 duration: the whole run, ramps included. */
  duration: string;
}

export const SCENARIO_DEFAULTS: Readonly<Record<ScenarioName, ScenarioDefaults>> = {
  smoke: { rate: 2, duration: '10s' },
  load: { rate: 20, duration: '1m' },
  stress: { rate: 20, duration: '2m' },
  spike: { rate: 10, duration: '1m' },
  soak: { rate: 10, duration: '10m' },
};

export interface ScenarioConfig {
  scenario: ScenarioName;
  baseUrl: string;
  /** Undefined when RUN_ID is not set: setup() draws one, so every VU shares it. */
  runId: string | undefined;
  rate: number;
  duration: string;
  durationMs: number;
  /** Pre-allocated VUs; undefined = derived from the peak rate (see stages.ts). */
  vus: number | undefined;
  /** Upper bound of VUs an arrival-rate executor may add; undefined = derived. */
  maxVus: number | undefined;
  authToken: string | undefined;
  summaryPath: string;
  requestTimeout: string;
  /** SLO overrides for every flow (e.g. SLO_P95_MS=1 to prove a breach fails the run). */
  sloOverride: { p95Ms: number | undefined; p99Ms: number | undefined };
}

export type ScenarioEnv = Readonly<Record<string, string | undefined>>;

/** A bad environment variable: the message names the variable, the value and what is allowed. */
export class ScenarioConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid scenario environment:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ScenarioConfigError';
    this.issues = issues;
  }
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses a k6 duration ("30s", "1m30s", "500ms", or bare seconds "45") to milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
  if (!DURATION_WHOLE.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1_000);
  }
  return total;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function positiveNumber(
  env: ScenarioEnv,
  name: string,
  issues: string[],
  options: { integer?: boolean } = {},
): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const ok = Number.isFinite(value) && value > 0 && (!options.integer || Number.isInteger(value));
  if (!ok)
    issues.push(
      `${name}=${JSON.stringify(raw)}: must be a positive ${options.integer ? 'integer' : 'number'}`,
    );
  return ok ? value : undefined;
}

function baseUrlFrom(env: ScenarioEnv, issues: string[]): string {
  const raw = nonEmpty(env['BASE_URL']) ?? DEFAULT_BASE_URL;
  // The orchestrator is addressed by scheme://host[:port][/prefix]; paths are appended per flow.
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(raw)) {
    issues.push(`BASE_URL=${JSON.stringify(raw)}: must be an http(s) URL such as ${DEFAULT_BASE_URL}`);
  }
  return raw.replace(/\/+$/, '');
}

/** Reads the scenario's settings from the environment; throws a ScenarioConfigError naming each bad variable. */
export function parseScenarioConfig(scenario: ScenarioName, env: ScenarioEnv): ScenarioConfig {
  const defaults = SCENARIO_DEFAULTS[scenario];
  const issues: string[] = [];
  const baseUrl = baseUrlFrom(env, issues);
  const runId = nonEmpty(env['RUN_ID']);
  if (runId !== undefined && !/^[A-Za-z0-9._-]+$/.test(runId)) {
    issues.push(
      `RUN_ID=${JSON.stringify(runId)}: only letters, digits, '.', '_' and '-' (it names out/<run-id>/)`,
    );
  }
  const rate = positiveNumber(env, 'RATE', issues) ?? defaults.rate;
  const duration = nonEmpty(env['DURATION']) ?? defaults.duration;
  const durationMs = parseDurationMs(duration);
  if (durationMs === undefined) {
    issues.push(`DURATION=${JSON.stringify(duration)}: must be a k6 duration such as 30s, 5m or 1m30s`);
  } else if (durationMs < MIN_DURATION_MS) {
    // k6 refuses arrival-rate executors shorter than 1s.
    issues.push(`DURATION=${JSON.stringify(duration)}: must be at least 1s`);
  }
  const vus = positiveNumber(env, 'VUS', issues, { integer: true });
  const maxVus = positiveNumber(env, 'MAX_VUS', issues, { integer: true });
  if (vus !== undefined && maxVus !== undefined && maxVus < vus) {
    issues.push(`MAX_VUS=${maxVus} is below VUS=${vus}: MAX_VUS bounds how far k6 may grow beyond VUS`);
  }
  const requestTimeout = nonEmpty(env['REQUEST_TIMEOUT']) ?? DEFAULT_REQUEST_TIMEOUT;
  if (parseDurationMs(requestTimeout) === undefined) {
    issues.push(`REQUEST_TIMEOUT=${JSON.stringify(requestTimeout)}: must be a k6 duration such as 10s`);
  }
  const sloOverride = {
    p95Ms: positiveNumber(env, 'SLO_P95_MS', issues),
    p99Ms: positiveNumber(env, 'SLO_P99_MS', issues),
  };
  if (issues.length > 0) throw new ScenarioConfigError(issues);
  return {
    scenario,
    baseUrl,
    runId,
    rate,
    duration,
    durationMs: durationMs ?? 0,
    vus,
    maxVus,
    authToken: nonEmpty(env['AUTH_TOKEN']),
    summaryPath: nonEmpty(env['SUMMARY_PATH']) ?? DEFAULT_SUMMARY_PATH,
    requestTimeout,
    sloOverride,
  };
}

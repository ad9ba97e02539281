/**
 * setup(): fails within seconds, saying what to start, when nothing answers at BASE_URL; otherwise
 * fixes the run id every VU shares. Pure: the k6 glue (scenarios/k6/scenario.ts) and the harness's
 * in-process engine (load/engine/) both send the preflight and word its failure from here.
 */
import type { ScenarioConfig } from './config.ts';
import { newRunId } from './ids.ts';

/** What setup() hands every VU (and handleSummary). */
export interface SetupData {
  runId: string;
  baseUrl: string;
  scenario: string;
}

/** GET /healthz must answer within this, so a missing fleet fails the run in well under 5 s. */
export const PREFLIGHT_TIMEOUT = '3s';
/** What to run when no orchestrator answers. */
export const START_FLEET_HINT =
  'start the fleet with `npm run fleet` or set BASE_URL to a running orchestrator';
/** The request name (k6 `name` tag) of the preflight: not one of the run's flow requests. */
export const PREFLIGHT_NAME = 'GET /healthz (preflight)';

/** The k6 scenario options setup() needs: a short setup timeout, so the preflight is the only wait. */
export const SETUP_TIMEOUT = '10s';

export function preflightUrl(config: ScenarioConfig): string {
  return `${config.baseUrl}/healthz`;
}

export function preflightHeaders(config: ScenarioConfig): Record<string, string> {
  return config.authToken === undefined ? {} : { Authorization: `Bearer ${config.authToken}` };
}

/**
 * Why the run stops when the preflight fails: `seen` is k6's error text for status 0 (e.g.
 * `dial: connection refused`), else the status.
 */
export function preflightFailure(url: string, status: number, error: string | undefined): string {
  const seen = status === 0 ? error || 'no answer' : `HTTP ${status}`;
  return `no Phoenix orchestrator answers at ${url} (${seen}): ${START_FLEET_HINT}`;
}

/** The data every VU shares once the preflight passed. */
export function setupData(config: ScenarioConfig): SetupData {
  return { runId: config.runId ?? newRunId(), baseUrl: config.baseUrl, scenario: config.scenario };
}

/**
 * setup(): fails within seconds, saying what to start, when nothing answers at BASE_URL; otherwise
 * fixes the run id every VU shares.
 */
import exec from 'k6/execution';
import http from 'k6/http';
import type { ScenarioConfig } from './config.ts';
import { newRunId } from './ids.ts';
import type { SetupData } from './request.ts';

/** GET /healthz must answer within this, so a missing fleet fails the run in well under 5 s. */
export const PREFLIGHT_TIMEOUT = '3s';
/** What to run when no orchestrator answers. */
export const START_FLEET_HINT =
  'start the fleet with `npm run fleet` or set BASE_URL to a running orchestrator';

/** The k6 scenario options setup() needs: a short setup timeout, so the preflight is the only wait. */
export const SETUP_TIMEOUT = '10s';

export function preflight(config: ScenarioConfig): SetupData {
  const url = `${config.baseUrl}/healthz`;
  // No flow tag and no ledger metadata: the preflight is not one of the run's requests.
  const response = http.get(url, {
    timeout: PREFLIGHT_TIMEOUT,
    tags: { name: 'GET /healthz (preflight)' },
    headers: config.authToken === undefined ? {} : { Authorization: `Bearer ${config.authToken}` },
  });
  if (response.status !== 200) {
    const seen = response.status === 0 ? response.error || 'no answer' : `HTTP ${response.status}`;
    exec.test.abort(`no Phoenix orchestrator answers at ${url} (${seen}): ${START_FLEET_HINT}`);
  }
  return { runId: config.runId ?? newRunId(), baseUrl: config.baseUrl, scenario: config.scenario };
}

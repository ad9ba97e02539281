/**
 * The only k6-specific code: wraps a scenario definition from scenarios/lib into k6's `options`,
 * `setup`, the iteration (k6/http, k6/execution, checks) and `handleSummary`. The ledger rides on
 * k6 sample METADATA, not tags: metadata never creates a time series, so a 100k-request run keeps
 * k6's memory flat (load/ledger.ts reads it back).
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import type { ScenarioConfig, ScenarioName } from '../lib/config.ts';
import { checksFor } from '../lib/flows.ts';
import { LEDGER_METADATA } from '../lib/ledger-metadata.ts';
import { flowAnswer, planFlowRequest, RequestNumbering } from '../lib/request.ts';
import {
  pickFlow,
  scenarioDefinition,
  SUMMARY_TREND_STATS,
  SYSTEM_TAGS,
  type ScenarioDefinition,
} from '../lib/scenario.ts';
import {
  PREFLIGHT_NAME,
  PREFLIGHT_TIMEOUT,
  preflightFailure,
  preflightHeaders,
  preflightUrl,
  SETUP_TIMEOUT,
  setupData,
  type SetupData,
} from '../lib/setup.ts';
import { summaryHandler } from '../lib/summary.ts';
import { toK6Thresholds } from '../lib/thresholds.ts';

export type { SetupData };

export interface K6Scenario {
  config: ScenarioConfig;
  options: Options;
  setup: () => SetupData;
  handleSummary: ReturnType<typeof summaryHandler>;
  /** The default function's body: one iteration. */
  iteration: (data: SetupData) => void;
}

// Per-VU state (each k6 VU has its own copy of this module).
const numbering = new RequestNumbering();

function preflight(config: ScenarioConfig): SetupData {
  const url = preflightUrl(config);
  // No flow tag and no ledger metadata: the preflight is not one of the run's requests.
  const response = http.get(url, {
    timeout: PREFLIGHT_TIMEOUT,
    tags: { name: PREFLIGHT_NAME },
    headers: preflightHeaders(config),
  });
  if (response.status !== 200) exec.test.abort(preflightFailure(url, response.status, response.error));
  return setupData(config);
}

function iterate(definition: ScenarioDefinition, data: SetupData): void {
  const flow = pickFlow(definition.mix, exec.scenario.iterationInTest, Math.random());
  const iteration = exec.vu.iterationInInstance;
  const request = planFlowRequest(
    flow,
    definition.config,
    data,
    { vu: exec.vu.idInTest, iteration, requestInIteration: numbering.next(iteration) },
    Math.random(),
  );
  const metadata = exec.vu.metrics.metadata;
  metadata[LEDGER_METADATA.traceId] = request.traceId;
  metadata[LEDGER_METADATA.correlationId] = request.correlationId;
  metadata[LEDGER_METADATA.startedMs] = Date.now();
  let response;
  try {
    response = http.request(request.method, request.url, request.body, {
      headers: request.headers,
      tags: request.tags,
      timeout: definition.config.requestTimeout,
    });
  } finally {
    // Only this request's http_* samples carry the ids; checks and iteration samples stay lean.
    delete metadata[LEDGER_METADATA.traceId];
    delete metadata[LEDGER_METADATA.correlationId];
    delete metadata[LEDGER_METADATA.startedMs];
  }
  check(flowAnswer(request, response.status, response.body), checksFor(flow.name), { flow: flow.name });
}

export function defineScenario(name: ScenarioName, env: Record<string, string>): K6Scenario {
  const definition = scenarioDefinition(name, env);
  const { config, thresholds } = definition;
  return {
    config,
    options: {
      scenarios: { [name]: definition.executor },
      thresholds: toK6Thresholds(thresholds),
      systemTags: SYSTEM_TAGS,
      summaryTrendStats: SUMMARY_TREND_STATS,
      setupTimeout: SETUP_TIMEOUT,
      // A followed redirect would be a second request with the same trace id: show the 3xx instead.
      maxRedirects: 0,
    },
    setup: () => preflight(config),
    handleSummary: summaryHandler(config, thresholds),
    iteration: (data) => iterate(definition, data),
  };
}

/**
 * Sends one flow request with a fresh trace, our correlation id and the ledger's metadata, then
 * checks the answer. The ledger rides on k6 sample METADATA, not tags: metadata never creates a
 * time series, so a 100k-request run keeps k6's memory flat (load/ledger.ts reads it back).
 */
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import type { ScenarioConfig } from './config.ts';
import { checksFor, flowRequest, parseJson, type ScenarioFlow } from './flows.ts';
import { correlationId, flowHeaders } from './headers.ts';
import { newTraceIds } from './ids.ts';
import { LEDGER_METADATA } from './ledger-metadata.ts';

/** What setup() hands every VU (and handleSummary). */
export interface SetupData {
  runId: string;
  baseUrl: string;
  scenario: string;
}

// Per-VU state: numbers extra requests within one iteration so correlation ids stay unique.
let currentIteration = -1;
let requestInIteration = 0;

export function sendFlow(flow: ScenarioFlow, config: ScenarioConfig, data: SetupData, pick: number): void {
  const iteration = exec.vu.iterationInInstance;
  if (iteration === currentIteration) requestInIteration += 1;
  else [currentIteration, requestInIteration] = [iteration, 0];

  const { traceId, parentId } = newTraceIds();
  const id = correlationId(data.runId, exec.vu.idInTest, iteration, requestInIteration);
  const { body, kb } = flowRequest(flow.name, pick);
  const metadata = exec.vu.metrics.metadata;
  metadata[LEDGER_METADATA.traceId] = traceId;
  metadata[LEDGER_METADATA.correlationId] = id;
  metadata[LEDGER_METADATA.startedMs] = Date.now();
  let response;
  try {
    response = http.request(flow.method, `${data.baseUrl}${flow.path}`, JSON.stringify(body), {
      headers: flowHeaders({ traceId, parentId, correlationId: id }, config.authToken),
      // One time series per flow (bounded); the per-request ids are metadata above.
      tags: { flow: flow.name, name: `${flow.method} ${flow.path}` },
      timeout: config.requestTimeout,
    });
  } finally {
    // Only this request's http_* samples carry the ids; checks and iteration samples stay lean.
    delete metadata[LEDGER_METADATA.traceId];
    delete metadata[LEDGER_METADATA.correlationId];
    delete metadata[LEDGER_METADATA.startedMs];
  }
  const answer = {
    status: response.status,
    body: parseJson(response.body),
    sent: kb === undefined ? { traceId, correlationId: id } : { traceId, correlationId: id, kb },
  };
  check(answer, checksFor(flow.name), { flow: flow.name });
}

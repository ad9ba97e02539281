/**
 * One flow request, engine-agnostic: what to send (a fresh trace, our correlation id, the body)
 * and how to read the answer for the checks. Pure: k6 sends it with `k6/http`
 * (scenarios/k6/scenario.ts), the harness's in-process engine with undici (load/engine/).
 */
import type { ScenarioConfig } from './config.ts';
import { flowRequest, parseJson, type FlowAnswer, type ScenarioFlow } from './flows.ts';
import { correlationId, flowHeaders } from './headers.ts';
import { newTraceIds } from './ids.ts';
import type { SetupData } from './setup.ts';

export type { SetupData };

/** Where an iteration runs: k6's `exec.vu.idInTest` and `exec.vu.iterationInInstance`. */
export interface IterationPosition {
  /** The VU's id across the whole test (unique across execution segments), 1-based. */
  vu: number;
  /** The VU's own iteration counter, 0-based. */
  iteration: number;
}

export interface PlannedRequest {
  flow: ScenarioFlow;
  method: ScenarioFlow['method'];
  url: string;
  body: string;
  headers: Record<string, string>;
  /** One time series per flow (bounded); per-request ids travel separately (k6: sample metadata). */
  tags: { flow: ScenarioFlow['name']; name: string };
  traceId: string;
  correlationId: string;
  /** What the checks compare the answer with. */
  sent: FlowAnswer['sent'];
}

/**
 * Numbers the requests of one iteration, so correlation ids stay unique when an iteration sends
 * more than one (`-<n>` suffix). One per VU.
 */
export class RequestNumbering {
  private currentIteration = -1;
  private requestInIteration = 0;

  next(iteration: number): number {
    if (iteration === this.currentIteration) this.requestInIteration += 1;
    else [this.currentIteration, this.requestInIteration] = [iteration, 0];
    return this.requestInIteration;
  }
}

/**
 * Builds one flow request; `pick` ∈ [0, 1) chooses body variants (which kb). `ids` are fresh random
 * trace ids (default: newTraceIds(); the Node engine passes its own, cheaper generator's).
 */
export function planFlowRequest(
  flow: ScenarioFlow,
  config: ScenarioConfig,
  data: SetupData,
  at: IterationPosition & { requestInIteration: number },
  pick: number,
  ids: { traceId: string; parentId: string } = newTraceIds(),
): PlannedRequest {
  const { traceId, parentId } = ids;
  const id = correlationId(data.runId, at.vu, at.iteration, at.requestInIteration);
  const { body, kb } = flowRequest(flow.name, pick);
  return {
    flow,
    method: flow.method,
    url: `${data.baseUrl}${flow.path}`,
    body: JSON.stringify(body),
    headers: flowHeaders({ traceId, parentId, correlationId: id }, config.authToken),
    tags: { flow: flow.name, name: `${flow.method} ${flow.path}` },
    traceId,
    correlationId: id,
    sent: kb === undefined ? { traceId, correlationId: id } : { traceId, correlationId: id, kb },
  };
}

/** What the checks see of an answer (a non-JSON body fails them instead of the VU). */
export function flowAnswer(request: PlannedRequest, status: number, body: unknown): FlowAnswer {
  return { status, body: parseJson(body), sent: request.sent };
}

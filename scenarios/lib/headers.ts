/**
 * Request headers every flow request carries: a fresh W3C `traceparent` (so each request is its own
 * trace), our `X-Correlation-ID`, and an optional bearer token. Pure, so Node tests import it too.
 */

const TRACE_ID = /^[0-9a-f]{32}$/;
const PARENT_ID = /^[0-9a-f]{16}$/;

/** `00-<trace id>-<parent id>-01`: version 00, sampled, as the W3C Trace Context spec lays it out. */
export function traceparent(traceId: string, parentId: string): string {
  if (!TRACE_ID.test(traceId) || /^0+$/.test(traceId))
    throw new Error(`invalid trace id ${JSON.stringify(traceId)}`);
  if (!PARENT_ID.test(parentId) || /^0+$/.test(parentId)) {
    throw new Error(`invalid parent id ${JSON.stringify(parentId)}`);
  }
  return `00-${traceId}-${parentId}-01`;
}

/**
 * `<run id>-<vu>-<iteration>`, plus `-<n>` for the n-th extra request of one iteration, so the id
 * stays unique per request even when a flow makes several.
 */
export function correlationId(runId: string, vu: number, iteration: number, requestInIteration = 0): string {
  const base = `${runId}-${vu}-${iteration}`;
  return requestInIteration === 0 ? base : `${base}-${requestInIteration}`;
}

export interface RequestIdentity {
  traceId: string;
  parentId: string;
  correlationId: string;
}

export function flowHeaders(
  identity: RequestIdentity,
  authToken: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    traceparent: traceparent(identity.traceId, identity.parentId),
    'X-Correlation-ID': identity.correlationId,
  };
  if (authToken !== undefined) headers['Authorization'] = `Bearer ${authToken}`;
  return headers;
}

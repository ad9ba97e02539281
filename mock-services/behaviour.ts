import type { ServiceName } from '../catalog/index.ts';
import type { Fault, FaultSet } from './fault-set.ts';
import type { PeerResponse } from './peer-client.ts';
import type { Labels, ServiceMetrics } from './service-metrics.ts';
import type { LogLevel } from './service-telemetry.ts';

export type LogFields = Record<string, string | number | boolean>;

export interface OperationResult {
  status: number;
  body: Record<string, unknown>;
}

/** One request being handled, as a behaviour sees it. */
export interface ServiceCall {
  /** The parsed JSON body (the middleware answers 400 for anything that is not a JSON object). */
  readonly body: Record<string, unknown>;
  readonly traceId: string;
  readonly correlationId: string;
  /** Labels (besides `status`) for the service's own request counter, e.g. `{ model }`. */
  requestLabels: Labels | undefined;
  /** Extra fields for this request's log line. */
  logFields: LogFields | undefined;
  /** POSTs to `<target>/internal/<operation>` with a client span and the propagation headers. */
  call(target: ServiceName, operation: string, payload: Record<string, unknown>): Promise<PeerResponse>;
  /** An extra log line in this request's context (the middleware writes one per request anyway). */
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

export interface Operation {
  /** The operation name: the `method` label of the request metrics and part of the span name. */
  name: string;
  /** `/api/…` for the orchestrator's entry points, `/internal/<name>` for service-to-service calls. */
  path: string;
  handle(call: ServiceCall): Promise<OperationResult> | OperationResult;
  /**
   * Labels (besides `status`) for the service's own request counter when the handler sets none,
   * e.g. when a fault answers before the body is read.
   */
  requestLabels?: Labels;
}

export interface Behaviour {
  operations: readonly Operation[];
  /** Services this one calls (one circuit breaker each). */
  peers: readonly ServiceName[];
  /** The catalog's service-specific request counter, counted once per received request. */
  requestCounter?: string;
  /** Sets starting values (KB sizes, resource usage …) so every catalog metric has a series at once. */
  init?(): void;
  /** Service-specific checks of a fault's parameters (e.g. a block reason the catalog allows). */
  checkFault?(fault: Fault): FaultRejection | undefined;
}

export interface FaultRejection {
  error: string;
  field: string;
  available?: readonly string[];
}

export interface BehaviourContext {
  service: ServiceName;
  metrics: ServiceMetrics;
  faults: FaultSet;
}

export type BehaviourFactory = (ctx: BehaviourContext) => Behaviour;

/** The answer to give upstream when a peer failed: 4xx passes through, 5xx becomes 500 or 503. */
export function failedCall(target: ServiceName, response: PeerResponse): OperationResult {
  const status = response.status < 500 ? response.status : response.status === 503 ? 503 : 500;
  const reason =
    typeof response.body['error'] === 'string' ? response.body['error'] : `status ${response.status}`;
  // The innermost failing service is the one worth naming.
  const failedService =
    typeof response.body['failed_service'] === 'string' ? response.body['failed_service'] : target;
  const field = response.body['field'];
  return {
    status,
    body: {
      error: `${target}: ${reason}`,
      failed_service: failedService,
      ...(typeof field === 'string' ? { field } : {}),
    },
  };
}

export const isOk = (r: PeerResponse): boolean => r.status >= 200 && r.status < 300;

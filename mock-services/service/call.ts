import type { Context } from '@opentelemetry/api';
import type { ServiceName } from '../../catalog/index.ts';
import type { LogFields, ServiceCall } from '../behaviour.ts';
import type { PeerResponse } from '../peer-client.ts';
import type { LogContext, LogLevel } from '../service-telemetry.ts';
import type { PeerCaller } from './peer-caller.ts';
import { NO_TRACE } from './propagation.ts';
import type { RequestLog } from './request-log.ts';
import type { TraceFields } from './request-spans.ts';

/** The per-request state behind `ServiceCall`: its ids and trace context, peer calls and log lines. */
export class Call implements ServiceCall, LogContext, TraceFields {
  body: Record<string, unknown> = {};
  traceId = NO_TRACE;
  spanId = NO_TRACE;
  otel: Context | undefined;
  requestLabels: Record<string, string> | undefined;
  logFields: LogFields | undefined;

  constructor(
    private readonly peers: PeerCaller,
    private readonly logs: RequestLog,
    readonly correlationId: string,
  ) {}

  call(target: ServiceName, operation: string, payload: Record<string, unknown>): Promise<PeerResponse> {
    return this.peers.call(this, target, operation, payload);
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    this.logs.write(this, level, msg, fields);
  }
}

import type { LogFields } from '../behaviour.ts';
import type { FaultSet } from '../fault-set.ts';
import type { LogContext, LogLevel, ServiceTelemetry } from '../service-telemetry.ts';

/**
 * A service's log lines in a request's context, with the log faults applied: `drop-logs` writes
 * none, `duplicate-logs` ships each line twice.
 */
export class RequestLog {
  constructor(
    private readonly telemetry: ServiceTelemetry | undefined,
    private readonly faults: Pick<FaultSet, 'dropLogs' | 'duplicateLogs'>,
  ) {}

  write(ctx: LogContext, level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (!this.telemetry || this.faults.dropLogs) return;
    this.telemetry.log(level, msg, ctx, fields);
    if (this.faults.duplicateLogs) this.telemetry.log(level, msg, ctx, fields);
  }

  /**
   * The one line every request ends with: `<operation> answered <status>`, level by status
   * (info <400, warn 4xx, error 5xx), with the handler's own fields.
   */
  answered(
    ctx: LogContext,
    operation: string,
    status: number,
    seconds: number,
    fields: LogFields | undefined,
  ): void {
    this.write(
      ctx,
      status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      `${operation} answered ${status}`,
      {
        method: operation,
        status,
        duration_ms: Math.round(seconds * 100_000) / 100,
        ...fields,
      },
    );
  }
}

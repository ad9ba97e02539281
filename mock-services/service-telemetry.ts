import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Context, Tracer } from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { ServiceName } from '../catalog/index.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const SEVERITY: Record<LogLevel, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};
const SEVERITY_TEXT: Record<LogLevel, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** Log lines are gathered for this long and written with one call (a write per line costs a syscall each). */
const FILE_FLUSH_MS = 200;

/**
 * Batching for a few thousand spans/s per service (the orchestrator ends 7 spans per
 * plan_and_execute: 3 500/s at 500 requests/s): a short delay so backends see data within ~1 s,
 * batches of 1 024 so an export (one OTLP protobuf request) carries many spans, and a queue of
 * two seconds' worth, bounded so an absent Collector costs dropped spans, not memory.
 */
const BATCH = { maxQueueSize: 8192, maxExportBatchSize: 1024, scheduledDelayMillis: 1000 };

export interface TelemetryOptions {
  service: ServiceName;
  /** OTLP/HTTP base URL of the Collector (`http://127.0.0.1:4318`); undefined = no OTLP export. */
  otlpHttpEndpoint: string | undefined;
  logDir: string | undefined;
  logsViaOtlp: boolean;
  logsToFile: boolean;
  /** Replaces the OTLP span exporter (tests inject an in-memory one). */
  spanExporter: SpanExporter | undefined;
  logExporter: LogRecordExporter | undefined;
  exportTimeoutMs: number;
}

/** The correlation fields every log line of a request carries. */
export interface LogContext {
  traceId: string;
  spanId: string;
  correlationId: string;
  /** The OTel context holding the span, so the SDK sets the record's trace and span ids. */
  otel: Context | undefined;
}

/**
 * One service's OpenTelemetry providers (a tracer provider and a logger provider with
 * `service.name` = the service, never registered globally) and its JSON log file.
 */
export class ServiceTelemetry {
  readonly tracer: Tracer;
  private readonly tracerProvider: BasicTracerProvider;
  private readonly loggerProvider: LoggerProvider | undefined;
  private readonly logger: Logger | undefined;
  private readonly file: WriteStream | undefined;
  readonly logFile: string | undefined;
  private pendingLines = '';
  private fileTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: TelemetryOptions) {
    const { service, otlpHttpEndpoint, exportTimeoutMs } = options;
    const resource = resourceFromAttributes({ 'service.name': service });
    const base = otlpHttpEndpoint?.replace(/\/+$/, '');
    const spanExporter =
      options.spanExporter ??
      (base
        ? new OTLPTraceExporter({ url: `${base}/v1/traces`, timeoutMillis: exportTimeoutMs })
        : undefined);
    this.tracerProvider = new BasicTracerProvider({
      resource,
      // The mock records every request, whatever the caller's sampled flag says (the validators count them all).
      sampler: new AlwaysOnSampler(),
      spanProcessors: spanExporter ? [new BatchSpanProcessor(spanExporter, BATCH)] : [],
    });
    this.tracer = this.tracerProvider.getTracer('phoenix-mock-services');

    const logExporter = !options.logsViaOtlp
      ? undefined
      : (options.logExporter ??
        (base ? new OTLPLogExporter({ url: `${base}/v1/logs`, timeoutMillis: exportTimeoutMs }) : undefined));
    if (logExporter) {
      this.loggerProvider = new LoggerProvider({
        resource,
        processors: [new BatchLogRecordProcessor({ exporter: logExporter, ...BATCH })],
      });
      this.logger = this.loggerProvider.getLogger('phoenix-mock-services');
    }

    if (options.logsToFile && options.logDir) {
      const dir = join(options.logDir, service);
      mkdirSync(dir, { recursive: true });
      this.logFile = join(dir, `${service}.log`);
      this.file = createWriteStream(this.logFile, { flags: 'a' });
    }
  }

  /** Writes one JSON log line `{ts, level, msg, service, trace_id, span_id, correlation_id, ...fields}`. */
  log(
    level: LogLevel,
    msg: string,
    ctx: LogContext,
    fields?: Record<string, string | number | boolean>,
  ): void {
    if (this.closed || (!this.file && !this.logger)) return;
    const now = Date.now();
    const record: Record<string, unknown> = {
      ts: new Date(now).toISOString(),
      level,
      msg,
      service: this.options.service,
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
      correlation_id: ctx.correlationId,
      ...fields,
    };
    const line = JSON.stringify(record);
    if (this.file) {
      this.pendingLines += `${line}\n`;
      this.fileTimer ??= setTimeout(() => void this.writePendingLines(), FILE_FLUSH_MS);
    }
    this.logger?.emit({
      timestamp: now,
      severityNumber: SEVERITY[level],
      severityText: SEVERITY_TEXT[level],
      // The same JSON as the file line, so `| json` in LogQL reads both paths alike.
      body: line,
      // Few attributes (the line holds every field): `level` becomes the Loki label, correlation_id metadata.
      attributes: { level, correlation_id: ctx.correlationId },
      ...(ctx.otel ? { context: ctx.otel } : {}),
    });
  }

  /** Writes the gathered lines; resolves once the file has them. */
  private writePendingLines(): Promise<void> {
    clearTimeout(this.fileTimer);
    this.fileTimer = undefined;
    const file = this.file;
    if (this.pendingLines === '' || !file) return Promise.resolve();
    const lines = this.pendingLines;
    this.pendingLines = '';
    return new Promise((resolve) => file.write(lines, () => resolve()));
  }

  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([
      this.writePendingLines(),
      this.tracerProvider.forceFlush({ timeoutMillis: timeoutMs }),
      this.loggerProvider?.forceFlush({ timeoutMillis: timeoutMs }),
    ]);
  }

  /**
   * Flushes (bounded by `flushTimeoutMs`: an absent Collector must not hold the exit), shuts the
   * providers down, then closes the log file.
   */
  async shutdown(flushTimeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, flushTimeoutMs);
      timer.unref();
    });
    // shutdown() flushes first; one deadline bounds both.
    await Promise.race([
      Promise.allSettled([this.tracerProvider.shutdown(), this.loggerProvider?.shutdown()]),
      deadline,
    ]);
    clearTimeout(timer);
    await this.writePendingLines();
    const file = this.file;
    if (file) await new Promise<void>((resolve) => file.end(resolve));
  }
}

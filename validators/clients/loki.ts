import { z } from 'zod';
import { BackendError, BackendHttp, unexpectedBody, type BackendOptions } from './http.ts';
import type { LogPanelOutcome, LogStoreApi, StoredLogLine, TimeWindow } from './log-store.ts';

// Loki's documented answers (https://grafana.com/docs/loki/latest/reference/loki-http-api/).

const LabelSetSchema = z.record(z.string(), z.string());
const StreamSchema = z.object({
  stream: LabelSetSchema,
  /** [nanosecond timestamp, line] or, with structured metadata/parsed labels, [ts, line, { … }]. */
  values: z.array(
    z.union([
      z.tuple([z.string(), z.string()]),
      z.tuple([z.string(), z.string(), z.record(z.string(), z.unknown())]),
    ]),
  ),
});
const SampleValueSchema = z.tuple([z.number(), z.string()]);
const VectorSampleSchema = z.object({ metric: LabelSetSchema, value: SampleValueSchema });
const MatrixSeriesSchema = z.object({ metric: LabelSetSchema, values: z.array(SampleValueSchema) });

const QueryDataSchema = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('streams'), result: z.array(StreamSchema) }),
  z.object({ resultType: z.literal('vector'), result: z.array(VectorSampleSchema) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(MatrixSeriesSchema) }),
  z.object({ resultType: z.literal('scalar'), result: SampleValueSchema }),
]);
const QueryResponseSchema = z.object({ status: z.literal('success'), data: QueryDataSchema });
/** `/labels` and `/label/<name>/values`: Loki omits `data` when there is none. */
const LabelsResponseSchema = z.object({ status: z.literal('success'), data: z.array(z.string()).optional() });

export type LokiStream = z.infer<typeof StreamSchema>;
export type LokiVectorSample = z.infer<typeof VectorSampleSchema>;
export type LokiMatrixSeries = z.infer<typeof MatrixSeriesSchema>;
export type LokiQueryData = z.infer<typeof QueryDataSchema>;

export interface LokiApi {
  readonly baseUrl: string;
  /** An instant metric query (`sum by (x) (count_over_time({…}[5m]))`): one sample per series. */
  queryInstant(logql: string, time: Date): Promise<LokiVectorSample[]>;
  /** A log query over a range: its streams (a metric query here is an error: use queryRangeData). */
  queryRange(
    logql: string,
    options: { start: Date; end: Date; limit?: number; direction?: 'forward' | 'backward' },
  ): Promise<LokiStream[]>;
  labels(start?: Date, end?: Date): Promise<string[]>;
  labelValues(label: string, start?: Date, end?: Date): Promise<string[]>;
}

const ns = (d: Date) => `${BigInt(d.getTime()) * 1_000_000n}`;

/** Loki answers at most `max_query_series` series per query; longer windows are split into chunks of time. */
const CHUNK_MS = 30_000;
/** A chunk Loki cannot answer whole (too many series, or too slow) is halved, down to this length. */
const MIN_CHUNK_MS = 1_000;
const LINES_LIMIT = 1_000;

/**
 * Loki's answer when one query would return more series than `max_query_series`, or no answer in
 * the client's time (a busy Loki): both are cured by asking for a shorter span.
 */
const isTooBig = (error: unknown) =>
  /maximum number of series|\((ECONNABORTED|ETIMEDOUT)\)/i.test(
    error instanceof Error ? error.message : String(error),
  );

/** The LogQL that lists, per trace id, how many lines a service wrote in `[range]` ending at the query time. */
export function traceIdsQuery(service: string, rangeS: number): string {
  return `sum by (trace_id) (count_over_time({service=${JSON.stringify(service)}} [${rangeS}s]))`;
}

/** The body of a BackendError (`<backend> answered <status> at <url>: <body>`). */
function errorBody(error: BackendError): string {
  const marker = `${error.url}: `;
  const at = error.message.indexOf(marker);
  return at < 0 ? error.message : error.message.slice(at + marker.length);
}

/** Loki's HTTP query API (LogQL), as the role's log store and for LogQL of its own. */
export class LokiClient implements LokiApi, LogStoreApi {
  readonly kind = 'loki' as const;
  readonly product = 'Loki';
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Loki', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  get labelsUrl(): string {
    return `${this.baseUrl}/loki/api/v1/labels`;
  }

  /** `query_range`, whatever the result type (streams for a log query, a matrix for a metric one). */
  async queryRangeData(
    logql: string,
    options: { start: Date; end: Date; limit?: number; direction?: 'forward' | 'backward' },
  ): Promise<LokiQueryData> {
    const body = await this.http.get('/loki/api/v1/query_range', QueryResponseSchema, {
      query: logql,
      start: ns(options.start),
      end: ns(options.end),
      limit: options.limit ?? 5000,
      direction: options.direction ?? 'forward',
    });
    return body.data;
  }

  async queryRange(
    logql: string,
    options: { start: Date; end: Date; limit?: number; direction?: 'forward' | 'backward' },
  ): Promise<LokiStream[]> {
    const data = await this.queryRangeData(logql, options);
    if (data.resultType !== 'streams')
      throw unexpectedBody(
        this.product,
        this.http.url('/loki/api/v1/query_range'),
        `expected streams for ${logql}, got a ${data.resultType}`,
        data,
      );
    return data.result;
  }

  async queryInstant(logql: string, time: Date): Promise<LokiVectorSample[]> {
    const body = await this.http.get('/loki/api/v1/query', QueryResponseSchema, {
      query: logql,
      time: ns(time),
      limit: 100_000,
    });
    if (body.data.resultType !== 'vector')
      throw unexpectedBody(
        this.product,
        this.http.url('/loki/api/v1/query'),
        `expected a vector for ${logql}, got a ${body.data.resultType}`,
        body.data,
      );
    return body.data.result;
  }

  async labels(start?: Date, end?: Date): Promise<string[]> {
    const body = await this.http.get('/loki/api/v1/labels', LabelsResponseSchema, {
      start: start ? ns(start) : undefined,
      end: end ? ns(end) : undefined,
    });
    return body.data ?? [];
  }

  async labelValues(label: string, start?: Date, end?: Date): Promise<string[]> {
    const body = await this.http.get(
      `/loki/api/v1/label/${encodeURIComponent(label)}/values`,
      LabelsResponseSchema,
      {
        start: start ? ns(start) : undefined,
        end: end ? ns(end) : undefined,
      },
    );
    return body.data ?? [];
  }

  // The logs role.

  streamLabelNames(window: TimeWindow): Promise<string[]> {
    return this.labels(window.start, window.end);
  }

  streamLabelValues(label: string, window: TimeWindow): Promise<string[]> {
    return this.labelValues(label, window.start, window.end);
  }

  lineCountQuery(service: string): string {
    return traceIdsQuery(service, CHUNK_MS / 1000);
  }

  /**
   * Instant queries over chunks of the window: one series per trace id that logged then. A chunk with
   * more trace ids than Loki's max_query_series (a burst of ingestion), or too slow, is asked in halves.
   */
  async lineCountsByTraceId(service: string, window: TimeWindow): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const scan = async (from: number, to: number): Promise<void> => {
      const rangeS = Math.max(1, Math.ceil((to - from) / 1000));
      let samples;
      try {
        samples = await this.queryInstant(traceIdsQuery(service, rangeS), new Date(to));
      } catch (error) {
        if (!isTooBig(error) || to - from <= MIN_CHUNK_MS) throw error;
        const mid = from + Math.ceil((to - from) / 2000) * 1000;
        await scan(from, mid);
        await scan(mid, to);
        return;
      }
      for (const s of samples) {
        const traceId = s.metric.trace_id;
        if (!traceId) continue;
        counts.set(traceId, (counts.get(traceId) ?? 0) + Number(s.value[1]));
      }
    };
    const start = window.start.getTime();
    const end = window.end.getTime();
    for (let t = start; t < end; t += CHUNK_MS) await scan(t, Math.min(t + CHUNK_MS, end));
    return counts;
  }

  traceLinesQuery(traceId: string, service?: string): string {
    const selector = service === undefined ? '{service=~".+"}' : `{service=${JSON.stringify(service)}}`;
    return `${selector} | trace_id=${JSON.stringify(traceId)}`;
  }

  async linesWithTraceId(traceId: string, window: TimeWindow, service?: string): Promise<StoredLogLine[]> {
    const streams = await this.queryRange(this.traceLinesQuery(traceId, service), {
      start: window.start,
      end: window.end,
      limit: LINES_LIMIT,
    });
    return streams.flatMap((s) =>
      s.values.map((v) => ({
        line: v[1],
        labels: s.stream,
        fields: Object.fromEntries(
          Object.entries(v[2] ?? {}).flatMap(([k, x]) =>
            typeof x === 'object' && x !== null
              ? Object.entries(x as Record<string, unknown>).map(([k2, x2]) => [k2, String(x2)])
              : [[k, String(x)]],
          ),
        ),
      })),
    );
  }

  /** The panel's LogQL as is, over the window: lines for a log query, series with a sample for a metric one. */
  async runPanelQuery(logql: string, window: TimeWindow): Promise<LogPanelOutcome> {
    const data = await this.queryRangeData(logql, { start: window.start, end: window.end });
    const matched =
      data.resultType === 'streams'
        ? data.result.reduce((n, s) => n + s.values.length, 0)
        : data.resultType === 'matrix'
          ? data.result.filter((s) => s.values.length > 0).length
          : data.resultType === 'vector'
            ? data.result.length
            : 1;
    return { query: logql, matched };
  }

  /** Through Loki's own parser: its query API answers 400 "parse error at line 1, col N: …". */
  async parsePanelQuery(logql: string): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      // A one-second window just now: Loki refuses a range from the epoch (max query length).
      const end = new Date();
      await this.queryRangeData(logql, { start: new Date(end.getTime() - 1_000), end, limit: 1 });
      return { ok: true };
    } catch (error) {
      if (!(error instanceof BackendError) || error.status !== 400) throw error;
      return { ok: false, error: errorBody(error) };
    }
  }
}

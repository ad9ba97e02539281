import { z } from 'zod';
import { BackendHttp, parseAnswer, parseJsonText, unexpectedBody, type BackendOptions } from './http.ts';
import type { LogPanelOutcome, LogStoreApi, StoredLogLine, TimeWindow } from './log-store.ts';
import { LOGSQL_COUNT_FIELD, logqlParseOutcome, logqlToLogsql } from './logql-to-logsql.ts';

/** `{ values: [{ value, hits }] }`: /streams, /stream_field_names, /stream_field_values. */
const ValuesSchema = z.object({ values: z.array(z.object({ value: z.string(), hits: z.number() })) });
export type VictoriaLogsValue = z.infer<typeof ValuesSchema>['values'][number];

/** /select/logsql/hits: hit counts per time bucket, per group of `field` values. */
const HitsSchema = z.object({
  hits: z.array(
    z.object({
      fields: z.record(z.string(), z.string()),
      timestamps: z.array(z.string()),
      values: z.array(z.number()),
      total: z.number().optional(),
    }),
  ),
});
export type VictoriaLogsHits = z.infer<typeof HitsSchema>['hits'];

/** /select/logsql/stats_query: a Prometheus-style instant vector. */
const StatsQuerySchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
});
export type VictoriaLogsSample = z.infer<typeof StatsQuerySchema>['data']['result'][number];

/** One row of /select/logsql/query (JSON lines): every field is a string. */
const RowSchema = z.record(z.string(), z.string());
export type VictoriaLogsRow = z.infer<typeof RowSchema>;

/** One row of the per-trace-id count. */
const CountRowSchema = z.object({ trace_id: z.string(), n: z.string().regex(/^\d+$/) });

/** A span of this length is asked for in one stats query; longer windows are split (bounded responses). */
const DEFAULT_CHUNK_MS = 10 * 60_000;
/** A chunk VictoriaLogs cannot answer whole (memory limit, timeout) is halved, down to this length. */
const MIN_CHUNK_MS = 1_000;
const LINES_LIMIT = 1_000;

const iso = (ms: number) => new Date(ms).toISOString();
/** A LogsQL quoted string (Go string-literal syntax, which JSON's is a subset of). */
const q = (value: string) => JSON.stringify(value);

/** Answers VictoriaLogs gives when one query is too much for it: asking for a shorter span cures them. */
const isTooBig = (error: unknown) =>
  /memory|too many|timeout|\((ECONNABORTED|ETIMEDOUT)\)/i.test(
    error instanceof Error ? error.message : String(error),
  );

/** Parses a stream's canonical text, `{level="info",service="mind-kb"}`, into its labels. */
export function parseStreamLabels(stream: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of stream.matchAll(/([^{},=\s]+)="((?:[^"\\]|\\.)*)"/g)) {
    const [, name, value] = m;
    if (name !== undefined && value !== undefined) labels[name] = JSON.parse(`"${value}"`) as string;
  }
  return labels;
}

export interface VictoriaLogsOptions extends BackendOptions {
  /** Length of the time chunks `lineCountsByTraceId` asks for (default 10 minutes). */
  chunkMs?: number;
}

/**
 * VictoriaLogs' HTTP query API (LogsQL, `/select/logsql/*`). Every answer is checked against the
 * schema of its endpoint: HTML, a truncated JSON line or a wrong shape is an error naming the
 * endpoint, never an empty result.
 */
export class VictoriaLogsClient implements LogStoreApi {
  readonly kind = 'victorialogs' as const;
  readonly product = 'VictoriaLogs';
  private readonly http: BackendHttp;
  private readonly chunkMs: number;

  constructor(options: VictoriaLogsOptions) {
    this.http = new BackendHttp('VictoriaLogs', options);
    this.chunkMs = options.chunkMs ?? DEFAULT_CHUNK_MS;
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  get labelsUrl(): string {
    return `${this.baseUrl}/select/logsql/stream_field_names?query=*`;
  }

  /** POSTs a form to one endpoint and returns the raw answer (HTML is refused there). */
  private postForm(path: string, form: Record<string, string | undefined>) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) if (v !== undefined) params.set(k, v);
    return this.http.requestText({ method: 'POST', url: path, data: params });
  }

  private async postJson<S extends z.ZodType>(
    path: string,
    schema: S,
    form: Record<string, string | undefined>,
  ): Promise<z.infer<S>> {
    const { url, status, text } = await this.postForm(path, form);
    return parseAnswer(this.product, url, schema, parseJsonText(this.product, url, text, status), { status });
  }

  /** Parses a JSON-lines body row by row; a line that is not a complete JSON object fails the whole answer. */
  private async postJsonLines<S extends z.ZodType>(
    path: string,
    schema: S,
    form: Record<string, string | undefined>,
  ): Promise<z.infer<S>[]> {
    const { url, status, text } = await this.postForm(path, form);
    const rows: z.infer<S>[] = [];
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      let data: unknown;
      try {
        data = JSON.parse(line);
      } catch {
        throw unexpectedBody(
          this.product,
          url,
          `line ${i + 1} is not a complete JSON object (truncated answer?)`,
          line,
          status,
        );
      }
      rows.push(parseAnswer(this.product, url, schema, data, { status, part: `line ${i + 1}` }));
    }
    return rows;
  }

  private static range(window?: TimeWindow): { start?: string; end?: string } {
    return window ? { start: window.start.toISOString(), end: window.end.toISOString() } : {};
  }

  /** `/select/logsql/query`: the rows a LogsQL query returns (log lines, or `stats` rows). */
  query(logsql: string, window?: TimeWindow, limit?: number): Promise<VictoriaLogsRow[]> {
    return this.postJsonLines('/select/logsql/query', RowSchema, {
      query: logsql,
      ...VictoriaLogsClient.range(window),
      limit: limit === undefined ? undefined : String(limit),
    });
  }

  /** `/select/logsql/streams`: the streams of the lines a query matches, with their line counts. */
  async streams(logsql: string, window?: TimeWindow): Promise<VictoriaLogsValue[]> {
    const body = await this.postJson('/select/logsql/streams', ValuesSchema, {
      query: logsql,
      ...VictoriaLogsClient.range(window),
    });
    return body.values;
  }

  /** `/select/logsql/stream_field_names`: names of the stream fields of the lines a query matches. */
  async streamFieldNames(logsql: string, window?: TimeWindow): Promise<VictoriaLogsValue[]> {
    const body = await this.postJson('/select/logsql/stream_field_names', ValuesSchema, {
      query: logsql,
      ...VictoriaLogsClient.range(window),
    });
    return body.values;
  }

  /** `/select/logsql/stream_field_values`: values of one stream field over the lines a query matches. */
  async streamFieldValues(logsql: string, field: string, window?: TimeWindow): Promise<VictoriaLogsValue[]> {
    const body = await this.postJson('/select/logsql/stream_field_values', ValuesSchema, {
      query: logsql,
      field,
      ...VictoriaLogsClient.range(window),
    });
    return body.values;
  }

  /** `/select/logsql/hits`: line counts per `step` bucket, optionally per value of `field`. */
  async hits(logsql: string, window: TimeWindow, step: string, field?: string): Promise<VictoriaLogsHits> {
    const body = await this.postJson('/select/logsql/hits', HitsSchema, {
      query: logsql,
      step,
      field,
      ...VictoriaLogsClient.range(window),
    });
    return body.hits;
  }

  /** `/select/logsql/stats_query`: a `stats` query as an instant vector at `time`. */
  async statsQuery(logsql: string, time: Date): Promise<VictoriaLogsSample[]> {
    const body = await this.postJson('/select/logsql/stats_query', StatsQuerySchema, {
      query: logsql,
      time: time.toISOString(),
    });
    return body.data.result;
  }

  async streamLabelNames(window: TimeWindow): Promise<string[]> {
    return (await this.streamFieldNames('*', window)).map((v) => v.value).sort();
  }

  async streamLabelValues(label: string, window: TimeWindow): Promise<string[]> {
    return (await this.streamFieldValues('*', label, window)).map((v) => v.value).sort();
  }

  private countQuery(service: string, timeFilter: string): string {
    return `_stream:{service=${q(service)}}${timeFilter} trace_id:* | stats by (trace_id) count() n`;
  }

  lineCountQuery(service: string): string {
    return this.countQuery(service, '');
  }

  /**
   * One stats query per chunk of the window (half-open `[from, to)`, the last one closed, so no line
   * is counted twice); a chunk VictoriaLogs cannot answer whole is asked in halves.
   */
  async lineCountsByTraceId(service: string, window: TimeWindow): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const start = window.start.getTime();
    const end = window.end.getTime();
    const scan = async (from: number, to: number): Promise<void> => {
      const closing = to === end ? ']' : ')';
      let rows;
      try {
        rows = await this.postJsonLines('/select/logsql/query', CountRowSchema, {
          query: this.countQuery(service, ` _time:[${iso(from)}, ${iso(to)}${closing}`),
        });
      } catch (error) {
        if (!isTooBig(error) || to - from <= MIN_CHUNK_MS) throw error;
        const mid = from + Math.ceil((to - from) / 2);
        await scan(from, mid);
        await scan(mid, to);
        return;
      }
      for (const r of rows) counts.set(r.trace_id, (counts.get(r.trace_id) ?? 0) + Number(r.n));
    };
    let t = start;
    do {
      const to = Math.min(t + this.chunkMs, end);
      await scan(t, to);
      t = to;
    } while (t < end);
    return counts;
  }

  traceLinesQuery(traceId: string, service?: string): string {
    return `${service === undefined ? '' : `_stream:{service=${q(service)}} `}trace_id:=${q(traceId)}`;
  }

  async linesWithTraceId(traceId: string, window: TimeWindow, service?: string): Promise<StoredLogLine[]> {
    const rows = await this.query(this.traceLinesQuery(traceId, service), window, LINES_LIMIT);
    return rows.map((row) => {
      const { _msg, _stream, _time, _stream_id, ...fields } = row;
      void _time;
      void _stream_id;
      return { line: _msg ?? '', labels: parseStreamLabels(_stream ?? ''), fields };
    });
  }

  /**
   * A panel's LogQL, translated from its syntax tree (UntranslatableQueryError where no exact
   * translation exists) and counted over the window: lines for a log query, series with a sample
   * for a metric query (whose range reaches back before the window's start).
   */
  async runPanelQuery(logql: string, window: TimeWindow): Promise<LogPanelOutcome> {
    const t = logqlToLogsql(logql);
    if (t.kind === 'lines') {
      const query = `${t.logsql} | stats count() ${LOGSQL_COUNT_FIELD}`;
      const [row] = await this.query(query, window);
      return { query, matched: Number(row?.[LOGSQL_COUNT_FIELD] ?? 0) };
    }
    const rows = await this.query(t.logsql, {
      start: new Date(window.start.getTime() - t.lookbackMs),
      end: window.end,
    });
    return { query: t.logsql, matched: rows.filter((r) => Number(r[LOGSQL_COUNT_FIELD] ?? 0) > 0).length };
  }

  async parsePanelQuery(logql: string): Promise<{ ok: true } | { ok: false; error: string }> {
    return logqlParseOutcome(logql);
  }
}

import { BackendHttp, type BackendOptions } from './http.ts';

export interface LokiStream {
  stream: Record<string, string>;
  /** [nanosecond timestamp, line] or, with structured metadata, [ts, line, { structuredMetadata }]. */
  values: ([string, string] | [string, string, Record<string, unknown>])[];
}

export interface LokiVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface LokiApi {
  readonly baseUrl: string;
  /** An instant metric query (`sum by (x) (count_over_time({…}[5m]))`): one sample per series. */
  queryInstant(logql: string, time: Date): Promise<LokiVectorSample[]>;
  queryRange(
    logql: string,
    options: { start: Date; end: Date; limit?: number; direction?: 'forward' | 'backward' },
  ): Promise<LokiStream[]>;
  labels(start?: Date, end?: Date): Promise<string[]>;
  labelValues(label: string, start?: Date, end?: Date): Promise<string[]>;
}

const ns = (d: Date) => `${BigInt(d.getTime()) * 1_000_000n}`;

/** Loki's HTTP query API. */
export class LokiClient implements LokiApi {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Loki', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  async queryRange(
    logql: string,
    options: { start: Date; end: Date; limit?: number; direction?: 'forward' | 'backward' },
  ): Promise<LokiStream[]> {
    const body = await this.http.get<{ status: string; data: { resultType: string; result: LokiStream[] } }>(
      '/loki/api/v1/query_range',
      {
        query: logql,
        start: ns(options.start),
        end: ns(options.end),
        limit: options.limit ?? 5000,
        direction: options.direction ?? 'forward',
      },
    );
    return body.data.result;
  }

  async queryInstant(logql: string, time: Date): Promise<LokiVectorSample[]> {
    const body = await this.http.get<{
      status: string;
      data: { resultType: string; result: LokiVectorSample[] };
    }>('/loki/api/v1/query', { query: logql, time: ns(time), limit: 100_000 });
    if (body.data.resultType !== 'vector')
      throw new Error(`Loki: expected a vector for ${logql}, got ${body.data.resultType}`);
    return body.data.result;
  }

  async labels(start?: Date, end?: Date): Promise<string[]> {
    const body = await this.http.get<{ data?: string[] }>('/loki/api/v1/labels', {
      start: start ? ns(start) : undefined,
      end: end ? ns(end) : undefined,
    });
    return body.data ?? [];
  }

  async labelValues(label: string, start?: Date, end?: Date): Promise<string[]> {
    const body = await this.http.get<{ data?: string[] }>(
      `/loki/api/v1/label/${encodeURIComponent(label)}/values`,
      {
        start: start ? ns(start) : undefined,
        end: end ? ns(end) : undefined,
      },
    );
    return body.data ?? [];
  }
}

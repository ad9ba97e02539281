import { BackendHttp, type BackendOptions } from './http.ts';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

export interface PromMetadata {
  type: string;
  help: string;
  unit: string;
}

interface PromResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

export interface PromRangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** The Prometheus HTTP API (v1): instant queries, targets, metadata, series. */
export interface PrometheusApi {
  readonly baseUrl: string;
  query(promql: string, time?: Date): Promise<PromSample[]>;
  /** An instant query of a range selector (`metric[5m]`): the raw samples, for exact counter arithmetic. */
  queryRaw(promql: string, time?: Date): Promise<PromRangeSeries[]>;
  /** A range query (`/api/v1/query_range`), what a dashboard panel runs; `stepS` in seconds. */
  queryRange(promql: string, start: Date, end: Date, stepS: number): Promise<PromRangeSeries[]>;
  labelValues(label: string): Promise<string[]>;
  targets(): Promise<PromTarget[]>;
  metadata(metric?: string): Promise<Record<string, PromMetadata[]>>;
  series(match: string, start?: Date, end?: Date): Promise<Record<string, string>[]>;
}

export class PrometheusClient implements PrometheusApi {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Prometheus', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  private async unwrap<T>(path: string, params: Record<string, string | undefined>): Promise<T> {
    const body = await this.http.get<PromResponse<T>>(path, params);
    if (body.status !== 'success')
      throw new Error(`Prometheus ${path} failed: ${body.error ?? 'unknown error'}`);
    return body.data;
  }

  async query(promql: string, time?: Date): Promise<PromSample[]> {
    const data = await this.unwrap<{ resultType: string; result: PromSample[] }>('/api/v1/query', {
      query: promql,
      time: time ? String(time.getTime() / 1000) : undefined,
    });
    return data.result;
  }

  async queryRaw(promql: string, time?: Date): Promise<PromRangeSeries[]> {
    const data = await this.unwrap<{ resultType: string; result: PromRangeSeries[] }>('/api/v1/query', {
      query: promql,
      time: time ? String(time.getTime() / 1000) : undefined,
    });
    if (data.resultType !== 'matrix')
      throw new Error(`Prometheus: expected a matrix for ${promql}, got ${data.resultType}`);
    return data.result;
  }

  async queryRange(promql: string, start: Date, end: Date, stepS: number): Promise<PromRangeSeries[]> {
    const data = await this.unwrap<{ resultType: string; result: PromRangeSeries[] }>('/api/v1/query_range', {
      query: promql,
      start: String(start.getTime() / 1000),
      end: String(end.getTime() / 1000),
      step: String(stepS),
    });
    return data.result;
  }

  labelValues(label: string): Promise<string[]> {
    return this.unwrap(`/api/v1/label/${encodeURIComponent(label)}/values`, {});
  }

  async targets(): Promise<PromTarget[]> {
    const data = await this.unwrap<{ activeTargets: PromTarget[] }>('/api/v1/targets', { state: 'active' });
    return data.activeTargets;
  }

  metadata(metric?: string): Promise<Record<string, PromMetadata[]>> {
    return this.unwrap('/api/v1/metadata', { metric });
  }

  series(match: string, start?: Date, end?: Date): Promise<Record<string, string>[]> {
    return this.unwrap('/api/v1/series', {
      'match[]': match,
      start: start ? String(start.getTime() / 1000) : undefined,
      end: end ? String(end.getTime() / 1000) : undefined,
    });
  }
}

import { BackendHttp, type BackendOptions } from './http.ts';

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: { key: string; type: string; value: unknown }[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

export interface JaegerApi {
  readonly baseUrl: string;
  /** The trace, or undefined when Jaeger does not (yet) have it. */
  getTrace(traceId: string): Promise<JaegerTrace | undefined>;
  /**
   * Several traces in one request, by (lowercase, 32-hex) trace id; ids Jaeger does not (yet) have
   * are absent from the map. Optional: without it, callers look traces up one by one.
   */
  getTraces?(traceIds: readonly string[]): Promise<Map<string, JaegerTrace>>;
  services(): Promise<string[]>;
}

/** Jaeger's query HTTP API (`/api/traces/<id>`, `/api/traces?traceID=…`, `/api/services`). */
export class JaegerClient implements JaegerApi {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Jaeger', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  async getTrace(traceId: string): Promise<JaegerTrace | undefined> {
    const body = await this.http.getOptional<{ data?: JaegerTrace[] }>(`/api/traces/${traceId}`);
    return body?.data?.[0];
  }

  async getTraces(traceIds: readonly string[]): Promise<Map<string, JaegerTrace>> {
    const found = new Map<string, JaegerTrace>();
    if (traceIds.length === 0) return found;
    // One `traceID=` per id (axios would write `traceID[]=`); ids Jaeger lacks come back under `errors`.
    const query = traceIds.map((id) => `traceID=${encodeURIComponent(id)}`).join('&');
    const body = await this.http.get<{ data?: JaegerTrace[] | null }>(`/api/traces?${query}`);
    // Jaeger drops the leading zeros of a trace id whose high 64 bits are 0.
    for (const trace of body?.data ?? []) found.set(trace.traceID.padStart(32, '0'), trace);
    return found;
  }

  async services(): Promise<string[]> {
    const body = await this.http.get<{ data?: string[] | null }>('/api/services');
    return body.data ?? [];
  }
}

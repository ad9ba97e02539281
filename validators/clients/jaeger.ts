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
  services(): Promise<string[]>;
}

/** Jaeger's query HTTP API (`/api/traces/<id>`, `/api/services`). */
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

  async services(): Promise<string[]> {
    const body = await this.http.get<{ data?: string[] | null }>('/api/services');
    return body.data ?? [];
  }
}

import { BackendHttp, type BackendOptions } from './http.ts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface GettableAlert extends PostableAlert {
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed' };
}

/** Alertmanager's v2 API. */
export class AlertmanagerClient {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Alertmanager', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  async postAlerts(alerts: PostableAlert[]): Promise<void> {
    await this.http.post('/api/v2/alerts', alerts);
  }

  alerts(): Promise<GettableAlert[]> {
    return this.http.get('/api/v2/alerts');
  }
}

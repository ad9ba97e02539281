import { BackendHttp, type BackendOptions } from './http.ts';

export interface SinkNotification {
  receiver: string;
  receivedAt: string;
  payload: {
    status: 'firing' | 'resolved';
    receiver: string;
    alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
    commonLabels: Record<string, string>;
  };
}

/** The harness's webhook sink: what Alertmanager delivered, per receiver. */
export class WebhookSinkClient {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('webhook sink', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  notifications(receiver?: string): Promise<SinkNotification[]> {
    return this.http.get('/api/notifications', receiver ? { receiver } : undefined);
  }
}

import { z } from 'zod';
import { BackendHttp, type BackendOptions } from './http.ts';

const LabelSetSchema = z.record(z.string(), z.string());
/** What stack/webhook-sink.ts serves at `GET /api/notifications`: the Alertmanager webhook payloads it recorded. */
const NotificationSchema = z.object({
  receiver: z.string(),
  receivedAt: z.string(),
  payload: z.object({
    status: z.enum(['firing', 'resolved']),
    receiver: z.string(),
    alerts: z.array(z.object({ status: z.string(), labels: LabelSetSchema, annotations: LabelSetSchema })),
    commonLabels: LabelSetSchema,
  }),
});
const NotificationsSchema = z.array(NotificationSchema);

export type SinkNotification = z.infer<typeof NotificationSchema>;

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
    return this.http.get('/api/notifications', NotificationsSchema, receiver ? { receiver } : undefined);
  }
}

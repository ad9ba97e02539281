import { z } from 'zod';
import { BackendHttp, type BackendOptions } from './http.ts';

// Alertmanager's v2 API (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml).

const LabelSetSchema = z.record(z.string(), z.string());
const GettableAlertSchema = z.object({
  labels: LabelSetSchema,
  annotations: LabelSetSchema.optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  fingerprint: z.string(),
  receivers: z.array(z.object({ name: z.string() })),
  status: z.object({ state: z.enum(['active', 'suppressed', 'unprocessed']) }),
});
const GettableAlertsSchema = z.array(GettableAlertSchema);
/** `/api/v2/status`: `config.original` is the configuration file Alertmanager runs, as YAML text. */
const AlertmanagerStatusSchema = z.looseObject({
  config: z.looseObject({ original: z.string() }),
});
export type AlertmanagerStatus = z.infer<typeof AlertmanagerStatusSchema>;

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export type GettableAlert = z.infer<typeof GettableAlertSchema>;

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
    // Alertmanager answers 200 with no body: only the status counts (HTML is still refused).
    await this.http.requestText({ method: 'POST', url: '/api/v2/alerts', data: alerts });
  }

  alerts(): Promise<GettableAlert[]> {
    return this.http.get('/api/v2/alerts', GettableAlertsSchema);
  }

  /** Alertmanager's status, with the configuration it runs (`config.original`). */
  status(): Promise<AlertmanagerStatus> {
    return this.http.get('/api/v2/status', AlertmanagerStatusSchema);
  }
}

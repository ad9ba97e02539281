import { BackendHttp, type BackendOptions } from './http.ts';

/** Minimal OTLP/HTTP JSON sender, used by the pipeline probe (no SDK: one span, one log record). */
export class OtlpHttpClient {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('OpenTelemetry Collector', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  async sendSpan(span: {
    serviceName: string;
    traceId: string;
    spanId: string;
    name: string;
    attributes: Record<string, string>;
  }): Promise<void> {
    const now = BigInt(Date.now()) * 1_000_000n;
    await this.http.post('/v1/traces', {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: span.serviceName } }] },
          scopeSpans: [
            {
              scope: { name: 'phoenix-harness' },
              spans: [
                {
                  traceId: span.traceId,
                  spanId: span.spanId,
                  name: span.name,
                  kind: 1,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                  attributes: toAttributes(span.attributes),
                },
              ],
            },
          ],
        },
      ],
    });
  }

  async sendLog(log: {
    serviceName: string;
    traceId: string;
    spanId: string;
    body: string;
    level: string;
    attributes: Record<string, string>;
  }): Promise<void> {
    const now = String(BigInt(Date.now()) * 1_000_000n);
    await this.http.post('/v1/logs', {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: log.serviceName } }] },
          scopeLogs: [
            {
              scope: { name: 'phoenix-harness' },
              logRecords: [
                {
                  timeUnixNano: now,
                  observedTimeUnixNano: now,
                  severityText: log.level.toUpperCase(),
                  severityNumber: 9,
                  traceId: log.traceId,
                  spanId: log.spanId,
                  body: { stringValue: log.body },
                  attributes: toAttributes({ level: log.level, ...log.attributes }),
                },
              ],
            },
          ],
        },
      ],
    });
  }
}

function toAttributes(attributes: Record<string, string>): { key: string; value: { stringValue: string } }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }));
}

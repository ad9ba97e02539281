import { z } from 'zod';
import { BackendError, BackendHttp, parseAnswer, parseJsonText, type BackendOptions } from './http.ts';

/** OTLP/HTTP's export answer (JSON encoding): `partialSuccess` says how much of the export was refused. */
const ExportAnswerSchema = z.object({
  partialSuccess: z
    .object({
      rejectedSpans: z.union([z.number(), z.string()]).optional(),
      rejectedLogRecords: z.union([z.number(), z.string()]).optional(),
      errorMessage: z.string().optional(),
    })
    .optional(),
});

/** Minimal OTLP/HTTP JSON sender, used by the pipeline probe (no SDK: one span, one log record). */
export class OtlpHttpClient {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('OpenTelemetry Collector', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** POSTs one export; a partial success that refused anything is an error naming the endpoint. */
  private async export(path: string, body: unknown): Promise<void> {
    const { url, status, text } = await this.http.requestText({ method: 'POST', url: path, data: body });
    // Some OTLP receivers answer 200 with no body: nothing was refused.
    if (text.trim() === '') return;
    const answer = parseAnswer(
      this.http.backend,
      url,
      ExportAnswerSchema,
      parseJsonText(this.http.backend, url, text, status),
      { status },
    );
    const p = answer.partialSuccess;
    const rejected = Number(p?.rejectedSpans ?? 0) + Number(p?.rejectedLogRecords ?? 0);
    if (rejected > 0)
      throw new BackendError(
        this.http.backend,
        url,
        `${this.http.backend} refused ${rejected} of the exported items at ${url}: ${p?.errorMessage ?? 'no reason given'}`,
        status,
      );
  }

  async sendSpan(span: {
    serviceName: string;
    traceId: string;
    spanId: string;
    name: string;
    attributes: Record<string, string>;
  }): Promise<void> {
    const now = BigInt(Date.now()) * 1_000_000n;
    await this.export('/v1/traces', {
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
    await this.export('/v1/logs', {
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

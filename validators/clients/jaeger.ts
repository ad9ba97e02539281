import { z } from 'zod';
import { BackendError, BackendHttp, parseAnswer, parseJsonText, type BackendOptions } from './http.ts';

// Jaeger's query HTTP API (the JSON the UI reads: `{ data, errors }`).

const KeyValueSchema = z.object({ key: z.string(), type: z.string().optional(), value: z.unknown() });
const SpanSchema = z.object({
  traceID: z.string(),
  spanID: z.string(),
  operationName: z.string(),
  references: z
    .array(
      z.object({ refType: z.enum(['CHILD_OF', 'FOLLOWS_FROM']), traceID: z.string(), spanID: z.string() }),
    )
    .nullish()
    .transform((r) => r ?? []),
  startTime: z.number(),
  duration: z.number(),
  tags: z
    .array(KeyValueSchema)
    .nullish()
    .transform((t) => t ?? []),
  processID: z.string(),
});
const TraceSchema = z.object({
  traceID: z.string(),
  spans: z.array(SpanSchema),
  processes: z.record(
    z.string(),
    z.object({
      serviceName: z.string(),
      tags: z
        .array(KeyValueSchema)
        .nullish()
        .transform((t) => t ?? []),
    }),
  ),
});
/**
 * `errors`: one per trace id Jaeger could not answer; 404 is "not (yet) stored", anything else a
 * failure. Jaeger 2.13's batch lookup (`/api/traces?traceID=…`) gives no code for a missing trace,
 * only `{"msg":"trace not found","traceID":…}`.
 */
const ErrorsSchema = z
  .array(z.object({ code: z.number().optional(), msg: z.string(), traceID: z.string().optional() }))
  .nullish();
const notStoredYet = (e: { code?: number | undefined; msg: string }): boolean =>
  e.code === 404 || (e.code === undefined && /^trace not found$/i.test(e.msg.trim()));
const TracesResponseSchema = z.object({ data: z.array(TraceSchema).nullable(), errors: ErrorsSchema });
const ServicesResponseSchema = z.object({ data: z.array(z.string()).nullable(), errors: ErrorsSchema });

/** What a JSON value must be for a plain check to stand in for the schema (no copy made). */
const isRecordOf = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isKeyValues = (v: unknown) =>
  Array.isArray(v) &&
  v.every((t) => isRecordOf(t) && isString(t['key']) && (t['type'] === undefined || isString(t['type'])));
const isSpan = (s: unknown) =>
  isRecordOf(s) &&
  isString(s['traceID']) &&
  isString(s['spanID']) &&
  isString(s['operationName']) &&
  typeof s['startTime'] === 'number' &&
  typeof s['duration'] === 'number' &&
  isString(s['processID']) &&
  isKeyValues(s['tags']) &&
  Array.isArray(s['references']) &&
  s['references'].every(
    (r) =>
      isRecordOf(r) &&
      (r['refType'] === 'CHILD_OF' || r['refType'] === 'FOLLOWS_FROM') &&
      isString(r['traceID']) &&
      isString(r['spanID']),
  );
const isTrace = (t: unknown) =>
  isRecordOf(t) &&
  isString(t['traceID']) &&
  Array.isArray(t['spans']) &&
  t['spans'].every(isSpan) &&
  isRecordOf(t['processes']) &&
  Object.values(t['processes']).every(
    (p) => isRecordOf(p) && isString(p['serviceName']) && isKeyValues(p['tags']),
  );
/**
 * A batch answer that already has the schema's shape (arrays where it allows null, no garbage) is
 * used as parsed: zod would copy each of ~13 spans per trace, the biggest share of the harness's
 * garbage at 100k traces. Anything else goes through the schema, for its normalising and its message.
 */
function isPlainTracesAnswer(body: unknown): body is z.infer<typeof TracesResponseSchema> {
  if (!isRecordOf(body) || !Array.isArray(body['data']) || !body['data'].every(isTrace)) return false;
  const errors = body['errors'];
  return (
    errors === null ||
    errors === undefined ||
    (Array.isArray(errors) &&
      errors.every(
        (e) =>
          isRecordOf(e) &&
          isString(e['msg']) &&
          (e['code'] === undefined || typeof e['code'] === 'number') &&
          (e['traceID'] === undefined || isString(e['traceID'])),
      ))
  );
}

export type JaegerSpan = z.infer<typeof SpanSchema>;
export type JaegerTrace = z.infer<typeof TraceSchema>;

/**
 * The trace as the adjusted query shows it: a span stored twice with identical content counts once
 * (Jaeger's DeduplicateSpans adjuster), so a raw lookup means what an adjusted one did. Copies that
 * differ (a span exported twice with other attributes or times) are kept, for the quantity check.
 */
export function withoutExactCopies(trace: JaegerTrace): JaegerTrace {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  if (ids.size === trace.spans.length) return trace;
  const seen = new Set<string>();
  const spans = trace.spans.filter((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ...trace, spans };
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

  /** A 200 whose `errors` hold anything but "trace not found" (a wrong tenant, a storage failure) is an error. */
  private refuseErrors(path: string, errors: z.infer<typeof ErrorsSchema>): void {
    const failures = (errors ?? []).filter((e) => !notStoredYet(e));
    if (failures.length === 0) return;
    const url = this.http.url(path.replace(/\?.*$/, ''));
    throw new BackendError(
      'Jaeger',
      url,
      `Jaeger answered errors at ${url}: ${failures
        .slice(0, 3)
        .map((e) => `${e.code ?? '(no code)'} ${e.msg}${e.traceID ? ` (trace ${e.traceID})` : ''}`)
        .join('; ')}`,
      failures[0]?.code,
    );
  }

  async getTrace(traceId: string): Promise<JaegerTrace | undefined> {
    const path = `/api/traces/${traceId}`;
    const body = await this.http.getOptional(path, TracesResponseSchema);
    if (!body) return undefined;
    this.refuseErrors(path, body.errors);
    return body.data?.[0];
  }

  async getTraces(traceIds: readonly string[]): Promise<Map<string, JaegerTrace>> {
    const found = new Map<string, JaegerTrace>();
    if (traceIds.length === 0) return found;
    // One `traceID=` per id (axios would write `traceID[]=`); ids Jaeger lacks come back under `errors`.
    const query = traceIds.map((id) => `traceID=${encodeURIComponent(id)}`).join('&');
    // `raw=true`: the stored spans without the query service's adjusters (clock skew, sorting,
    // deduplication), which cost Jaeger ~2/3 of its CPU per trace (measured: 1.06 → 0.38 ms).
    const path = `/api/traces?raw=true&${query}`;
    const answer = await this.http.requestText({ method: 'GET', url: path });
    const json = parseJsonText('Jaeger', answer.url, answer.text, answer.status);
    const body = isPlainTracesAnswer(json)
      ? json
      : parseAnswer('Jaeger', answer.url, TracesResponseSchema, json, { status: answer.status });
    this.refuseErrors(path, body.errors);
    // Jaeger drops the leading zeros of a trace id whose high 64 bits are 0.
    for (const trace of body.data ?? [])
      found.set(trace.traceID.padStart(32, '0'), withoutExactCopies(trace));
    return found;
  }

  async services(): Promise<string[]> {
    const body = await this.http.get('/api/services', ServicesResponseSchema);
    this.refuseErrors('/api/services', body.errors);
    return body.data ?? [];
  }
}

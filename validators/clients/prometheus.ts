import { z } from 'zod';
import { BackendHttp, unexpectedBody, type BackendOptions } from './http.ts';

// The Prometheus HTTP API's documented answers (https://prometheus.io/docs/prometheus/latest/querying/api/).

const LabelSetSchema = z.record(z.string(), z.string());
/** `[<unix seconds>, "<value>"]`. */
const SampleValueSchema = z.tuple([z.number(), z.string()]);
const SampleSchema = z.object({ metric: LabelSetSchema, value: SampleValueSchema });
const RangeSeriesSchema = z.object({ metric: LabelSetSchema, values: z.array(SampleValueSchema) });
const QueryDataSchema = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(SampleSchema) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(RangeSeriesSchema) }),
  z.object({ resultType: z.literal('scalar'), result: SampleValueSchema }),
  z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
]);
const TargetSchema = z.object({
  labels: LabelSetSchema,
  scrapePool: z.string(),
  scrapeUrl: z.string(),
  health: z.enum(['up', 'down', 'unknown']),
  lastError: z.string(),
  lastScrape: z.string(),
});
const MetadataSchema = z.object({ type: z.string(), help: z.string(), unit: z.string() });

/** Every answer is `{ status: "success", data }` (an error answer is refused by parseAnswer first). */
const success = <T extends z.ZodType>(data: T) =>
  z.object({ status: z.literal('success'), data, warnings: z.array(z.string()).optional() });

const QueryResponseSchema = success(QueryDataSchema);
const LabelValuesResponseSchema = success(z.array(z.string()));
const TargetsResponseSchema = success(z.object({ activeTargets: z.array(TargetSchema) }));
const MetadataResponseSchema = success(z.record(z.string(), z.array(MetadataSchema)));
const SeriesResponseSchema = success(z.array(LabelSetSchema));
/** `/api/v1/rules`: the rule groups Prometheus has loaded, as it evaluates them (durations in seconds). */
const RuleSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('alerting'),
    name: z.string(),
    query: z.string(),
    duration: z.number().optional(),
    labels: LabelSetSchema.optional(),
    annotations: LabelSetSchema.optional(),
  }),
  z.looseObject({
    type: z.literal('recording'),
    name: z.string(),
    query: z.string(),
    labels: LabelSetSchema.optional(),
  }),
]);
const RuleGroupSchema = z.looseObject({
  name: z.string(),
  file: z.string(),
  interval: z.number().optional(),
  rules: z.array(RuleSchema),
});
const RulesResponseSchema = success(z.object({ groups: z.array(RuleGroupSchema) }));

export type PromSample = z.infer<typeof SampleSchema>;
export type PromTarget = z.infer<typeof TargetSchema>;
export type PromMetadata = z.infer<typeof MetadataSchema>;
export type PromRangeSeries = z.infer<typeof RangeSeriesSchema>;
export type PromRuleGroup = z.infer<typeof RuleGroupSchema>;
type QueryData = z.infer<typeof QueryDataSchema>;

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
  /** The rule groups Prometheus has loaded (`/api/v1/rules`): what it really evaluates. */
  rules(): Promise<PromRuleGroup[]>;
}

const seconds = (d: Date | undefined) => (d ? String(d.getTime() / 1000) : undefined);

export class PrometheusClient implements PrometheusApi {
  private readonly http: BackendHttp;

  constructor(options: BackendOptions) {
    this.http = new BackendHttp('Prometheus', options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  private async data<S extends z.ZodType<{ data: unknown }>>(
    path: string,
    schema: S,
    params: Record<string, string | undefined>,
  ): Promise<z.infer<S>['data']> {
    return (await this.http.get(path, schema, params)).data;
  }

  /** A query answer of the wrong result type is an error naming the endpoint, never an empty list. */
  private expect<K extends QueryData['resultType']>(
    path: string,
    promql: string,
    data: QueryData,
    ...kinds: K[]
  ): Extract<QueryData, { resultType: K }> {
    if ((kinds as string[]).includes(data.resultType)) return data as Extract<QueryData, { resultType: K }>;
    throw unexpectedBody(
      this.http.backend,
      this.http.url(path),
      `expected a ${kinds.join(' or a ')} for ${promql}, got a ${data.resultType}`,
      data,
    );
  }

  async query(promql: string, time?: Date): Promise<PromSample[]> {
    const path = '/api/v1/query';
    const data = await this.data(path, QueryResponseSchema, { query: promql, time: seconds(time) });
    const answer = this.expect(path, promql, data, 'vector', 'scalar');
    // A scalar (`scalar(…)`, a number literal) is one sample without labels.
    return answer.resultType === 'vector' ? answer.result : [{ metric: {}, value: answer.result }];
  }

  async queryRaw(promql: string, time?: Date): Promise<PromRangeSeries[]> {
    const path = '/api/v1/query';
    const data = await this.data(path, QueryResponseSchema, { query: promql, time: seconds(time) });
    return this.expect(path, promql, data, 'matrix').result;
  }

  async queryRange(promql: string, start: Date, end: Date, stepS: number): Promise<PromRangeSeries[]> {
    const path = '/api/v1/query_range';
    const data = await this.data(path, QueryResponseSchema, {
      query: promql,
      start: seconds(start),
      end: seconds(end),
      step: String(stepS),
    });
    return this.expect(path, promql, data, 'matrix').result;
  }

  labelValues(label: string): Promise<string[]> {
    return this.data(`/api/v1/label/${encodeURIComponent(label)}/values`, LabelValuesResponseSchema, {});
  }

  async targets(): Promise<PromTarget[]> {
    const data = await this.data('/api/v1/targets', TargetsResponseSchema, { state: 'active' });
    return data.activeTargets;
  }

  metadata(metric?: string): Promise<Record<string, PromMetadata[]>> {
    return this.data('/api/v1/metadata', MetadataResponseSchema, { metric });
  }

  series(match: string, start?: Date, end?: Date): Promise<Record<string, string>[]> {
    return this.data('/api/v1/series', SeriesResponseSchema, {
      'match[]': match,
      start: seconds(start),
      end: seconds(end),
    });
  }

  async rules(): Promise<PromRuleGroup[]> {
    return (await this.data('/api/v1/rules', RulesResponseSchema, {})).groups;
  }
}

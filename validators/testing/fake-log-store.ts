import {
  UntranslatableQueryError,
  logqlParseOutcome,
  logqlToLogsql,
  type LogPanelOutcome,
  type LogStoreApi,
  type LogStoreKind,
  type StoredLogLine,
  type TimeWindow,
} from '../clients/index.ts';

export interface FakeLogLine {
  /** Stream labels. */
  labels: Record<string, string>;
  traceId: string;
  timeMs: number;
  line: string;
}

const PRODUCTS: Record<LogStoreKind, string> = { victorialogs: 'VictoriaLogs', loki: 'Loki' };

const inWindow = (l: FakeLogLine, w: TimeWindow) =>
  l.timeMs >= w.start.getTime() && l.timeMs <= w.end.getTime();

/**
 * An in-memory log store for unit tests, posing as either product (`kind`): answers the logs
 * role's label, per-trace-id count and trace-line queries over the lines added, and runs panel
 * queries that are plain stream selectors (translated first when posing as VictoriaLogs, so an
 * untranslatable query throws as it would there).
 */
export class FakeLogStore implements LogStoreApi {
  readonly product: string;
  readonly baseUrl: string;
  lines: FakeLogLine[] = [];
  /** How many per-trace-id count queries were answered. */
  countQueries = 0;

  constructor(readonly kind: LogStoreKind = 'victorialogs') {
    this.product = PRODUCTS[kind];
    this.baseUrl = `http://fake-${kind}`;
  }

  get labelsUrl(): string {
    return this.kind === 'loki'
      ? `${this.baseUrl}/loki/api/v1/labels`
      : `${this.baseUrl}/select/logsql/stream_field_names?query=*`;
  }

  /** One line of `service` carrying `traceId`; `labels` adds or overrides stream labels (level is `info`). */
  add(
    service: string,
    traceId: string,
    labels: Record<string, string> = {},
    timeMs = Date.now(),
    line = `{"service":"${service}","trace_id":"${traceId}","msg":"handled"}`,
  ): this {
    this.lines.push({ labels: { service, level: 'info', ...labels }, traceId, timeMs, line });
    return this;
  }

  async streamLabelNames(window: TimeWindow): Promise<string[]> {
    return [
      ...new Set(this.lines.filter((l) => inWindow(l, window)).flatMap((l) => Object.keys(l.labels))),
    ].sort();
  }

  async streamLabelValues(label: string, window: TimeWindow): Promise<string[]> {
    return [
      ...new Set(
        this.lines
          .filter((l) => inWindow(l, window))
          .map((l) => l.labels[label])
          .filter((v): v is string => v !== undefined),
      ),
    ].sort();
  }

  lineCountQuery(service: string): string {
    return this.kind === 'loki'
      ? `sum by (trace_id) (count_over_time({service="${service}"} [30s]))`
      : `_stream:{service="${service}"} trace_id:* | stats by (trace_id) count() n`;
  }

  async lineCountsByTraceId(service: string, window: TimeWindow): Promise<Map<string, number>> {
    this.countQueries += 1;
    const counts = new Map<string, number>();
    for (const l of this.lines) {
      if (l.labels.service !== service || !inWindow(l, window) || !l.traceId) continue;
      counts.set(l.traceId, (counts.get(l.traceId) ?? 0) + 1);
    }
    return counts;
  }

  traceLinesQuery(traceId: string, service?: string): string {
    return this.kind === 'loki'
      ? `{service=${service ? `"${service}"` : '~".+"'}} | trace_id="${traceId}"`
      : `${service ? `_stream:{service="${service}"} ` : ''}trace_id:="${traceId}"`;
  }

  async linesWithTraceId(traceId: string, window: TimeWindow, service?: string): Promise<StoredLogLine[]> {
    return this.lines
      .filter(
        (l) => l.traceId === traceId && inWindow(l, window) && (!service || l.labels.service === service),
      )
      .map((l) => ({ line: l.line, labels: l.labels, fields: { trace_id: l.traceId } }));
  }

  /** Plain stream selectors only (`{a="b", c=~"d.*"}`); anything else throws, as a real store's caller would see. */
  async runPanelQuery(logql: string, window: TimeWindow): Promise<LogPanelOutcome> {
    const query = this.kind === 'victorialogs' ? logqlToLogsql(logql).logsql : logql;
    const selector = /^\s*\{(.*)\}\s*$/.exec(logql)?.[1];
    if (selector === undefined)
      throw new UntranslatableQueryError(logql, 'FakeLogStore runs plain stream selectors only');
    const matchers = [...selector.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map(
      ([, name = '', op = '=', value = '']) => ({ name, op, value: JSON.parse(`"${value}"`) as string }),
    );
    const matches = (labels: Record<string, string>) =>
      matchers.every(({ name, op, value }) => {
        const v = labels[name] ?? '';
        const re = () => new RegExp(`^(?:${value})$`).test(v);
        return op === '=' ? v === value : op === '!=' ? v !== value : op === '=~' ? re() : !re();
      });
    return { query, matched: this.lines.filter((l) => inWindow(l, window) && matches(l.labels)).length };
  }

  async parsePanelQuery(logql: string): Promise<{ ok: true } | { ok: false; error: string }> {
    return logqlParseOutcome(logql);
  }
}

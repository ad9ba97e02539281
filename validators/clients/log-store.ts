/**
 * The logs role: what the validators ask of a log store, whichever product it is. Two
 * implementations: VictoriaLogs (LogsQL, the embedded default) and Loki (LogQL, where the user has
 * it). "Stream labels" are Loki's index labels and VictoriaLogs' stream fields: the same idea, and
 * the same cardinality pitfall when a per-request id becomes one.
 */

export type LogStoreKind = 'victorialogs' | 'loki';

/** A time window, both ends inclusive. */
export interface TimeWindow {
  start: Date;
  end: Date;
}

/** What running a dashboard panel's log query returned. */
export interface LogPanelOutcome {
  /** The query actually sent (LogQL for Loki, its LogsQL translation for VictoriaLogs). */
  query: string;
  /** Log lines (or, for a metric query, series with a sample) the query matched in the window. */
  matched: number;
}

/** One stored log line as the validators see it. */
export interface StoredLogLine {
  /** The line (Loki) or its message field `_msg` (VictoriaLogs). */
  line: string;
  /** Its stream labels (Loki labels, VictoriaLogs stream fields). */
  labels: Record<string, string>;
  /** Other fields stored with it: structured metadata (Loki), every other field (VictoriaLogs). */
  fields: Record<string, string>;
}

/** A LogQL expression with no exact equivalent in the store's query language: the panel check skips, naming why. */
export class UntranslatableQueryError extends Error {
  constructor(
    readonly logql: string,
    readonly reason: string,
  ) {
    super(`no exact LogsQL translation of ${logql}: ${reason}`);
    this.name = 'UntranslatableQueryError';
  }
}

export interface LogStoreApi {
  readonly kind: LogStoreKind;
  /** The product's name for messages: `VictoriaLogs` or `Loki`. */
  readonly product: string;
  readonly baseUrl: string;
  /** Names of the stream labels of the lines stored in the window. */
  streamLabelNames(window: TimeWindow): Promise<string[]>;
  /** Values one stream label takes in the window. */
  streamLabelValues(label: string, window: TimeWindow): Promise<string[]>;
  /**
   * For the lines of one service's streams (stream label `service`) in the window: how many lines
   * carry each trace id. Lines without a trace id are not counted. Implementations split the window
   * as their store needs (series limits, response size).
   */
  lineCountsByTraceId(service: string, window: TimeWindow): Promise<Map<string, number>>;
  /** The query `lineCountsByTraceId` sends for one service, for a report's evidence. */
  lineCountQuery(service: string): string;
  /**
   * The lines carrying one trace id in the window (the pipeline probe looks for its own), from one
   * service's streams when `service` is given (Loki needs a stream selector; the probe names its own).
   */
  linesWithTraceId(traceId: string, window: TimeWindow, service?: string): Promise<StoredLogLine[]>;
  /** The query `linesWithTraceId` sends, for a report's evidence. */
  traceLinesQuery(traceId: string, service?: string): string;
  /**
   * Runs a dashboard panel's LogQL target over the window. VictoriaLogs translates it from the LogQL
   * syntax tree and throws UntranslatableQueryError where no exact translation exists.
   */
  runPanelQuery(logql: string, window: TimeWindow): Promise<LogPanelOutcome>;
  /** Checks that a panel's LogQL parses (the store's own parser for Loki, the LogQL grammar otherwise). */
  parsePanelQuery(logql: string): Promise<{ ok: true } | { ok: false; error: string }>;
  /** An API URL a person can open to see the store's stream labels (evidence). */
  readonly labelsUrl: string;
}

import {
  UntranslatableQueryError,
  type LogPanelOutcome,
  type LogStoreApi,
  type LogStoreKind,
} from '../clients/log-store.ts';

/**
 * An in-memory log store for the dashboards checks: it holds line counts per `service` stream and
 * answers panel queries that are plain stream selectors (`{service="x"}`, `{service=~"re"}`). A
 * query listed in `untranslatable` throws UntranslatableQueryError, as VictoriaLogs' translation
 * does for LogQL with no exact LogsQL equivalent; a selector without braces does not parse.
 */
/** What the dashboards checks use of a log store. */
export type PanelLogStore = Pick<
  LogStoreApi,
  'kind' | 'product' | 'baseUrl' | 'labelsUrl' | 'parsePanelQuery' | 'runPanelQuery' | 'streamLabelNames'
>;

export class FakePanelLogs implements PanelLogStore {
  readonly baseUrl = 'http://fake-victorialogs';
  readonly labelsUrl = 'http://fake-victorialogs/select/logsql/stream_field_names';
  /** Lines stored per `service` stream value. */
  linesByService = new Map<string, number>();
  /** LogQL → the reason it has no exact translation. */
  untranslatable = new Map<string, string>();
  /** The panel queries run, as received. */
  ran: string[] = [];

  constructor(
    readonly kind: LogStoreKind = 'victorialogs',
    readonly product = 'VictoriaLogs',
  ) {}

  withLines(service: string, lines: number): this {
    this.linesByService.set(service, lines);
    return this;
  }

  async parsePanelQuery(logql: string): Promise<{ ok: true } | { ok: false; error: string }> {
    return /^\{[^{}]*\}/.test(logql.trim())
      ? { ok: true }
      : { ok: false, error: 'parse error at line 1, col 1: syntax error: unexpected IDENTIFIER' };
  }

  async runPanelQuery(logql: string): Promise<LogPanelOutcome> {
    this.ran.push(logql);
    const reason = this.untranslatable.get(logql);
    if (reason) throw new UntranslatableQueryError(logql, reason);
    const m = /^\{service(=~|=)"([^"]*)"\}$/.exec(logql.trim());
    if (!m) throw new Error(`FakePanelLogs cannot run ${logql}`);
    const matches = (s: string) => (m[1] === '=' ? s === m[2] : new RegExp(`^(?:${m[2]})$`).test(s));
    const matched = [...this.linesByService]
      .filter(([s]) => matches(s))
      .reduce((n, [, lines]) => n + lines, 0);
    return { query: `_stream:${logql.trim()}`, matched };
  }

  async streamLabelNames(): Promise<string[]> {
    return this.linesByService.size > 0 ? ['level', 'service'] : [];
  }

  /** This fake as the log store client (the checks under test call only the members it implements). */
  asLogStore(): LogStoreApi {
    return this as unknown as LogStoreApi;
  }
}

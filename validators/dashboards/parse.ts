/**
 * Query parsing without a backend round trip: PromQL with Prometheus' own Lezer grammar
 * (@prometheus-io/lezer-promql, the grammar of Prometheus' UI), LogQL with the log store's parser
 * (`parsePanelQuery`: Loki's own parser, or Grafana's LogQL grammar for VictoriaLogs), falling back
 * to @grafana/lezer-logql when no log store is configured.
 */
import { parser as logqlGrammar } from '@grafana/lezer-logql';
import { parser as promqlGrammar } from '@prometheus-io/lezer-promql';
import type { LogStoreApi } from '../clients/log-store.ts';

export type ParseOutcome = { ok: true } | { ok: false; error: string };
/** Parses one expression; throws only when the parser itself cannot be reached. */
export type QueryParser = (expr: string) => Promise<ParseOutcome>;

type Grammar = typeof promqlGrammar;

/** The first syntax error of `expr` in a Lezer grammar, as `line:col: parse error near "…"`. */
function lezerParse(grammar: Grammar, expr: string): ParseOutcome {
  let at: number | undefined;
  grammar.parse(expr).iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  if (at === undefined) return { ok: true };
  const before = expr.slice(0, at);
  const line = before.split('\n').length;
  const col = at - before.lastIndexOf('\n');
  const near = expr.slice(at, at + 20);
  return {
    ok: false,
    error: `${line}:${col}: parse error ${near ? `near "${near}"` : 'at the end of the query (unclosed bracket or missing operand?)'}`,
  };
}

/** PromQL, with Prometheus' grammar; `expr` must already be interpolated (`$__rate_interval` does not parse). */
export function parsePromql(expr: string): ParseOutcome {
  return lezerParse(promqlGrammar, expr);
}

/** LogQL with Grafana's LogQL grammar. */
export function parseLogqlGrammar(expr: string): ParseOutcome {
  return lezerParse(logqlGrammar as Grammar, expr);
}

/** PromQL parser as a QueryParser (kept for callers of the former backend-based parser). */
export const promqlParser = (): QueryParser => async (expr) => parsePromql(expr);

/** LogQL through the log store's parser, or the LogQL grammar when there is no log store. */
export function logqlParser(logs?: LogStoreApi): QueryParser {
  return async (expr) => (logs ? logs.parsePanelQuery(expr) : parseLogqlGrammar(expr));
}

/** Which parser reads a datasource type's queries; undefined when the harness has none (Jaeger). */
export function parserFor(type: string, logs?: LogStoreApi): QueryParser | undefined {
  if (type === 'prometheus') return promqlParser();
  if (type === 'loki') return logqlParser(logs);
  return undefined;
}

/** For evidence: which parser read which language. */
export function parserDescription(logs?: LogStoreApi): string {
  return `PromQL: Prometheus' grammar (@prometheus-io/lezer-promql); LogQL: ${
    logs ? `${logs.product}'s panel-query parser` : "Grafana's LogQL grammar (@grafana/lezer-logql)"
  }`;
}

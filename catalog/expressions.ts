/**
 * What a PromQL expression (a panel query, a rule) reads from the catalog: the metrics and recording
 * rules it names. Token-based, not a parser: good enough for expressions written against this
 * catalog, whose names all start with `phoenix_`, `phoenix:` or `process_` (or are `up`).
 */
import { metricByName } from './metrics.ts';
import { recordingRuleByName } from './rules.ts';
import type { MetricDef, RecordingRuleDef } from './types.ts';

const METRIC_TOKEN = /\b(?:phoenix|process)_[a-z0-9_]+|\bphoenix:[a-z0-9_:]+/g;
const SERIES_SUFFIX = /_(bucket|sum|count)$/;

export interface ExpressionReference {
  /** The name as written (a histogram's `_bucket` series included). */
  token: string;
  metric?: MetricDef;
  rule?: RecordingRuleDef;
}

/** The catalog metrics and recording rules `expr` names; unknown names come back with neither set. */
export function expressionReferences(expr: string): ExpressionReference[] {
  return [...new Set(expr.match(METRIC_TOKEN) ?? [])].map((token) => {
    const rule = recordingRuleByName(token);
    if (rule) return { token, rule };
    const direct = metricByName(token);
    if (direct) return { token, metric: direct };
    const base = metricByName(token.replace(SERIES_SUFFIX, ''));
    if (base && base.type === 'histogram') return { token, metric: base };
    return { token };
  });
}

/** Catalog metrics `expr` reads, directly or through recording rules. */
export function expressionMetrics(expr: string): MetricDef[] {
  const seen = new Map<string, MetricDef>();
  const visit = (e: string, depth: number) => {
    for (const ref of expressionReferences(e)) {
      if (ref.metric) seen.set(ref.metric.name, ref.metric);
      // Rules reading rules: depth-bounded so a (broken) cycle cannot loop.
      else if (ref.rule && depth < 5) visit(ref.rule.expr, depth + 1);
    }
  };
  visit(expr, 0);
  return [...seen.values()];
}

/**
 * The `on-event` metrics `expr` depends on: until their event happens (an error, a breaker trip, a
 * sandbox violation) the expression is legitimately empty, so "No data" there is not a defect.
 */
export function onEventMetrics(expr: string): string[] {
  return expressionMetrics(expr)
    .filter((m) => m.presence === 'on-event')
    .map((m) => m.name);
}

/**
 * What a PromQL expression (a panel query, a rule) reads and how long it looks back, from its syntax
 * tree (Prometheus' own grammar, @prometheus-io/lezer-promql), never from the text: a `[5m]` inside
 * a label matcher's string, a label named like a metric, or a rule name ending in `rate5m` are not
 * what they look like.
 *   - expressionReferences / expressionMetrics / onEventMetrics: the catalog metrics and recording
 *     rules an expression names (metric names of its selectors, `__name__` matchers included);
 *   - expressionDurations / rangeWindowsMs: its range windows, subquery ranges and steps, offsets;
 *   - scaleExpr: the same expression with those durations scaled (the time-compressed profile).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { parseDurationMs, scaleDuration } from './durations.ts';
import { metricByName } from './metrics.ts';
import { recordingRuleByName } from './rules.ts';
import type { MetricDef, RecordingRuleDef } from './types.ts';

type PromqlTree = ReturnType<typeof parser.parse>;
type PromqlNode = PromqlTree['topNode'];

/** Prefixes of the catalog's names; other selectors (`up`, `ALERTS`) are Prometheus' own series. */
const CATALOG_PREFIXES = ['phoenix_', 'phoenix:', 'process_'] as const;
/** The extra series of a histogram, named after it. */
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;
/** Lezer node names (the grammar's terms) this file reads. */
const NODE = {
  selector: 'VectorSelector',
  identifier: 'Identifier',
  matcher: 'UnquotedLabelMatcher',
  labelName: 'LabelName',
  matchOp: 'MatchOp',
  string: 'StringLiteral',
  matrix: 'MatrixSelector',
  subquery: 'SubqueryExpr',
  offset: 'OffsetExpr',
  duration: 'DurationExpr',
  offsetDuration: 'OffsetDurationExpr',
  durationLiteral: 'NumberDurationLiteralInDurationContext',
} as const;

const text = (expr: string, node: { from: number; to: number }) => expr.slice(node.from, node.to);

/** Parses `expr`, tolerating syntax errors (Lezer recovers); see strictTree for the strict form. */
const lenientTree = (expr: string): PromqlTree => parser.parse(expr);

/** Parses `expr`; throws at its first syntax error, since rewriting a tree with errors could corrupt it. */
function strictTree(expr: string): PromqlTree {
  const tree = parser.parse(expr);
  let at: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  if (at !== undefined) {
    const near = expr.slice(at, at + 20);
    throw new Error(
      `PromQL syntax error at offset ${at}${near ? ` near "${near}"` : ' (at the end)'} in "${expr}"`,
    );
  }
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Names: the catalog metrics and recording rules an expression reads.
// ---------------------------------------------------------------------------------------------

export interface ExpressionReference {
  /** The name as written (a histogram's `_bucket` series included). */
  token: string;
  metric?: MetricDef;
  rule?: RecordingRuleDef;
}

/** The metric name a selector (or a `__name__="…"` matcher in it) selects, in document order. */
export function selectorNames(expr: string): string[] {
  const names: string[] = [];
  lenientTree(expr).iterate({
    enter: (ref) => {
      const node = ref.node;
      if (node.name === NODE.identifier && node.parent?.name === NODE.selector) names.push(text(expr, node));
      if (node.name === NODE.matcher && node.parent?.parent?.name === NODE.selector) {
        const label = node.getChild(NODE.labelName);
        const op = node.getChild(NODE.matchOp);
        const value = node.getChild(NODE.string);
        if (label && op && value && text(expr, label) === '__name__' && text(expr, op) === '=')
          names.push(unquote(text(expr, value)));
      }
    },
  });
  return names;
}

/** A PromQL string literal's value (the catalog's names need no escapes beyond the quotes). */
function unquote(literal: string): string {
  const quote = literal[0];
  if (quote === '`') return literal.slice(1, -1);
  try {
    return JSON.parse(quote === "'" ? `"${literal.slice(1, -1).replaceAll('"', '\\"')}"` : literal) as string;
  } catch {
    return literal.slice(1, -1);
  }
}

/**
 * The catalog metrics and recording rules `expr` selects; a catalog-looking name (`phoenix_…`,
 * `phoenix:…`, `process_…`) the catalog does not define comes back with neither set. Label names,
 * strings and function names are not references. A syntax error does not throw: the names of the
 * parts that parse are returned (parsePromql in validators/ reports the error itself).
 */
export function expressionReferences(expr: string): ExpressionReference[] {
  const catalogNames = selectorNames(expr).filter((n) => CATALOG_PREFIXES.some((p) => n.startsWith(p)));
  return [...new Set(catalogNames)].map((token) => {
    const rule = recordingRuleByName(token);
    if (rule) return { token, rule };
    const direct = metricByName(token);
    if (direct) return { token, metric: direct };
    const suffix = HISTOGRAM_SUFFIXES.find((s) => token.endsWith(s));
    const base = suffix ? metricByName(token.slice(0, -suffix.length)) : undefined;
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

// ---------------------------------------------------------------------------------------------
// Durations: range windows, subquery ranges and steps, offsets.
// ---------------------------------------------------------------------------------------------

/** What a duration of an expression is: `x[5m]` range, `(…)[30m:1m]` range and step, `offset 1h`. */
export type DurationRole = 'range' | 'subquery-range' | 'subquery-step' | 'offset';

export interface ExpressionDuration {
  role: DurationRole;
  /** The duration as written, without a sign (`5m`). */
  text: string;
  ms: number;
  /** Where `text` is in the expression. */
  from: number;
  to: number;
}

/** The single duration literal of a duration node (`5m`, `-5m`); arithmetic (`[5m*2]`) is refused. */
function durationOf(expr: string, role: DurationRole, node: PromqlNode): ExpressionDuration {
  const literals: PromqlNode[] = [];
  node.cursor().iterate((ref) => {
    if (ref.name === NODE.durationLiteral) literals.push(ref.node);
  });
  const [literal] = literals;
  const whole = text(expr, node);
  // What surrounds the literal: nothing, or the sign of a negative offset.
  const around = literal
    ? (whole.slice(0, literal.from - node.from) + whole.slice(literal.to - node.from)).trim()
    : '';
  if (!literal || literals.length > 1 || (around !== '' && around !== '-')) {
    throw new Error(
      `unsupported ${role} duration "${whole}" in "${expr}": only a literal duration like 5m can be read or scaled`,
    );
  }
  const written = text(expr, literal);
  return { role, text: written, ms: parseDurationMs(written), from: literal.from, to: literal.to };
}

/**
 * Every duration `expr` is written with, in document order: range windows, subquery ranges and
 * steps, offsets (not `@` timestamps). Throws on a syntax error or a duration that is not a literal.
 */
export function expressionDurations(expr: string): ExpressionDuration[] {
  const out: ExpressionDuration[] = [];
  strictTree(expr).iterate({
    enter: (ref) => {
      const node = ref.node;
      if (node.name === NODE.matrix) {
        const range = node.getChild(NODE.duration);
        if (range) out.push(durationOf(expr, 'range', range));
      } else if (node.name === NODE.subquery) {
        const [range, step] = node.getChildren(NODE.duration);
        if (range) out.push(durationOf(expr, 'subquery-range', range));
        if (step) out.push(durationOf(expr, 'subquery-step', step));
      } else if (node.name === NODE.offset) {
        const offset = node.getChild(NODE.offsetDuration);
        if (offset) out.push(durationOf(expr, 'offset', offset));
      }
    },
  });
  return out.sort((a, b) => a.from - b.from);
}

/** Every range-vector selector window and subquery range of `expr`, in ms (document order). */
export function rangeWindowsMs(expr: string): number[] {
  return expressionDurations(expr)
    .filter((d) => d.role === 'range' || d.role === 'subquery-range')
    .map((d) => d.ms);
}

/**
 * `expr` with every range window, subquery range and step, and offset multiplied by `factor`,
 * rounded to whole seconds; windows and steps never below 1s (an offset may become 0s). Names,
 * strings and `@` timestamps are untouched.
 */
export function scaleExpr(expr: string, factor: number): string {
  if (factor === 1) return expr;
  let out = expr;
  for (const d of expressionDurations(expr).reverse()) {
    const scaled = scaleDuration(d.text, factor, d.role === 'offset' ? 0 : 1_000);
    out = out.slice(0, d.from) + scaled + out.slice(d.to);
  }
  return out;
}

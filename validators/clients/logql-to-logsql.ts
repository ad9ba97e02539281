/**
 * LogQL → LogsQL, from the LogQL syntax tree (`@grafana/lezer-logql`, Grafana's own grammar), for
 * the subset with an exact LogsQL equivalent:
 * - stream selectors with `=`, `!=`, `=~`, `!~` → `_stream:{…}`. Both stores match stream regexes
 *   fully anchored (Prometheus matcher semantics, an absent label counting as ""): checked on
 *   VictoriaLogs 1.52.1 (`=~"mind"` does not match `mind-kb`, `{trace_id=""}` matches streams without it);
 * - line filters `|=`, `!=` (substring: `_msg:*"…"*`), `|~`, `!~` (unanchored RE2: `_msg:~"…"`), and
 *   `|= "a" or "b"`;
 * - `count_over_time` and `rate` over such a selector, alone or under `sum` / `sum by (…)` →
 *   `| stats [by (…)] count()`: the same series (one per stream, per group, or one), counted over the window.
 * Anything else (parsers such as `| json`, label filters, `line_format`, `unwrap`, binary operators…)
 * throws UntranslatableQueryError naming the construct. A line filter reads VictoriaLogs' `_msg`,
 * which is Loki's whole line when the line was stored as text (a JSON line pushed to VictoriaLogs is
 * split into fields, `_msg` being its message field).
 */
import { parseDurationMs } from '../../core/index.ts';
import { parser } from '@grafana/lezer-logql';
import { UntranslatableQueryError } from './log-store.ts';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface LogsqlTranslation {
  /** The LogsQL query. */
  logsql: string;
  /** `lines`: a log query (its rows are log lines); `series`: a metric query (its rows are the series, with a count). */
  kind: 'lines' | 'series';
  /** A metric query's range (`[5m]`): how far before a window's start its first sample looks. 0 for a log query. */
  lookbackMs: number;
}

/** The field a metric translation's `stats` writes its count to. */
export const LOGSQL_COUNT_FIELD = 'logql_count';

/** A LogQL expression that does not parse: the message gives the position, as Loki's parser does. */
export class LogqlSyntaxError extends Error {
  constructor(
    readonly logql: string,
    readonly offset: number,
  ) {
    super(
      `parse error at line 1, col ${offset + 1}: syntax error near ${JSON.stringify(logql.slice(offset, offset + 20))}`,
    );
    this.name = 'LogqlSyntaxError';
  }
}

const children = (node: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
};

/** Human names of the constructs that have no translation, for the skip reason. */
const CONSTRUCTS: Record<string, string> = {
  LabelParser: 'a parser stage',
  JsonExpressionParser: 'a json parser stage',
  LogfmtParser: 'a logfmt parser stage',
  LogfmtExpressionParser: 'a logfmt parser stage',
  LabelFilter: 'a label filter',
  LineFormatExpr: 'line_format',
  LabelFormatExpr: 'label_format',
  DecolorizeExpr: 'decolorize',
  DropLabelsExpr: 'drop',
  KeepLabelsExpr: 'keep',
  FilterOp: 'an ip() line filter',
  PipePattern: 'a pattern line filter',
  Npa: 'a negated pattern line filter',
  BinOpExpr: 'a binary operation',
  LiteralExpr: 'a literal',
  OffsetExpr: 'offset',
  UnwrapExpr: 'unwrap',
  Grouping: 'grouping',
  LabelReplaceExpr: 'label_replace',
  VectorExpr: 'vector()',
};

/** Parses LogQL with Grafana's grammar; throws LogqlSyntaxError at the first error node. */
export function parseLogql(logql: string): SyntaxNode {
  const tree = parser.parse(logql);
  let errorAt: number | undefined;
  tree.iterate({
    enter: (n) => {
      if (errorAt === undefined && n.type.isError) errorAt = n.from;
      return errorAt === undefined;
    },
  });
  if (errorAt !== undefined) throw new LogqlSyntaxError(logql, errorAt);
  if (logql.trim() === '') throw new LogqlSyntaxError(logql, 0);
  return tree.topNode;
}

/** Translates a LogQL expression; throws UntranslatableQueryError (or LogqlSyntaxError) where it cannot. */
export function logqlToLogsql(logql: string): LogsqlTranslation {
  const top = parseLogql(logql);
  const text = (n: SyntaxNode) => logql.slice(n.from, n.to);
  const refuse = (n: SyntaxNode, what?: string): never => {
    throw new UntranslatableQueryError(logql, `${what ?? CONSTRUCTS[n.name] ?? n.name} (\`${text(n)}\`)`);
  };
  const only = (n: SyntaxNode, name: string): SyntaxNode => {
    const kids = children(n);
    const [first] = kids;
    if (kids.length !== 1 || !first) return refuse(n);
    if (first.name !== name) return refuse(first);
    return first;
  };

  const expr = only(top, 'Expr');
  const [inner] = children(expr);
  if (!inner || children(expr).length !== 1) return refuse(expr);
  if (inner.name === 'LogExpr') return { logsql: logExpr(inner), kind: 'lines', lookbackMs: 0 };
  if (inner.name === 'MetricExpr') return metricExpr(inner);
  return refuse(inner);

  function logExpr(n: SyntaxNode): string {
    const kids = children(n);
    // Parenthesised: `({a="b"})`.
    if (kids.length === 1 && kids[0]?.name === 'LogExpr') return logExpr(kids[0]);
    const [selector, pipeline, ...rest] = kids;
    if (!selector || selector.name !== 'Selector') return refuse(selector ?? n);
    if (rest[0]) return refuse(rest[0]);
    const parts = [streamFilter(selector)];
    if (pipeline) {
      if (pipeline.name !== 'PipelineExpr') return refuse(pipeline);
      parts.push(...pipelineFilters(pipeline));
    }
    return parts.join(' ');
  }

  function streamFilter(selector: SyntaxNode): string {
    const matchers: SyntaxNode[] = [];
    const collect = (n: SyntaxNode) => {
      for (const c of children(n)) {
        if (c.name === 'Matchers') collect(c);
        else if (c.name === 'Matcher') matchers.push(c);
        else refuse(c);
      }
    };
    collect(selector);
    const parts = matchers.map((m) => {
      const [name, op, value, ...rest] = children(m);
      if (!name || !op || !value || rest.length || name.name !== 'Identifier' || value.name !== 'String')
        return refuse(m, 'this matcher');
      const ops: Record<string, string> = { Eq: '=', Neq: '!=', Re: '=~', Nre: '!~' };
      const logsqlOp = ops[op.name];
      if (!logsqlOp) return refuse(op);
      return `${text(name)}${logsqlOp}${quote(unquote(text(value), logql))}`;
    });
    return `_stream:{${parts.join(',')}}`;
  }

  function pipelineFilters(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (const c of children(n)) {
      if (c.name === 'PipelineExpr') out.push(...pipelineFilters(c));
      else if (c.name === 'PipelineStage') {
        const kids = children(c);
        const [lineFilters] = kids;
        if (kids.length !== 1 || lineFilters?.name !== 'LineFilters')
          return refuse(kids.find((k) => k.name !== 'Pipe') ?? c);
        out.push(...lineFilterList(lineFilters));
      } else refuse(c);
    }
    return out;
  }

  function lineFilterList(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (const c of children(n)) {
      if (c.name === 'LineFilters') out.push(...lineFilterList(c));
      else if (c.name === 'LineFilter') out.push(lineFilter(c));
      else refuse(c);
    }
    return out;
  }

  function lineFilter(n: SyntaxNode): string {
    const [filter, value, ...rest] = children(n);
    const opNode = filter && children(filter)[0];
    if (!filter || filter.name !== 'Filter' || !opNode) return refuse(n, 'this line filter');
    if (value?.name !== 'String') return refuse(value ?? n);
    const values = [unquote(text(value), logql)];
    // `|= "a" or "b" or "c"`: Or, OrFilter(String, Or, OrFilter(…)).
    let or = rest;
    while (or.length) {
      const [orKw, orFilter, ...more] = or;
      if (orKw?.name !== 'Or' || orFilter?.name !== 'OrFilter' || more.length) return refuse(or[0] ?? n);
      const [s, ...next] = children(orFilter);
      if (s?.name !== 'String') return refuse(s ?? orFilter);
      values.push(unquote(text(s), logql));
      or = next;
    }
    const negated = opNode.name === 'Neq' || opNode.name === 'Nre';
    if (negated && values.length > 1)
      return refuse(n, 'a negated line filter with `or` (its meaning changed between Loki versions)');
    const one = (v: string) => {
      switch (opNode.name) {
        case 'PipeExact':
        case 'Neq':
          return `_msg:*${quote(v)}*`;
        case 'PipeMatch':
        case 'Nre':
          return `_msg:~${quote(v)}`;
        default:
          return refuse(opNode);
      }
    };
    if (negated) return `-${one(values[0] ?? '')}`;
    return values.length === 1 ? one(values[0] ?? '') : `(${values.map(one).join(' or ')})`;
  }

  function metricExpr(n: SyntaxNode): LogsqlTranslation {
    const [agg, ...rest] = children(n);
    if (!agg || rest.length) return refuse(n);
    if (agg.name === 'RangeAggregationExpr') {
      const { filter, lookbackMs } = rangeAggregation(agg);
      return {
        logsql: `${filter} | stats by (_stream) count() ${LOGSQL_COUNT_FIELD}`,
        kind: 'series',
        lookbackMs,
      };
    }
    if (agg.name !== 'VectorAggregationExpr') return refuse(agg);
    let by: string[] | undefined;
    let innerMetric: SyntaxNode | undefined;
    for (const c of children(agg)) {
      if (c.name === 'VectorOp') {
        if (children(c)[0]?.name !== 'Sum') refuse(c, `the ${text(c)} aggregation`);
      } else if (c.name === 'Grouping') by = grouping(c);
      else if (c.name === 'MetricExpr' && !innerMetric) innerMetric = c;
      else refuse(c);
    }
    const [range, ...others] = innerMetric ? children(innerMetric) : [];
    if (!range || others.length || range.name !== 'RangeAggregationExpr')
      return refuse(range ?? agg, 'an aggregation of anything but count_over_time or rate');
    const { filter, lookbackMs } = rangeAggregation(range);
    const byClause = by?.length ? `by (${by.join(', ')}) ` : '';
    return {
      logsql: `${filter} | stats ${byClause}count() ${LOGSQL_COUNT_FIELD}`,
      kind: 'series',
      lookbackMs,
    };
  }

  function grouping(n: SyntaxNode): string[] {
    const [kw, labels, ...rest] = children(n);
    if (kw?.name !== 'By' || rest.length) return refuse(kw ?? n, '`without` grouping');
    const out: string[] = [];
    const collect = (l: SyntaxNode) => {
      for (const c of children(l)) {
        if (c.name === 'Labels') collect(c);
        else if (c.name === 'Identifier') out.push(text(c));
        else refuse(c);
      }
    };
    if (labels) collect(labels);
    return out;
  }

  function rangeAggregation(n: SyntaxNode): { filter: string; lookbackMs: number } {
    const [op, logRange, ...rest] = children(n);
    const fn = op && children(op)[0];
    if (!op || !fn || (fn.name !== 'CountOverTime' && fn.name !== 'Rate'))
      return refuse(op ?? n, `the ${text(op ?? n)} function`);
    if (rest[0]) return refuse(rest[0]);
    if (logRange?.name !== 'LogRangeExpr') return refuse(logRange ?? n);
    const kids = children(logRange);
    const selector = kids.find((k) => k.name === 'Selector');
    const range = kids.find((k) => k.name === 'Range');
    const other = kids.find((k) => !['Selector', 'Range', 'PipelineExpr'].includes(k.name));
    if (other) return refuse(other);
    if (!selector || !range) return refuse(logRange);
    const pipeline = kids.find((k) => k.name === 'PipelineExpr');
    const filter = [streamFilter(selector), ...(pipeline ? pipelineFilters(pipeline) : [])].join(' ');
    const duration = children(range)[0];
    const lookbackMs = duration ? parseDurationMs(text(duration)) : undefined;
    if (lookbackMs === undefined) return refuse(range, 'this range');
    return { filter, lookbackMs };
  }
}

export { parseDurationMs };

/** A LogsQL quoted string: Go string-literal syntax, which JSON's is a subset of. */
const quote = (value: string) => JSON.stringify(value);

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** The value of a LogQL string literal (Go syntax: `"…"` with escapes, or a raw `` `…` ``). */
export function unquote(literal: string, logql = literal): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 1;
      continue;
    }
    const hex = (len: number) => {
      const digits = body.slice(i + 2, i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) throw new LogqlSyntaxError(logql, 0);
      i += 1 + len;
      return parseInt(digits, 16);
    };
    if (next === 'x') out += String.fromCharCode(hex(2));
    else if (next === 'u') out += String.fromCodePoint(hex(4));
    else if (next === 'U') out += String.fromCodePoint(hex(8));
    else if (/[0-7]/.test(next)) {
      const digits = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new LogqlSyntaxError(logql, 0);
      out += String.fromCharCode(parseInt(digits, 8));
      i += 3;
    } else throw new LogqlSyntaxError(logql, 0);
  }
  return out;
}

/** Whether a LogQL expression parses, as the log-store clients report it for a dashboard's queries. */
export function logqlParseOutcome(logql: string): { ok: true } | { ok: false; error: string } {
  try {
    parseLogql(logql);
    return { ok: true };
  } catch (error) {
    if (error instanceof LogqlSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
}

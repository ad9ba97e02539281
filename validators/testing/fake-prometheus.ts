import {
  BackendError,
  type PromMetadata,
  type PromRangeSeries,
  type PromRuleGroup,
  type PromSample,
  type PromTarget,
  type PrometheusApi,
} from '../clients/index.ts';

/** Enough of Prometheus' parser for the fakes: unbalanced brackets and leftover `$` macros are syntax errors. */
function syntaxProblem(promql: string): string | undefined {
  const dollar = promql.indexOf('$');
  if (dollar >= 0) return `1:${dollar + 1}: parse error: unexpected character: '$'`;
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const stack: string[] = [];
  const text = promql.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const c of text) {
    if ('({['.includes(c)) stack.push(c);
    else if (c in pairs && stack.pop() !== pairs[c]) return `parse error: unexpected "${c}"`;
  }
  return stack.length > 0
    ? `parse error: unclosed left ${stack.at(-1) === '(' ? 'parenthesis' : 'bracket'}`
    : undefined;
}

export interface FakeSeries {
  labels: Record<string, string>;
  /** [unix seconds, value] samples, ascending. */
  samples: [number, number][];
}

/**
 * An in-memory Prometheus for unit tests. It understands exactly the query shapes the validators
 * send: `name`, `count by (l) (name)`, `{__name__=~"re"}` and `name[Ns]`.
 */
export class FakePrometheus implements PrometheusApi {
  readonly baseUrl = 'http://fake-prometheus';
  data: FakeSeries[] = [];
  metadataByName: Record<string, PromMetadata[]> = {};
  targetList: PromTarget[] = [];
  /** What `/api/v1/rules` answers: the rule groups this Prometheus has loaded. */
  ruleGroups: PromRuleGroup[] = [];

  add(name: string, labels: Record<string, string>, value: number | [number, number][], type?: string): this {
    const samples: [number, number][] = Array.isArray(value) ? value : [[Date.now() / 1000, value]];
    this.data.push({ labels: { __name__: name, ...labels }, samples });
    if (type) {
      const family = type === 'histogram' ? name.replace(/_(bucket|sum|count)$/, '') : name;
      this.metadataByName[family] = [{ type, help: '', unit: '' }];
    }
    return this;
  }

  private select(selector: string): FakeSeries[] {
    // `{__name__=~"re"}`, optionally with more matchers: `{__name__=~"re",job="x"}`.
    const re = /^\{__name__=~"((?:[^"\\]|\\.)+)"(?:,(.*))?\}$/.exec(selector);
    if (re?.[1]) {
      const pattern = new RegExp(`^(?:${re[1]})$`);
      const named = this.data.filter((s) => pattern.test(s.labels.__name__ ?? ''));
      return re[2] ? named.filter((s) => this.matches(s, re[2] ?? '')) : named;
    }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$/.exec(selector);
    if (!m) throw new Error(`FakePrometheus cannot parse ${selector}`);
    return this.data.filter((s) => s.labels.__name__ === m[1] && this.matches(s, m[2] ?? ''));
  }

  /** Whether a series satisfies `label="v"` / `label!="v"` matchers (others, like `=~`, are ignored). */
  private matches(s: FakeSeries, matcherText: string): boolean {
    const matchers = matcherText
      .split(',')
      .filter(Boolean)
      .map((x) => /^(\w+)(!?=)"(.*)"$/.exec(x.trim()))
      .filter((x): x is RegExpExecArray => x !== null);
    return matchers.every(([, label = '', op, value]) =>
      op === '=' ? (s.labels[label] ?? '') === value : (s.labels[label] ?? '') !== value,
    );
  }

  async query(promql: string): Promise<PromSample[]> {
    const last = (s: FakeSeries): [number, string] => {
      const [t, v] = s.samples[s.samples.length - 1] ?? [0, 0];
      return [t, String(v)];
    };
    // The liveness probe the dashboards datasource check sends.
    if (promql === 'vector(1)') return [{ metric: {}, value: [Date.now() / 1000, '1'] }];
    const count = /^count by \((\w+)\) \((.+)\)$/.exec(promql);
    if (count?.[1] && count[2]) {
      const by = count[1];
      const groups = new Map<string, number>();
      for (const s of this.select(count[2]))
        groups.set(s.labels[by] ?? '', (groups.get(s.labels[by] ?? '') ?? 0) + 1);
      return [...groups].map(([v, n]) => ({
        metric: v ? { [by]: v } : {},
        value: [Date.now() / 1000, String(n)],
      }));
    }
    return this.select(promql).map((s) => ({ metric: s.labels, value: last(s) }));
  }

  async queryRaw(promql: string): Promise<PromRangeSeries[]> {
    const m = /^(.+)\[(\d+)s\]$/.exec(promql);
    if (!m?.[1]) throw new Error(`FakePrometheus cannot parse ${promql}`);
    return this.select(m[1]).map((s) => ({
      metric: s.labels,
      values: s.samples.map(([t, v]) => [t, String(v)] as [number, string]),
    }));
  }

  /** Every range query the fake answered, as sent (`[promql, stepS]`). */
  rangeQueries: [string, number][] = [];

  /**
   * A range query, as a dashboard panel runs it. The fake does not evaluate PromQL: a query that does
   * not parse (unbalanced brackets, or an uninterpolated `$`) is refused with Prometheus' 400
   * `bad_data`; otherwise it returns the stored series of every metric name the query reads that
   * have samples in the window (so a misspelt or omitted metric returns nothing, as it would).
   */
  async queryRange(promql: string, start: Date, end: Date, stepS: number): Promise<PromRangeSeries[]> {
    this.rangeQueries.push([promql, stepS]);
    const problem = syntaxProblem(promql);
    if (problem) {
      const url = `${this.baseUrl}/api/v1/query_range`;
      const body = JSON.stringify({ status: 'error', errorType: 'bad_data', error: problem });
      throw new BackendError('Prometheus', url, `Prometheus answered 400 at ${url}: ${body}`, 400);
    }
    const names = new Set(promql.match(/[a-zA-Z_:][\w:]*/g) ?? []);
    const [from, to] = [start.getTime() / 1000, end.getTime() / 1000];
    return this.data
      .filter((s) => names.has(s.labels.__name__ ?? ''))
      .map((s) => ({
        metric: s.labels,
        values: s.samples
          .filter(([t]) => t >= from && t <= to)
          .map(([t, v]) => [t, String(v)] as [number, string]),
      }))
      .filter((s) => s.values.length > 0);
  }

  async labelValues(label: string): Promise<string[]> {
    return [
      ...new Set(this.data.map((s) => s.labels[label]).filter((v): v is string => v !== undefined)),
    ].sort();
  }

  async targets(): Promise<PromTarget[]> {
    return this.targetList;
  }

  async metadata(): Promise<Record<string, PromMetadata[]>> {
    return this.metadataByName;
  }

  async series(): Promise<Record<string, string>[]> {
    return this.data.map((s) => s.labels);
  }

  async rules(): Promise<PromRuleGroup[]> {
    return this.ruleGroups;
  }
}

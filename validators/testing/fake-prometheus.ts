import type {
  PromMetadata,
  PromRangeSeries,
  PromSample,
  PromTarget,
  PrometheusApi,
} from '../clients/index.ts';

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
    const re = /^\{__name__=~"(.+)"\}$/.exec(selector);
    if (re?.[1]) {
      const pattern = new RegExp(`^(?:${re[1]})$`);
      return this.data.filter((s) => pattern.test(s.labels.__name__ ?? ''));
    }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$/.exec(selector);
    if (!m) throw new Error(`FakePrometheus cannot parse ${selector}`);
    const matchers = (m[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((x) => /^(\w+)(!?=)"(.*)"$/.exec(x.trim()))
      .filter((x): x is RegExpExecArray => x !== null);
    return this.data.filter(
      (s) =>
        s.labels.__name__ === m[1] &&
        matchers.every(([, label = '', op, value]) =>
          op === '=' ? (s.labels[label] ?? '') === value : (s.labels[label] ?? '') !== value,
        ),
    );
  }

  async query(promql: string): Promise<PromSample[]> {
    const last = (s: FakeSeries): [number, string] => {
      const [t, v] = s.samples[s.samples.length - 1] ?? [0, 0];
      return [t, String(v)];
    };
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
}

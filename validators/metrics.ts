import {
  FLOWS,
  METRICS,
  SERVICE_OPERATIONS,
  requiredSeries,
  type MetricDef,
  type Phase,
  type ServiceName,
} from '../catalog/index.ts';
import { describeLast, pollUntil, type CheckResult, type LedgerEntry } from '../core/index.ts';
import type { PromRangeSeries, PrometheusApi } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { errorMessage, result, skipped, type ResultBase } from './result.ts';

/** The target label that names the service exposing a series (set by the harness's file_sd targets). */
export const DEFAULT_SERVICE_LABEL = 'phoenix_service';
const SCRAPE_LABELS = new Set(['__name__', 'job', 'instance', 'le', 'quantile']);
const ENTRY_SERVICE: ServiceName = 'orchestrator-service';
const REQUESTS_METRIC = 'phoenix_service_requests_total';
const UNIT_SUFFIXES = ['seconds', 'bytes', 'dollars', 'ratio', 'total', 'entries', 'count', 'info'];

const base = (id: string, title: string, phase: Phase): ResultBase => ({
  id: `metrics.${id}`,
  family: 'metrics',
  title,
  phase,
});

const seriesName = (m: MetricDef) =>
  m.type === 'histogram' || m.type === 'summary' ? `${m.name}_count` : m.name;
/** The services' own series only: other jobs (Prometheus, Loki…) expose process_* metrics too. */
const ofServices = (m: MetricDef, serviceLabel: string) => `${seriesName(m)}{${serviceLabel}!=""}`;

/**
 * The exact increase of a counter between `start` and the last sample, from raw samples: the last
 * sample at or before `start` is the baseline (0 if the series was born later), and a drop between
 * samples is a counter reset whose new value counts in full. No extrapolation, unlike `increase()`.
 */
export function exactIncrease(values: readonly [number, string][], start: Date): number {
  const startS = start.getTime() / 1000;
  let baseline = 0;
  let total = 0;
  let prev: number | undefined;
  for (const [t, raw] of values) {
    const v = Number(raw);
    if (t <= startS) {
      baseline = v;
      prev = v;
      continue;
    }
    if (prev === undefined) {
      total += v - baseline;
    } else {
      total += v >= prev ? v - prev : v;
    }
    prev = v;
  }
  return total;
}

/** Requests the ledger implies each service received, by operation and status (only fixed hops). */
export function expectedCounts(ledger: Map<string, number>): {
  entry: Map<string, number>;
  downstream: Map<string, number> | undefined;
} {
  const entry = new Map<string, number>();
  let allOk = true;
  for (const [key, n] of ledger) {
    const [flow, status] = key.split('|');
    if (status === '0') continue; // no answer: the service may or may not have counted it
    entry.set(`${ENTRY_SERVICE}|${flow}|${status}`, n);
    if (!status?.startsWith('2')) allOk = false;
  }
  if (!allOk) return { entry, downstream: undefined };
  // Every successful request went through every fixed hop of its flow exactly once.
  const downstream = new Map<string, number>();
  for (const [key, n] of ledger) {
    const [flowName] = key.split('|');
    const flow = FLOWS.find((f) => f.name === flowName);
    if (!flow) continue;
    for (const hop of flow.hops) {
      const op = FLOW_HOP_OPERATION.get(`${flow.name}|${hop.from}|${hop.to}`);
      if (!op) continue;
      const k = `${hop.to}|${op}|200`;
      downstream.set(k, (downstream.get(k) ?? 0) + n);
    }
  }
  return { entry, downstream };
}

/** The operation a hop's callee serves in each flow (from its server span name `POST <path>`). */
const FLOW_HOP_OPERATION = new Map<string, string>(
  FLOWS.flatMap((flow) =>
    flow.hops.map((hop) => {
      const server = flow.spans.find((s) => s.service === hop.to && s.kind === 'server');
      const path = server?.name.replace(/^POST /, '');
      const op = SERVICE_OPERATIONS[hop.to].find((o) => o.path === path)?.name ?? '';
      return [`${flow.name}|${hop.from}|${hop.to}`, op] as const;
    }),
  ),
);

async function ledgerCounts(ctx: ValidationContext): Promise<{ byKey: Map<string, number>; total: number }> {
  const byKey = new Map<string, number>();
  let total = 0;
  for await (const e of ctx.ledger?.read() ?? ([] as LedgerEntry[])) {
    const key = `${e.flow}|${e.status}`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
    total += 1;
  }
  return { byKey, total };
}

/** Waits until every phoenix-services target has been scraped after `after`, so counters are final. */
async function waitForFinalScrape(
  prom: PrometheusApi,
  after: Date,
  timeoutMs: number,
): Promise<string | undefined> {
  const outcome = await pollUntil({
    description: 'a scrape after the load stopped',
    probe: async () => (await prom.targets()).filter((t) => t.scrapePool === 'phoenix-services'),
    until: (targets) =>
      targets.length > 0 && targets.every((t) => new Date(t.lastScrape).getTime() > after.getTime()),
    timeoutMs,
    intervalMs: 500,
  });
  return outcome.ok
    ? undefined
    : describeLast(
        outcome,
        (t) => `${t.length} targets, oldest scrape ${t.map((x) => x.lastScrape).sort()[0] ?? '-'}`,
      );
}

/**
 * The metrics family: catalog metrics present with their type and labels, naming conventions,
 * exact request accounting against the ledger, histogram sanity, cardinality budgets, targets up.
 */
export async function metricsCheck(ctx: ValidationContext): Promise<CheckResult[]> {
  const ids = {
    targets: base('targets', 'Every scrape target is up', 1),
    presence: base('presence', "Every catalog metric of the phase's services is exposed", 1),
    types: base('types', 'Metric types match the catalog (metadata API)', 1),
    labels: base('labels', 'Labels and label values match the catalog', 1),
    naming: base('naming', 'Every phoenix_* metric follows the naming conventions', 1),
    histograms: base('histograms', 'Histograms are sane: +Inf bucket equals _count, buckets monotone', 1),
    cardinality: base('cardinality', 'Series per metric and service stay within the cardinality budget', 1),
    accounting: base(
      'accounting',
      'Requests counted by the services equal what the ledger sent, by status',
      1,
    ),
  };
  const prom = ctx.clients.prometheus;
  if (!prom) return Object.values(ids).map((b) => skipped(b, 'needs the Prometheus endpoint'));
  const serviceLabel = ctx.serviceLabel ?? DEFAULT_SERVICE_LABEL;
  const limit = ctx.exampleLimit ?? 10;
  const guard = async (b: ResultBase, fn: () => Promise<CheckResult>): Promise<CheckResult> => {
    try {
      return await fn();
    } catch (error) {
      return result(b, 'error', {
        expected: '-',
        observed: errorMessage(error),
        message: `${b.title}: could not query Prometheus: ${errorMessage(error)}`,
      });
    }
  };

  const required = requiredSeries(ctx.phase);
  const requiredMetrics = [...new Map(required.map((r) => [r.metric.name, r.metric])).values()];

  return Promise.all([
    guard(ids.targets, () => targetsUp(prom, ids.targets, limit)),
    guard(ids.presence, () => presence(ctx, prom, ids.presence, required, serviceLabel, limit)),
    guard(ids.types, () => types(prom, ids.types, requiredMetrics, limit)),
    guard(ids.labels, () => labels(prom, ids.labels, requiredMetrics, serviceLabel, limit)),
    guard(ids.naming, () => naming(prom, ids.naming, limit)),
    guard(ids.histograms, () => histograms(prom, ids.histograms, limit)),
    guard(ids.cardinality, () => cardinality(prom, ids.cardinality, serviceLabel, limit)),
    guard(ids.accounting, () => accounting(ctx, prom, ids.accounting, limit)),
  ]);
}

async function targetsUp(prom: PrometheusApi, b: ResultBase, limit: number): Promise<CheckResult> {
  // The harness's own probe targets come and go during a run; they are not Phoenix's.
  const targets = (await prom.targets()).filter((t) => t.scrapePool !== 'harness-probes');
  const down = targets.filter((t) => t.health !== 'up');
  if (down.length === 0) {
    return result(b, 'pass', {
      expected: 'all targets up',
      observed: `${targets.length} up`,
      message: `all ${targets.length} scrape targets are up`,
    });
  }
  const list = down
    .slice(0, limit)
    .map(
      (t) =>
        `${t.scrapePool} ${t.labels.instance ?? t.scrapeUrl}${t.labels[DEFAULT_SERVICE_LABEL] ? ` (${t.labels[DEFAULT_SERVICE_LABEL]})` : ''}: ${t.health}${t.lastError ? `, ${t.lastError}` : ''}`,
    );
  return result(b, 'fail', {
    expected: 'all targets up',
    observed: `${down.length} of ${targets.length} down`,
    message: `${down.length} scrape target(s) not up: ${list.join('; ')}`,
    evidence: { urls: [`${prom.baseUrl}/targets`] },
  });
}

async function presence(
  ctx: ValidationContext,
  prom: PrometheusApi,
  b: ResultBase,
  required: { metric: MetricDef; service: ServiceName }[],
  serviceLabel: string,
  limit: number,
): Promise<CheckResult> {
  const wanted = required.filter((r) => (r.metric.presence ?? 'always') === 'always');
  const names = [...new Set(wanted.map((r) => r.metric))];
  const promql = names.map((m) => `count by (${serviceLabel}) (${ofServices(m, serviceLabel)})`);
  // Series appear after the first scrape: poll until all are there or the deadline passes.
  const outcome = await pollUntil({
    description: 'catalog metrics present',
    probe: async () => {
      const present = new Set<string>();
      await Promise.all(
        names.map(async (m) => {
          for (const s of await prom.query(`count by (${serviceLabel}) (${ofServices(m, serviceLabel)})`))
            present.add(`${m.name}|${s.metric[serviceLabel] ?? ''}`);
        }),
      );
      return wanted.filter((r) => !present.has(`${r.metric.name}|${r.service}`));
    },
    until: (missing) => missing.length === 0,
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 1_000,
  });
  const missing = outcome.last ?? wanted;
  if (outcome.ok) {
    return result(b, 'pass', {
      expected: `${wanted.length} (metric, service) pairs`,
      observed: 'all present',
      message: `all ${names.length} required metrics are exposed by every owning service`,
      evidence: { promql: promql.slice(0, 3) },
    });
  }
  const list = missing.slice(0, limit).map((r) => `${r.metric.name} on ${r.service}`);
  return result(b, 'fail', {
    expected: `${wanted.length} (metric, service) pairs`,
    observed: `${missing.length} missing`,
    message: `${missing.length} required metric series missing: ${list.join(', ')}${missing.length > limit ? ` and ${missing.length - limit} more` : ''}${outcome.lastError ? ` (last error: ${errorMessage(outcome.lastError)})` : ''}`,
    evidence: {
      promql: missing.slice(0, limit).map((r) => `${seriesName(r.metric)}{${serviceLabel}="${r.service}"}`),
    },
  });
}

async function types(
  prom: PrometheusApi,
  b: ResultBase,
  metrics: MetricDef[],
  limit: number,
): Promise<CheckResult> {
  const metadata = await prom.metadata();
  const problems: string[] = [];
  for (const m of metrics) {
    const entries = metadata[m.name];
    if (!entries?.length) {
      if ((m.presence ?? 'always') === 'always') problems.push(`${m.name}: no metadata`);
      continue;
    }
    const seen = [...new Set(entries.map((e) => e.type))];
    if (!seen.includes(m.type) || seen.length > 1)
      problems.push(`${m.name}: ${seen.join('/')} instead of ${m.type}`);
  }
  return problems.length === 0
    ? result(b, 'pass', {
        expected: `${metrics.length} types`,
        observed: 'all match',
        message: 'every required metric has the catalog type',
      })
    : result(b, 'fail', {
        expected: 'catalog types',
        observed: `${problems.length} mismatches`,
        message: `metric types differ from the catalog: ${problems.slice(0, limit).join('; ')}`,
        evidence: { urls: [`${prom.baseUrl}/api/v1/metadata`] },
      });
}

async function labels(
  prom: PrometheusApi,
  b: ResultBase,
  metrics: MetricDef[],
  serviceLabel: string,
  limit: number,
): Promise<CheckResult> {
  const problems: string[] = [];
  await Promise.all(
    metrics.map(async (m) => {
      const series = await prom.query(ofServices(m, serviceLabel));
      const expected = new Set(m.labels);
      const extra = new Map<string, number>();
      const missing = new Set<string>();
      const badValues = new Map<string, Set<string>>();
      for (const s of series) {
        const names = Object.keys(s.metric).filter(
          (l) => !SCRAPE_LABELS.has(l) && l !== DEFAULT_SERVICE_LABEL,
        );
        for (const l of names) if (!expected.has(l)) extra.set(l, (extra.get(l) ?? 0) + 1);
        for (const l of expected) if (!(l in s.metric)) missing.add(l);
        for (const [l, allowed] of Object.entries(m.allowedValues)) {
          const v = s.metric[l];
          if (v !== undefined && !allowed.includes(v))
            (badValues.get(l) ?? badValues.set(l, new Set()).get(l))?.add(v);
        }
      }
      for (const [l, n] of extra) problems.push(`${m.name} has unexpected label "${l}" (${n} series)`);
      for (const l of missing) problems.push(`${m.name} lacks label "${l}"`);
      for (const [l, values] of badValues) {
        const shown = [...values].slice(0, 5).map((v) => JSON.stringify(v));
        problems.push(
          `${m.name}{${l}} has value(s) ${shown.join(', ')}${values.size > 5 ? ` (+${values.size - 5})` : ''} outside ${JSON.stringify(m.allowedValues[l])}`,
        );
      }
    }),
  );
  problems.sort();
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'catalog labels and values',
        observed: 'all match',
        message: `labels and label values of ${metrics.length} metrics match the catalog`,
      })
    : result(b, 'fail', {
        expected: 'catalog labels and values',
        observed: `${problems.length} problems`,
        message: problems.slice(0, limit).join('; '),
      });
}

/** Naming rules (seed 003, "Standard Metric Types"), checked on every phoenix_* metric Prometheus has. */
export function namingProblems(
  name: string,
  type: string | undefined,
  catalog: MetricDef | undefined,
): string[] {
  const problems: string[] = [];
  if (!/^phoenix_[a-z0-9]+(_[a-z0-9]+)*$/.test(name))
    problems.push(`${name}: not snake_case under the phoenix_ namespace`);
  if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: a counter must end in _total`);
  if (type && type !== 'counter' && name.endsWith('_total'))
    problems.push(`${name}: only counters end in _total (this is a ${type})`);
  if (catalog?.unit && !name.endsWith(`_${catalog.unit}`) && !name.endsWith(`_${catalog.unit}_total`)) {
    problems.push(`${name}: carries ${catalog.unit} but its name does not end in _${catalog.unit}`);
  }
  if (
    !catalog &&
    (type === 'histogram' || type === 'summary') &&
    !UNIT_SUFFIXES.some((u) => name.endsWith(`_${u}`))
  ) {
    problems.push(`${name}: a ${type} must name its unit (_seconds, _bytes, …)`);
  }
  if (!catalog) problems.push(`${name}: not in the catalog`);
  return problems;
}

async function naming(prom: PrometheusApi, b: ResultBase, limit: number): Promise<CheckResult> {
  const [names, metadata] = await Promise.all([prom.labelValues('__name__'), prom.metadata()]);
  // Histogram/summary series are checked through their family name.
  const families = new Set(
    names
      .filter((n) => n.startsWith('phoenix_'))
      .map((n) => (metadata[n] ? n : n.replace(/_(bucket|sum|count)$/, ''))),
  );
  const problems = [...families].sort().flatMap((n) =>
    namingProblems(
      n,
      metadata[n]?.[0]?.type,
      METRICS.find((m) => m.name === n),
    ),
  );
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'conventions hold',
        observed: `${families.size} metrics checked`,
        message: `all ${families.size} phoenix_* metrics follow the naming conventions`,
      })
    : result(b, 'fail', {
        expected: 'conventions hold',
        observed: `${problems.length} violations`,
        message: problems.slice(0, limit).join('; '),
      });
}

async function histograms(prom: PrometheusApi, b: ResultBase, limit: number): Promise<CheckResult> {
  const [buckets, counts] = await Promise.all([
    prom.query('{__name__=~"phoenix_.+_bucket"}'),
    prom.query('{__name__=~"phoenix_.+_count"}'),
  ]);
  const key = (metric: Record<string, string>, name: string) =>
    `${name}{${Object.entries(metric)
      .filter(([k]) => k !== '__name__' && k !== 'le')
      .sort()
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
  const countOf = new Map(
    counts.map((s) => [key(s.metric, (s.metric.__name__ ?? '').replace(/_count$/, '')), Number(s.value[1])]),
  );
  const groups = new Map<string, { le: number; v: number }[]>();
  for (const s of buckets) {
    const k = key(s.metric, (s.metric.__name__ ?? '').replace(/_bucket$/, ''));
    const le = s.metric.le === '+Inf' ? Infinity : Number(s.metric.le);
    (groups.get(k) ?? groups.set(k, []).get(k))?.push({ le, v: Number(s.value[1]) });
  }
  const problems: string[] = [];
  for (const [k, list] of groups) {
    list.sort((x, y) => x.le - y.le);
    const inf = list.find((x) => x.le === Infinity);
    const count = countOf.get(k);
    if (!inf) problems.push(`${k}: no +Inf bucket`);
    else if (count !== undefined && inf.v !== count)
      problems.push(`${k}: +Inf bucket ${inf.v} ≠ _count ${count}`);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1];
      const cur = list[i];
      if (prev && cur && cur.v < prev.v) {
        problems.push(`${k}: bucket le=${cur.le} (${cur.v}) < le=${prev.le} (${prev.v})`);
        break;
      }
    }
  }
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'sane histograms',
        observed: `${groups.size} histogram series`,
        message: `all ${groups.size} histogram series are consistent`,
      })
    : result(b, 'fail', {
        expected: 'sane histograms',
        observed: `${problems.length} inconsistent`,
        message: problems.slice(0, limit).join('; '),
      });
}

async function cardinality(
  prom: PrometheusApi,
  b: ResultBase,
  serviceLabel: string,
  limit: number,
): Promise<CheckResult> {
  const problems: string[] = [];
  await Promise.all(
    METRICS.map(async (m) => {
      for (const s of await prom.query(`count by (${serviceLabel}) (${ofServices(m, serviceLabel)})`)) {
        const n = Number(s.value[1]);
        if (n > m.cardinalityBudget)
          problems.push(
            `${m.name} on ${s.metric[serviceLabel] ?? '?'}: ${n} series (budget ${m.cardinalityBudget})`,
          );
      }
    }),
  );
  problems.sort();
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'within budgets',
        observed: 'all within',
        message: `every catalog metric stays within its per-service series budget`,
      })
    : result(b, 'fail', {
        expected: 'within budgets',
        observed: `${problems.length} over budget`,
        message: `cardinality over budget: ${problems.slice(0, limit).join('; ')}`,
      });
}

async function accounting(
  ctx: ValidationContext,
  prom: PrometheusApi,
  b: ResultBase,
  limit: number,
): Promise<CheckResult> {
  if (!ctx.ledger || !ctx.window) return skipped(b, 'needs a request ledger and the run window');
  const window = ctx.window;
  // window.end is when the load stopped: counters are final once every target was scraped after it.
  const stale = await waitForFinalScrape(prom, window.end, ctx.ingestTimeoutMs);
  const { byKey, total } = await ledgerCounts(ctx);
  const now = new Date();
  const rangeS = Math.ceil((now.getTime() - window.start.getTime()) / 1000) + 120;
  const raw: PromRangeSeries[] = await prom.queryRaw(`${REQUESTS_METRIC}[${rangeS}s]`, now);
  const counted = new Map<string, number>();
  for (const s of raw) {
    const k = `${s.metric.service ?? '?'}|${s.metric.method ?? '?'}|${s.metric.status ?? '?'}`;
    counted.set(k, (counted.get(k) ?? 0) + exactIncrease(s.values, window.start));
  }
  const { entry, downstream } = expectedCounts(byKey);
  const mismatches: string[] = [];
  const compare = (expected: Map<string, number>, service?: ServiceName) => {
    const keys = new Set([
      ...expected.keys(),
      ...[...counted.keys()].filter((k) => k.startsWith(`${service ?? ''}|`)),
    ]);
    for (const k of [...keys].sort()) {
      const want = expected.get(k) ?? 0;
      const got = Math.round(counted.get(k) ?? 0);
      if (want !== got) {
        const [svc, method, status] = k.split('|');
        mismatches.push(
          `${svc} counted ${got} ${method} requests with status ${status}, the ledger implies ${want}`,
        );
      }
    }
  };
  compare(entry, ENTRY_SERVICE);
  if (downstream) {
    for (const svc of new Set([...downstream.keys()].map((k) => k.split('|')[0] as ServiceName))) {
      compare(new Map([...downstream].filter(([k]) => k.startsWith(`${svc}|`))), svc);
    }
  }
  // Per flow, what the entry service counted (all statuses): the "counted" stage of the accounting funnel.
  const perFlow: Record<string, { sent: number; counted: number }> = {};
  for (const [key, n] of byKey) {
    const flow = key.split('|')[0] ?? '?';
    (perFlow[flow] ??= { sent: 0, counted: 0 }).sent += n;
  }
  for (const [key, n] of counted) {
    const [svc, method] = key.split('|');
    if (svc === ENTRY_SERVICE && method && perFlow[method]) perFlow[method].counted += Math.round(n);
  }
  const evidence = { promql: [`${REQUESTS_METRIC}[${rangeS}s]`], ledger: ctx.ledger.path, perFlow };
  const note = downstream
    ? ''
    : ' (downstream services not compared: some requests failed, so their paths are unknown)';
  if (mismatches.length === 0) {
    return result(b, 'pass', {
      expected: `${total} requests`,
      observed: `${total} counted, 0 unaccounted`,
      message: `the services counted exactly the ${total} requests the ledger sent, by status${note}`,
      evidence,
    });
  }
  return result(b, 'fail', {
    expected: `${total} requests`,
    observed: `${mismatches.length} mismatches`,
    message: `${mismatches.slice(0, limit).join('; ')}${stale ? ` (no final scrape seen: ${stale})` : ''}${note}`,
    evidence,
  });
}

/**
 * Waits until Prometheus has scraped `count` phoenix-services targets once (health known), so every
 * counter has a baseline before load starts. Returns the poll outcome; never throws for a timeout.
 */
export function waitForFleetScraped(prom: PrometheusApi | undefined, count: number, timeoutMs: number) {
  return pollUntil({
    description: 'fleet scraped',
    probe: async () => (await prom?.targets()) ?? [],
    until: (t) =>
      t.filter((x) => x.scrapePool === 'phoenix-services' && x.health !== 'unknown').length >= count,
    timeoutMs,
    intervalMs: 250,
  });
}

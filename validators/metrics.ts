import {
  ALERT_RULES,
  FLOWS,
  METRICS,
  SERVICE_NAMES,
  SERVICE_OPERATIONS,
  allowedValuesOn,
  requiredSeries,
  type MetricDef,
  type Phase,
  type ServiceName,
} from '../catalog/index.ts';
import { SERVICE_LABEL, describeLast, pollUntil, type CheckResult, type LedgerEntry } from '../core/index.ts';
import type { PromRangeSeries, PrometheusApi } from './clients/index.ts';
import { DEFAULT_SCRAPE_JOBS, type ValidationContext } from './context.ts';
import { errorMessage, nothingExamined, result, skipped, type ResultBase } from './result.ts';

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

/** What the ledger implies one downstream operation (`service|operation`) counted. */
export interface HopExpectation {
  /** Requests through it that succeeded: each one reached it exactly once and was answered 200. */
  ok: number;
  /** Every request through it, whatever its answer: none reached it more than once. */
  max: number;
  /** Every request through it succeeded, so its counts are exact (200: `ok`, any other status: 0). */
  exact: boolean;
}

/**
 * Requests the ledger implies each service received: the entry service by flow and status (exact),
 * and each fixed hop's callee by operation. A failed request stops somewhere along its path, so a
 * hop some failed request went through is bounded (at least its successful requests, at most one
 * per request) instead of exact: the hops stay compared after a 5xx.
 */
export function expectedCounts(ledger: Map<string, number>): {
  entry: Map<string, number>;
  downstream: Map<string, HopExpectation>;
} {
  const entry = new Map<string, number>();
  const downstream = new Map<string, HopExpectation>();
  for (const [key, n] of ledger) {
    const [flowName, status = ''] = key.split('|');
    if (status !== '0') entry.set(`${ENTRY_SERVICE}|${flowName}|${status}`, n); // 0: no answer, counted or not
    const flow = FLOWS.find((f) => f.name === flowName);
    if (!flow) continue;
    const ok = status.startsWith('2');
    for (const hop of flow.hops) {
      const op = FLOW_HOP_OPERATION.get(`${flow.name}|${hop.from}|${hop.to}`);
      if (!op) continue;
      const k = `${hop.to}|${op}`;
      const h = downstream.get(k) ?? { ok: 0, max: 0, exact: true };
      if (ok) h.ok += n;
      else h.exact = false;
      h.max += n;
      downstream.set(k, h);
    }
  }
  return { entry, downstream };
}

/** Mismatches of one downstream service's counters (`service|operation|status` → count) with the ledger. */
export function downstreamMismatches(
  service: string,
  expected: Map<string, HopExpectation>,
  counted: Map<string, number>,
): string[] {
  const mismatches: string[] = [];
  const mine = [...counted].filter(([k]) => k.startsWith(`${service}|`));
  const ops = new Set([
    ...[...expected.keys()].filter((k) => k.startsWith(`${service}|`)).map((k) => k.split('|')[1] ?? ''),
    ...mine.map(([k]) => k.split('|')[1] ?? ''),
  ]);
  for (const op of [...ops].sort()) {
    const h = expected.get(`${service}|${op}`) ?? { ok: 0, max: 0, exact: true };
    const byStatus = new Map(
      mine.filter(([k]) => k.split('|')[1] === op).map(([k, n]) => [k.split('|')[2] ?? '?', Math.round(n)]),
    );
    if (h.exact) {
      for (const status of [...new Set(['200', ...byStatus.keys()])].sort()) {
        const want = status === '200' ? h.ok : 0;
        const got = byStatus.get(status) ?? 0;
        if (want !== got)
          mismatches.push(
            `${service} counted ${got} ${op} requests with status ${status}, the ledger implies ${want}`,
          );
      }
      continue;
    }
    const ok = byStatus.get('200') ?? 0;
    const all = [...byStatus.values()].reduce((a, n) => a + n, 0);
    if (ok < h.ok)
      mismatches.push(
        `${service} counted ${ok} ${op} requests with status 200, the ledger implies at least ${h.ok} (its successful requests)`,
      );
    if (all > h.max)
      mismatches.push(
        `${service} counted ${all} ${op} requests, the ledger allows at most ${h.max} (one per request whose flow calls it: a retried hop?)`,
      );
  }
  return mismatches;
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

/** Waits until every target of the services' job has been scraped after `after`, so counters are final. */
async function waitForFinalScrape(
  prom: PrometheusApi,
  after: Date,
  timeoutMs: number,
  servicesJob: string,
): Promise<string | undefined> {
  const outcome = await pollUntil({
    description: 'a scrape after the load stopped',
    probe: async () => (await prom.targets()).filter((t) => t.scrapePool === servicesJob),
    // A scrape that failed (timed out on a busy machine) brings no counts: wait for one that succeeded.
    until: (targets) =>
      targets.length > 0 &&
      targets.every((t) => t.health === 'up' && new Date(t.lastScrape).getTime() > after.getTime()),
    timeoutMs,
    intervalMs: 500,
  });
  return outcome.ok
    ? undefined
    : describeLast(
        outcome,
        (t) =>
          `${t.length} targets, oldest scrape ${t.map((x) => x.lastScrape).sort()[0] ?? '-'}, ${t.filter((x) => x.health !== 'up').length} not up`,
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
  const serviceLabel = ctx.serviceLabel ?? SERVICE_LABEL;
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
    guard(ids.targets, () => targetsUp(prom, ids.targets, serviceLabel, limit, ctx.ingestTimeoutMs)),
    guard(ids.presence, () => presence(ctx, prom, ids.presence, required, serviceLabel, limit)),
    guard(ids.types, () => types(prom, ids.types, requiredMetrics, limit)),
    guard(ids.labels, () => labels(prom, ids.labels, requiredMetrics, serviceLabel, limit)),
    guard(ids.naming, () => naming(prom, ids.naming, limit)),
    guard(ids.histograms, () => histograms(prom, ids.histograms, limit)),
    guard(ids.cardinality, () => cardinality(prom, ids.cardinality, serviceLabel, limit)),
    guard(ids.accounting, () => accounting(ctx, prom, ids.accounting, limit)),
  ]);
}

/**
 * Every target up. A scrape that timed out once on a saturated machine is not a dead target: the
 * check polls until all are up or the ingest deadline passes, and reports the last state seen.
 */
async function targetsUp(
  prom: PrometheusApi,
  b: ResultBase,
  serviceLabel: string,
  limit: number,
  timeoutMs: number,
): Promise<CheckResult> {
  // The harness's own probe targets come and go during a run; they are not Phoenix's.
  const outcome = await pollUntil({
    description: 'every scrape target up',
    probe: async () => (await prom.targets()).filter((t) => t.scrapePool !== 'harness-probes'),
    until: (list) => list.length > 0 && list.every((t) => t.health === 'up'),
    timeoutMs,
    intervalMs: 500,
  });
  if (outcome.last === undefined) throw outcome.lastError;
  const targets = outcome.last;
  if (targets.length === 0)
    return nothingExamined(b, {
      expected: 'all targets up',
      message: `Prometheus at ${prom.baseUrl} lists no scrape targets: nothing was scraped, so no target can be up`,
      evidence: { urls: [`${prom.baseUrl}/targets`] },
    });
  const down = targets.filter((t) => t.health !== 'up');
  const examined = targets.length;
  if (down.length === 0) {
    return result(b, 'pass', {
      expected: 'all targets up',
      observed: `${targets.length} up`,
      message: `all ${targets.length} scrape targets are up`,
      examined,
    });
  }
  const list = down
    .slice(0, limit)
    .map(
      (t) =>
        `${t.scrapePool} ${t.labels.instance ?? t.scrapeUrl}${t.labels[serviceLabel] ? ` (${t.labels[serviceLabel]})` : ''}: ${t.health}${t.lastError ? `, ${t.lastError}` : ''}`,
    );
  return result(b, 'fail', {
    expected: 'all targets up',
    observed: `${down.length} of ${targets.length} down`,
    message: `${down.length} scrape target(s) not up after ${(outcome.elapsedMs / 1000).toFixed(1)}s: ${list.join('; ')}`,
    evidence: { urls: [`${prom.baseUrl}/targets`] },
    examined,
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
      examined: wanted.length,
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
    examined: wanted.length,
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
  const examined = metrics.filter((m) => metadata[m.name]?.length).length;
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
        examined,
      })
    : result(b, 'fail', {
        expected: 'catalog types',
        observed: `${problems.length} mismatches`,
        message: `metric types differ from the catalog: ${problems.slice(0, limit).join('; ')}`,
        evidence: { urls: [`${prom.baseUrl}/api/v1/metadata`] },
        examined,
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
  let examined = 0;
  await Promise.all(
    metrics.map(async (m) => {
      const series = await prom.query(ofServices(m, serviceLabel));
      examined += series.length;
      const expected = new Set(m.labels);
      const extra = new Map<string, number>();
      const missing = new Set<string>();
      const badValues = new Map<string, Set<string>>();
      const mislabelled = new Map<string, number>();
      for (const s of series) {
        const names = Object.keys(s.metric).filter(
          (l) => !SCRAPE_LABELS.has(l) && l !== SERVICE_LABEL && l !== serviceLabel,
        );
        // A service names itself in `service`: it must be the target Prometheus scraped the series from.
        const target = s.metric[serviceLabel];
        const own = s.metric.service;
        if (target && own !== undefined && (SERVICE_NAMES as readonly string[]).includes(target)) {
          const self = allowedValuesOn(m, 'service', target as ServiceName);
          if (self?.length === 1 && self[0] === target && own !== target) {
            const k = `${target}|${own}`;
            mislabelled.set(k, (mislabelled.get(k) ?? 0) + 1);
          }
        }
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
      for (const [k, n] of mislabelled) {
        const [target, own] = k.split('|');
        problems.push(
          `${m.name} scraped from ${target} (${serviceLabel}) says service="${own}" (${n} series): a service must name itself`,
        );
      }
      for (const [l, values] of badValues) {
        const shown = [...values].slice(0, 5).map((v) => JSON.stringify(v));
        problems.push(
          `${m.name}{${l}} has value(s) ${shown.join(', ')}${values.size > 5 ? ` (+${values.size - 5})` : ''} outside ${JSON.stringify(m.allowedValues[l])}`,
        );
      }
    }),
  );
  problems.sort();
  if (examined === 0)
    return nothingExamined(b, {
      expected: 'catalog labels and values',
      message: `Prometheus at ${prom.baseUrl} has no series of the ${metrics.length} required metrics with a ${serviceLabel} label: no labels to check`,
      evidence: { promql: metrics.slice(0, 3).map((m) => ofServices(m, serviceLabel)) },
    });
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'catalog labels and values',
        observed: 'all match',
        message: `labels and label values of ${metrics.length} metrics (${examined} series) match the catalog`,
        examined,
      })
    : result(b, 'fail', {
        expected: 'catalog labels and values',
        observed: `${problems.length} problems`,
        message: problems.slice(0, limit).join('; '),
        examined,
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
  const examined = families.size;
  if (examined === 0)
    return nothingExamined(b, {
      expected: 'conventions hold',
      message: `Prometheus at ${prom.baseUrl} has no phoenix_* metric: no metric name to check`,
      evidence: { urls: [`${prom.baseUrl}/api/v1/label/__name__/values`] },
    });
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'conventions hold',
        observed: `${families.size} metrics checked`,
        message: `all ${families.size} phoenix_* metrics follow the naming conventions`,
        examined,
      })
    : result(b, 'fail', {
        expected: 'conventions hold',
        observed: `${problems.length} violations`,
        message: problems.slice(0, limit).join('; '),
        examined,
      });
}

async function histograms(prom: PrometheusApi, b: ResultBase, limit: number): Promise<CheckResult> {
  // One query for buckets and counts: Prometheus' head isolation shows it whole scrapes, where two
  // queries could straddle a scrape and compare a bucket of one with the count of the next.
  const both = await prom.query('{__name__=~"phoenix_.+_(bucket|count)"}');
  const buckets = both.filter((s) => s.metric.__name__?.endsWith('_bucket'));
  const counts = both.filter((s) => s.metric.__name__?.endsWith('_count'));
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
  const examined = groups.size;
  if (examined === 0)
    return nothingExamined(b, {
      expected: 'sane histograms',
      message: `Prometheus at ${prom.baseUrl} has no phoenix_*_bucket series: no histogram to check`,
      evidence: { promql: ['{__name__=~"phoenix_.+_bucket"}'] },
    });
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'sane histograms',
        observed: `${groups.size} histogram series`,
        message: `all ${groups.size} histogram series are consistent`,
        examined,
      })
    : result(b, 'fail', {
        expected: 'sane histograms',
        observed: `${problems.length} inconsistent`,
        message: problems.slice(0, limit).join('; '),
        examined,
      });
}

async function cardinality(
  prom: PrometheusApi,
  b: ResultBase,
  serviceLabel: string,
  limit: number,
): Promise<CheckResult> {
  const problems: string[] = [];
  // (metric, service) groups measured: none means no catalog metric reached Prometheus at all.
  let examined = 0;
  await Promise.all(
    METRICS.map(async (m) => {
      for (const s of await prom.query(`count by (${serviceLabel}) (${ofServices(m, serviceLabel)})`)) {
        examined += 1;
        const n = Number(s.value[1]);
        if (n > m.cardinalityBudget)
          problems.push(
            `${m.name} on ${s.metric[serviceLabel] ?? '?'}: ${n} series (budget ${m.cardinalityBudget})`,
          );
      }
    }),
  );
  problems.sort();
  if (examined === 0)
    return nothingExamined(b, {
      expected: 'within budgets',
      message: `Prometheus at ${prom.baseUrl} has no series of any catalog metric with a ${serviceLabel} label: no cardinality to measure`,
    });
  return problems.length === 0
    ? result(b, 'pass', {
        expected: 'within budgets',
        observed: 'all within',
        message: `every catalog metric stays within its per-service series budget (${examined} metric and service pairs)`,
        examined,
      })
    : result(b, 'fail', {
        expected: 'within budgets',
        observed: `${problems.length} over budget`,
        message: `cardinality over budget: ${problems.slice(0, limit).join('; ')}`,
        examined,
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
  const stale = await waitForFinalScrape(
    prom,
    window.end,
    ctx.ingestTimeoutMs,
    ctx.scrapeJobs?.services ?? DEFAULT_SCRAPE_JOBS.services,
  );
  const { byKey, total } = await ledgerCounts(ctx);
  if (total === 0)
    return nothingExamined(b, {
      expected: 'the ledger’s requests, counted',
      message: `the ledger ${ctx.ledger.path} holds no requests: no traffic was sent, so there is nothing to account for`,
      evidence: { ledger: ctx.ledger.path },
    });
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
  const compare = (expected: Map<string, number>, service: ServiceName) => {
    const keys = new Set([
      ...expected.keys(),
      ...[...counted.keys()].filter((k) => k.startsWith(`${service}|`)),
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
  for (const svc of new Set([...downstream.keys()].map((k) => k.split('|')[0] ?? '')))
    mismatches.push(...downstreamMismatches(svc, downstream, counted));
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
  const bounded = [...downstream].filter(([, h]) => !h.exact).map(([k]) => k.replace('|', ' '));
  const note = bounded.length
    ? ` (after failed requests, ${bounded.length} downstream operation(s) were compared within bounds, not exactly: ${bounded.slice(0, 3).join(', ')}${bounded.length > 3 ? ', …' : ''})`
    : '';
  if (mismatches.length === 0) {
    return result(b, 'pass', {
      expected: `${total} requests`,
      observed: `${total} counted, 0 unaccounted`,
      message: `the services counted exactly the ${total} requests the ledger sent, by status${note}`,
      evidence,
      examined: total,
    });
  }
  return result(b, 'fail', {
    expected: `${total} requests`,
    observed: `${mismatches.length} mismatches`,
    message: `${mismatches.slice(0, limit).join('; ')}${stale ? ` (no final scrape seen: ${stale})` : ''}${note}`,
    evidence,
    examined: total,
  });
}

/**
 * The events come from the live alert drills, which start at the phase of the first alert with a
 * trigger: before it nothing produces them, so the check is informational there, not a required skip.
 */
const FIRST_DRILL_PHASE = Math.min(
  ...ALERT_RULES.filter((a) => a.trigger !== undefined).map((a) => a.phase),
) as Phase;

/**
 * The post-drill pass (run after the live alert drills, cli/run-validation.ts): metrics that appear
 * only on an event (`presence: 'on-event'`: a breaker transition, an error) are absent when the
 * first pass runs, so their type and labels are checked here, once the drills have produced them.
 */
export async function metricsOnEventCheck(ctx: ValidationContext): Promise<CheckResult[]> {
  const b = base(
    'on-event',
    'Metrics that appear only on events have the catalog type and labels once the drills produced them',
    FIRST_DRILL_PHASE,
  );
  const prom = ctx.clients.prometheus;
  if (!prom) return [skipped(b, 'needs the Prometheus endpoint')];
  const serviceLabel = ctx.serviceLabel ?? SERVICE_LABEL;
  const limit = ctx.exampleLimit ?? 10;
  const onEvent = [
    ...new Map(
      requiredSeries(ctx.phase)
        .filter((r) => r.metric.presence === 'on-event')
        .map((r) => [r.metric.name, r.metric]),
    ).values(),
  ];
  if (onEvent.length === 0) return [skipped(b, `no on-event metric is required at phase ${ctx.phase}`)];
  try {
    const seen = await Promise.all(
      onEvent.map(async (m) => ((await prom.query(ofServices(m, serviceLabel))).length > 0 ? m : undefined)),
    );
    const present = seen.filter((m): m is MetricDef => m !== undefined);
    const absent = onEvent.filter((m) => !present.includes(m)).map((m) => m.name);
    const source = ctx.fleet ? 'after the alert drills' : `in Prometheus at ${prom.baseUrl}`;
    if (present.length === 0)
      return [
        skipped(
          b,
          `none of the ${onEvent.length} on-event metrics has a series ${source} (${absent.join(', ')}): their type and labels cannot be checked`,
        ),
      ];
    const [t, l] = await Promise.all([
      types(prom, b, present, limit),
      labels(prom, b, present, serviceLabel, limit),
    ]);
    const failed = [t, l].filter((r) => r.status !== 'pass');
    const names = present.map((m) => m.name).join(', ');
    const absentNote = absent.length ? ` (not produced, so not checked: ${absent.join(', ')})` : '';
    return [
      failed.length === 0
        ? result(b, 'pass', {
            expected: 'catalog types and labels',
            observed: `${present.length} of ${onEvent.length} present, all match`,
            message: `type and labels of ${present.length} on-event metric(s) match the catalog ${source}: ${names}${absentNote}`,
            examined: present.length,
          })
        : result(b, failed.some((r) => r.status === 'error') ? 'error' : 'fail', {
            expected: 'catalog types and labels',
            observed: failed.map((r) => r.observed).join('; '),
            message: `on-event metrics checked ${source}: ${failed.map((r) => r.message).join('; ')}${absentNote}`,
            examined: present.length,
          }),
    ];
  } catch (error) {
    return [
      result(b, 'error', {
        expected: '-',
        observed: errorMessage(error),
        message: `${b.title}: could not query Prometheus: ${errorMessage(error)}`,
      }),
    ];
  }
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

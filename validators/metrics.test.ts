import { describe, expect, it } from 'vitest';
import { requiredSeries, type MetricDef, type ServiceName } from '../catalog/index.ts';
import { ledgerFromEntries, type LedgerEntry } from '../core/index.ts';
import type { PromTarget } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { exactIncrease, metricsCheck, namingProblems } from './metrics.ts';
import { FakePrometheus } from './testing/fake-prometheus.ts';

const NOW = Date.now() / 1000;
const START = new Date((NOW - 60) * 1000);

/** Series a correct fleet would expose for every required (metric, service) pair. */
function healthyFleet(phase: 1 | 2 | 3 | 4 = 2): FakePrometheus {
  const prom = new FakePrometheus();
  const labelsFor = (m: MetricDef, service: ServiceName) => {
    const labels: Record<string, string> = {
      phoenix_service: service,
      job: 'phoenix-services',
      instance: `${service}:8080`,
    };
    for (const l of m.labels) {
      const allowed = m.allowedValues[l];
      labels[l] =
        l === 'service' && (!allowed || allowed.includes(service)) ? service : (allowed?.[0] ?? 'x');
    }
    return labels;
  };
  for (const { metric: m, service } of requiredSeries(phase)) {
    const labels = labelsFor(m, service);
    if (m.type === 'histogram') {
      for (const le of [...(m.buckets ?? [1]).map(String), '+Inf'])
        prom.add(`${m.name}_bucket`, { ...labels, le }, 3, 'histogram');
      prom.add(`${m.name}_count`, labels, 3, 'histogram');
      prom.add(`${m.name}_sum`, labels, 1.5, 'histogram');
    } else if (m.name === 'phoenix_service_requests_total') {
      // Every service has request counters; the tests add traffic for the ones a flow reaches.
      if (service !== 'orchestrator-service' && service !== 'data-router')
        requests(prom, service, 'query', '200', 0, 0);
    } else {
      prom.add(m.name, labels, 1, m.type);
    }
  }
  prom.targetList = [
    {
      labels: { instance: 'o:1', phoenix_service: 'orchestrator-service' },
      scrapePool: 'phoenix-services',
      scrapeUrl: 'http://o:1/metrics',
      health: 'up',
      lastError: '',
      lastScrape: new Date().toISOString(),
    },
  ];
  return prom;
}

function requests(
  prom: FakePrometheus,
  service: ServiceName,
  method: string,
  status: string,
  before: number,
  after: number,
): void {
  prom.add(
    'phoenix_service_requests_total',
    { service, method, status, phoenix_service: service, job: 'phoenix-services' },
    [
      [NOW - 90, before],
      [NOW - 1, after],
    ],
    'counter',
  );
}

function ledger(n: number, flow: LedgerEntry['flow'] = 'kb_query', status = 200): LedgerEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    traceId: `${i}`.padStart(32, '0'),
    correlationId: `r-${i}`,
    flow,
    status,
    startMs: 0,
    durationMs: 1,
  }));
}

function ctx(prom: FakePrometheus, entries: LedgerEntry[] = [], phase: 1 | 2 = 2): ValidationContext {
  return {
    runId: 'r',
    phase,
    endpoints: {},
    clients: { prometheus: prom },
    ingestTimeoutMs: 300,
    ledger: ledgerFromEntries(entries),
    window: { start: START, end: new Date(Date.now() - 5_000) },
  };
}

/** kb_query at steady state: orchestrator and data-router each counted every request once. */
function withKbQueryTraffic(prom: FakePrometheus, n: number, factor = 1): FakePrometheus {
  requests(prom, 'orchestrator-service', 'kb_query', '200', 10, 10 + n * factor);
  requests(prom, 'data-router', 'route', '200', 10, 10 + n);
  return prom;
}

/** reflection's scrape target, down with `lastError`. */
const downReflection = (lastError: string): PromTarget => ({
  labels: { instance: '127.0.0.1:9', phoenix_service: 'reflection' },
  scrapePool: 'phoenix-services',
  scrapeUrl: 'http://127.0.0.1:9/metrics',
  health: 'down',
  lastError,
  lastScrape: new Date().toISOString(),
});

const find = async (c: ValidationContext, id: string) => (await metricsCheck(c)).find((r) => r.id === id);

describe('exactIncrease', () => {
  const start = new Date(100_000);
  it('subtracts the baseline sample at or before the window start', () => {
    expect(
      exactIncrease(
        [
          [90, '5'],
          [100, '7'],
          [110, '12'],
        ],
        start,
      ),
    ).toBe(5);
  });
  it('counts a series born inside the window from zero', () => {
    expect(
      exactIncrease(
        [
          [105, '3'],
          [110, '4'],
        ],
        start,
      ),
    ).toBe(4);
  });
  it('adds the new value after a counter reset', () => {
    expect(
      exactIncrease(
        [
          [95, '10'],
          [105, '15'],
          [110, '2'],
          [115, '6'],
        ],
        start,
      ),
    ).toBe(11);
  });
});

describe('namingProblems', () => {
  it('requires counters to end in _total and units in names', () => {
    expect(namingProblems('phoenix_x_requests', 'counter', undefined)).toContain(
      'phoenix_x_requests: a counter must end in _total',
    );
    expect(namingProblems('phoenix_x_latency', 'histogram', undefined)).toContain(
      'phoenix_x_latency: a histogram must name its unit (_seconds, _bytes, …)',
    );
  });
});

describe('metricsCheck', () => {
  it('passes on a healthy fleet whose counters match the ledger exactly', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 40);
    const results = await metricsCheck(ctx(prom, ledger(40)));
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
  });

  it('fails accounting when a service double-counts, naming the service, operation and numbers', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 40, 2);
    const r = await find(ctx(prom, ledger(40)), 'metrics.accounting');
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(
      'orchestrator-service counted 80 kb_query requests with status 200, the ledger implies 40',
    );
  });

  it('does not take a failed scrape after the load for the final counts, and says so', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 39);
    // Scraped after the load stopped, but the scrape timed out: the last request was never counted.
    Object.assign(prom.targetList[0] ?? {}, { health: 'down', lastError: 'context deadline exceeded' });
    const r = await find(ctx(prom, ledger(40)), 'metrics.accounting');
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      /orchestrator-service counted 39 kb_query requests with status 200, the ledger implies 40.*\(no final scrape seen: 1 targets, oldest scrape \S+, 1 not up\)/,
    );
  });

  it('fails presence naming a dropped metric and the service that should expose it', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    prom.data = prom.data.filter((s) => s.labels.__name__ !== 'phoenix_data_router_requests_total');
    const r = await find(ctx(prom, ledger(1)), 'metrics.presence');
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain('phoenix_data_router_requests_total on data-router');
  });

  it('fails labels on a value outside the allowed set and on an unexpected label', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    prom.add(
      'phoenix_data_router_requests_total',
      { target_service: 'warp-drive', status: '200', phoenix_service: 'data-router' },
      1,
      'counter',
    );
    prom.add(
      'phoenix_llm_queue_depth',
      { priority: 'high', request_id: 'abc123', phoenix_service: 'llm-service' },
      1,
      'gauge',
    );
    const r = await find(ctx(prom, ledger(1)), 'metrics.labels');
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(
      'phoenix_data_router_requests_total{target_service} has value(s) "warp-drive" outside',
    );
    expect(r?.message).toContain('phoenix_llm_queue_depth has unexpected label "request_id"');
  });

  it('fails cardinality when a per-request label explodes the series count', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    for (let i = 0; i < 100; i++)
      prom.add(
        'phoenix_llm_queue_depth',
        { priority: 'high', request_id: `r${i}`, phoenix_service: 'llm-service' },
        1,
        'gauge',
      );
    const r = await find(ctx(prom, ledger(1)), 'metrics.cardinality');
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(/phoenix_llm_queue_depth on llm-service: \d+ series \(budget \d+\)/);
  });

  it('fails the histogram check when +Inf and _count disagree', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    const inf = prom.data.find(
      (s) =>
        s.labels.__name__ === 'phoenix_service_request_duration_seconds_bucket' && s.labels.le === '+Inf',
    );
    if (inf) inf.samples = [[NOW, 99]];
    const r = await find(ctx(prom, ledger(1)), 'metrics.histograms');
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(/phoenix_service_request_duration_seconds\{.*\}: \+Inf bucket 99 ≠ _count 3/);
  });

  it('fails when a target is down, naming it and the scrape error', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    prom.targetList.push(downReflection('server returned HTTP status 503'));
    const r = await find(ctx(prom, ledger(1)), 'metrics.targets');
    expect(r?.status).toBe('fail');
    expect(r?.message).toContain(
      'phoenix-services 127.0.0.1:9 (reflection): down, server returned HTTP status 503',
    );
  });

  it('passes a target whose one scrape timed out on a busy machine once the next scrape is up', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    const target = downReflection('Get "http://127.0.0.1:9/metrics": context deadline exceeded');
    prom.targetList.push(target);
    let reads = 0;
    const targets = prom.targets.bind(prom);
    prom.targets = async () => {
      reads += 1;
      if (reads === 2) Object.assign(target, { health: 'up', lastError: '' });
      return targets();
    };
    const r = await find(ctx(prom, ledger(1)), 'metrics.targets');
    expect(r?.status).toBe('pass');
    expect(r?.message).toBe('all 2 scrape targets are up');
  });

  it('fails a target still down at the deadline, with how long it waited', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    prom.targetList.push(downReflection('context deadline exceeded'));
    const r = await find(ctx(prom, ledger(1)), 'metrics.targets');
    expect(r?.message).toMatch(
      /^1 scrape target\(s\) not up after 0\.\ds: phoenix-services 127\.0\.0\.1:9 \(reflection\): down, context deadline exceeded$/,
    );
  });

  it("names a down target by the configured service label (staging's job)", async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 1);
    prom.targetList.push({
      labels: { instance: '10.0.0.7:8080', job: 'reflection' },
      scrapePool: 'kubernetes-pods',
      scrapeUrl: 'http://10.0.0.7:8080/metrics',
      health: 'down',
      lastError: 'context deadline exceeded',
      lastScrape: new Date().toISOString(),
    });
    const r = await find({ ...ctx(prom, ledger(1)), serviceLabel: 'job' }, 'metrics.targets');
    expect(r?.message).toContain(
      'kubernetes-pods 10.0.0.7:8080 (reflection): down, context deadline exceeded',
    );
  });
});

describe('metricsCheck on empty evidence: examined nothing is a failure, never a pass', () => {
  const empty = () => new FakePrometheus();
  const at = 'http://fake-prometheus';

  it('fails targets when Prometheus lists no scrape target', async () => {
    const r = await find(ctx(empty(), ledger(1)), 'metrics.targets');
    expect(r).toMatchObject({ status: 'fail', examined: 0 });
    expect(r?.message).toBe(
      `Prometheus at ${at} lists no scrape targets: nothing was scraped, so no target can be up`,
    );
  });

  it('fails labels when no required metric has a series', async () => {
    const r = await find(ctx(empty(), ledger(1)), 'metrics.labels');
    expect(r).toMatchObject({ status: 'fail', examined: 0 });
    expect(r?.message).toMatch(
      new RegExp(
        `^Prometheus at ${at} has no series of the \\d+ required metrics with a phoenix_service label: no labels to check$`,
      ),
    );
  });

  it('fails naming when Prometheus has no phoenix_* metric', async () => {
    const r = await find(ctx(empty(), ledger(1)), 'metrics.naming');
    expect(r).toMatchObject({ status: 'fail', examined: 0 });
    expect(r?.message).toBe(`Prometheus at ${at} has no phoenix_* metric: no metric name to check`);
  });

  it('fails histograms when there is no phoenix_*_bucket series', async () => {
    const r = await find(ctx(empty(), ledger(1)), 'metrics.histograms');
    expect(r).toMatchObject({ status: 'fail', examined: 0 });
    expect(r?.message).toBe(`Prometheus at ${at} has no phoenix_*_bucket series: no histogram to check`);
  });

  it('fails cardinality when no catalog metric has a series', async () => {
    const r = await find(ctx(empty(), ledger(1)), 'metrics.cardinality');
    expect(r).toMatchObject({ status: 'fail', examined: 0 });
    expect(r?.message).toBe(
      `Prometheus at ${at} has no series of any catalog metric with a phoenix_service label: no cardinality to measure`,
    );
  });

  it('fails accounting when the ledger holds no requests', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 0);
    const r = await find(ctx(prom, []), 'metrics.accounting');
    expect(r).toMatchObject({ status: 'fail', examined: 0 });
    expect(r?.message).toBe(
      'the ledger (in memory) holds no requests: no traffic was sent, so there is nothing to account for',
    );
  });

  it('fails presence and types when Prometheus has nothing (they already did: an absent metric is named)', async () => {
    const results = await metricsCheck(ctx(empty(), ledger(1), 1));
    const presence = results.find((r) => r.id === 'metrics.presence');
    expect(presence?.status).toBe('fail');
    expect(presence?.message).toMatch(/^\d+ required metric series missing: /);
    expect(results.find((r) => r.id === 'metrics.types')).toMatchObject({ status: 'fail', examined: 0 });
  });

  it('records how many items each check examined on a healthy fleet', async () => {
    const prom = withKbQueryTraffic(healthyFleet(), 40);
    const results = await metricsCheck(ctx(prom, ledger(40)));
    for (const r of results) expect(r.examined, r.id).toBeGreaterThan(0);
    expect(results.find((r) => r.id === 'metrics.accounting')?.examined).toBe(40);
    expect(results.find((r) => r.id === 'metrics.targets')?.examined).toBe(1);
  });
});

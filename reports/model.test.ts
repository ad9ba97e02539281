import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../core/index.ts';
import {
  LatencyAccumulator,
  REDACTED,
  latencyFromLedger,
  latencyFromLedgerStream,
  redactSecrets,
  runReportSchema,
} from './model.ts';
import { sampleLedger, sampleRunReport } from './testing/sample-report.ts';

const T0 = Date.UTC(2026, 0, 1);

function entry(startOffsetMs: number, durationMs: number, status = 200): LedgerEntry {
  return {
    traceId: 't',
    correlationId: 'c',
    flow: 'kb_query',
    status,
    startMs: T0 + startOffsetMs,
    durationMs,
  };
}

/** Exact nearest-rank percentile, to compare the bucketed estimate with. */
function exact(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] ?? 0;
}

describe('runReportSchema', () => {
  it('accepts the sample report', () => {
    expect(runReportSchema.safeParse(sampleRunReport()).success).toBe(true);
  });

  it('keeps the metric inventory a baseline comparison reads', () => {
    const inventory = { phoenix_http_requests_total: { labels: ['service', 'status'], series: 42 } };
    expect(runReportSchema.parse(sampleRunReport({ inventory })).inventory).toEqual(inventory);
  });

  it('rejects another schema version, a bad status and a phase out of range, naming the field', () => {
    const report = sampleRunReport();
    const bad = {
      ...report,
      schemaVersion: 3,
      phase: 5,
      checks: [{ ...report.checks[0], status: 'passed' }],
    };
    const result = runReportSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['schemaVersion', 'phase', 'checks.0.status']));
  });
});

describe('latencyFromLedger', () => {
  it('is undefined without requests', () => {
    expect(latencyFromLedger([])).toBeUndefined();
  });

  it('buckets by the second a request started, counting requests and failures per second', () => {
    const latency = latencyFromLedger([
      entry(100, 10),
      entry(900, 30, 503),
      entry(2_000, 20),
      entry(2_500, 40, 0),
      entry(2_999, 50, 404),
    ]);
    expect(latency?.points.map((p) => [p.t - T0, p.rps, p.errors])).toEqual([
      [0, 2, 1],
      [2_000, 3, 2],
    ]);
    expect(latency?.requests).toBe(5);
    expect(latency?.errorRate).toBeCloseTo(3 / 5);
  });

  it('estimates percentiles within 3% of the exact values, never outside the min and max seen', () => {
    const ledger = sampleLedger();
    const durations = ledger.map((e) => e.durationMs);
    const latency = latencyFromLedger(ledger);
    for (const [p, estimate] of [
      [0.5, latency?.p50Ms],
      [0.95, latency?.p95Ms],
      [0.99, latency?.p99Ms],
    ] as const) {
      const want = exact(durations, p);
      expect(Math.abs((estimate ?? 0) - want) / want).toBeLessThan(0.03);
    }
    const single = latencyFromLedger([entry(0, 123.456)]);
    expect(single?.points[0]).toMatchObject({ p50: 123.456, p95: 123.456, p99: 123.456 });
  });

  it('builds a log histogram whose counts add up to the requests, on rounded bucket edges', () => {
    const latency = latencyFromLedger([
      entry(0, 0),
      entry(0, 0.4),
      entry(0, 9.9),
      entry(0, 10),
      entry(0, 10.1),
      entry(0, 950),
    ]);
    const histogram = latency?.histogram ?? [];
    expect(histogram.reduce((sum, b) => sum + b.count, 0)).toBe(6);
    const edges = histogram.map((b) => b.leMs);
    expect(edges).toEqual([...edges].sort((a, b) => a - b));
    expect(edges).toContain(10);
    expect(edges).toContain(12.5);
    expect(edges).toContain(1000);
    // 10 ms is in the bucket ending at 10, 10.1 ms in the next one.
    expect(histogram.find((b) => b.leMs === 10)?.count).toBe(2);
    expect(histogram.find((b) => b.leMs === 12.5)?.count).toBe(1);
    expect(histogram.find((b) => b.leMs === 1000)?.count).toBe(1);
  });

  it('streams 100k requests in one pass, with memory bounded by seconds, not requests', async () => {
    async function* ledger(): AsyncIterable<LedgerEntry> {
      for (let i = 0; i < 100_000; i++) yield entry(i * 6, 5 + (i % 997) / 10, i % 1000 === 0 ? 500 : 200);
    }
    const started = Date.now();
    const latency = await latencyFromLedgerStream(ledger());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(latency?.requests).toBe(100_000);
    expect(latency?.points).toHaveLength(600);
    expect(latency?.points.every((p) => p.rps > 0 && p.p50 <= p.p95 && p.p95 <= p.p99)).toBe(true);
    expect(latency?.errorRate).toBeCloseTo(0.001);
    // The accumulator's state is per-second sparse buckets: a few hundred entries at most each.
    const acc = new LatencyAccumulator();
    for (let i = 0; i < 10_000; i++) acc.add(entry(0, 1 + i / 100));
    const buckets = (
      acc as unknown as { perSecond: Map<number, { buckets: Map<number, number> }> }
    ).perSecond.get(T0)?.buckets;
    expect(buckets?.size).toBeLessThan(200);
  });
});

describe('redactSecrets', () => {
  it('masks secret-looking keys and URL passwords, keeps everything else', () => {
    const config = {
      outDir: 'out',
      stack: {
        external: {
          prometheus: 'https://user:s3cret@prom.example:9090/',
          headers: { loki: { Authorization: 'Bearer abc', 'X-Scope-OrgID': 'tenant-1' } },
        },
      },
      grafana: { password: 'admin', apiKey: 'k', token: '' },
      list: [{ secret: 'x' }],
    };
    expect(redactSecrets(config)).toEqual({
      outDir: 'out',
      stack: {
        external: {
          prometheus: `https://user:${REDACTED}@prom.example:9090/`,
          headers: { loki: { Authorization: REDACTED, 'X-Scope-OrgID': 'tenant-1' } },
        },
      },
      grafana: { password: REDACTED, apiKey: REDACTED, token: '' },
      list: [{ secret: REDACTED }],
    });
    expect(config.grafana.password).toBe('admin');
  });
});

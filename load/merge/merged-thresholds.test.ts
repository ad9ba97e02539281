import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { requestsOf, writeK6RawOutput, type SyntheticRequest } from '../testing/synthetic-k6-output.ts';
import { percentile, percentileInterpolated } from './duration-samples.ts';
import { compareWithHdrHistogram, HDR_BOUND_TEXT, singleProcessThresholdFigures } from './hdr-comparison.ts';
import { mergeRunnerOutputs } from './merge-runners.ts';
import { mergedSummary } from './merged-summary.ts';
import { evaluateMergedThresholds } from './merged-thresholds.ts';
import { describeThresholds } from './merge-text.ts';
import {
  k6SummarySchema,
  thresholdFailuresFrom,
  flowRequestCount,
  droppedIterationsOf,
} from '../scenario-run.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phx-thresholds-'));
});

describe('exact percentiles', () => {
  const sorted = Float64Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10, 20, … 200

  it('takes the nearest rank: p(95) of 20 samples is the 19th', () => {
    expect(percentile(sorted, 95)).toBe(190);
    expect(percentile(sorted, 99)).toBe(200);
    expect(percentile(sorted, 50)).toBe(100);
    expect(percentile(sorted, 0)).toBe(10);
    expect(
      percentile(
        Float64Array.from({ length: 100 }, (_, i) => i + 1),
        95,
      ),
    ).toBe(95);
    expect(percentile(new Float64Array(), 95)).toBe(0);
  });

  it("shows k6's interpolated figure beside it: rank 0.95 × 19 = 18.05 → 190 + 0.05 × 10", () => {
    expect(percentileInterpolated(sorted, 95)).toBeCloseTo(190.5, 10);
    expect(percentileInterpolated(Float64Array.of(7), 95)).toBe(7);
  });
});

/** Two runners' raw outputs with the given kb_query requests, merged without a plan. */
async function merged(
  runners: { requests: SyntheticRequest[]; failedChecks?: number; droppedIterations?: number }[],
): Promise<string> {
  const files = runners.map((r, i) => {
    const path = join(dir, `runner-${i + 1}.json.gz`);
    writeK6RawOutput(path, { instanceId: i + 1, ...r });
    return path;
  });
  const out = join(dir, 'ledger.jsonl');
  await mergeRunnerOutputs(
    files.map((path) => ({ path })),
    { outPath: out },
  );
  return out;
}

describe('evaluateMergedThresholds', () => {
  const env = { RATE: '20', DURATION: '10s', SLO_P95_MS: '250' };

  async function scenarioLedger(): Promise<string> {
    // kb_query: runner-1 answers in 10…200 ms, runner-2 in 205…300 ms (20 requests each).
    const statuses = [0, 503, 399]; // no answer and 503 fail; 399 is an expected status
    return merged([
      {
        requests: requestsOf(1, 20, {
          fromMs: T0,
          spanMs: 9_000,
          duration: (i) => (i + 1) * 10,
          status: (i) => statuses[i] ?? 200,
        }),
        failedChecks: 4,
      },
      {
        requests: requestsOf(2, 20, { fromMs: T0, spanMs: 9_000, duration: (i) => 205 + i * 5 }),
        droppedIterations: 1,
      },
    ]);
  }

  it("evaluates the scenario's own thresholds over every runner's samples, exact, with each runner's value beside it", async () => {
    const ledgerPath = await scenarioLedger();
    const evaluation = await evaluateMergedThresholds({ ledgerPath, scenario: 'load', env });
    const row = (metric: string, expression: string) =>
      evaluation.thresholds.find((t) => t.metric === metric && t.expression === expression);

    // 40 samples: p(95) is the 38th = runner-2's 18th (205 + 17 × 5); p(99) the 40th.
    expect(row('http_req_duration{flow:kb_query}', 'p(95)<250')).toMatchObject({
      value: 290,
      ok: false,
      samples: 40,
      perRunner: [
        { runner: 'runner-1', value: 190 },
        { runner: 'runner-2', value: 295 },
      ],
    });
    expect(row('http_req_duration{flow:kb_query}', 'p(99)<600')).toMatchObject({ value: 300, ok: true });
    // Failed: status 0 and 503 of 40 (399 is expected); runner-1 has both.
    expect(row('http_req_failed{flow:kb_query}', 'rate<0.01')).toMatchObject({
      value: 2 / 40,
      ok: false,
      perRunner: [
        { runner: 'runner-1', value: 2 / 20 },
        { runner: 'runner-2', value: 0 },
      ],
    });
    expect(row('http_reqs{flow:kb_query}', 'count>=0')).toMatchObject({ value: 40, ok: true });
    // Checks and drops come from the runners' own counts: 76 of 80 checks passed, 1 iteration dropped.
    expect(row('checks', 'rate>0.99')).toMatchObject({
      value: 76 / 80,
      ok: false,
      perRunner: [
        { runner: 'runner-1', value: 36 / 40 },
        { runner: 'runner-2', value: 1 },
      ],
    });
    expect(row('dropped_iterations', 'count<=0')).toMatchObject({ value: 1, ok: false });
    // A flow nobody sent: k6's zero, and the threshold holds.
    expect(row('http_req_duration{flow:plan_and_execute}', 'p(95)<250')).toMatchObject({
      value: 0,
      ok: true,
    });
    expect(evaluation.ok).toBe(false);
    expect(evaluation.bound).toMatch(/^exact: nearest-rank percentiles from all 40 samples/);

    const text = describeThresholds(evaluation).join('\n');
    expect(text).toContain('percentiles: exact');
    expect(text).toMatch(
      /http_req_duration\{flow:kb_query\} p\(95\)<250\s+290\.00ms\s+BREACHED\s+190\.00ms\s+295\.00ms/,
    );
    expect(text).toMatch(/checks rate>0\.99\s+95\.00%\s+BREACHED\s+90\.00%\s+100\.00%/);
    expect(text).toContain('4 of');
  });

  it('holds when the merged data does: every threshold ok', async () => {
    const ledgerPath = await merged([
      { requests: requestsOf(1, 20, { fromMs: T0, spanMs: 9_000 }) },
      { requests: requestsOf(2, 20, { fromMs: T0, spanMs: 9_000 }) },
    ]);
    const evaluation = await evaluateMergedThresholds({ ledgerPath, scenario: 'load', env });
    expect(evaluation.thresholds.filter((t) => !t.ok)).toEqual([]);
    expect(evaluation.ok).toBe(true);
  });

  it('writes a k6-shaped summary that the single-run readers judge the same way', async () => {
    const ledgerPath = await scenarioLedger();
    const evaluation = await evaluateMergedThresholds({ ledgerPath, scenario: 'load', env });
    const summary = k6SummarySchema.parse(
      mergedSummary(evaluation, { runId: 'r1', baseUrl: 'http://127.0.0.1:1' }),
    );
    expect(flowRequestCount(summary)).toBe(40);
    expect(droppedIterationsOf(summary)).toBe(1);
    expect(thresholdFailuresFrom(summary).map((f) => `${f.metric} ${f.threshold}`)).toEqual([
      'checks rate>0.99',
      'dropped_iterations count<=0',
      'http_req_duration{flow:kb_query} p(95)<250',
      'http_req_failed{flow:kb_query} rate<0.01',
    ]);
    expect(thresholdFailuresFrom(summary)[0]?.reason).toMatch(/answers are correct/);
  });

  it('refuses a ledger whose manifest describes another merge, and a ledger without one', async () => {
    const ledgerPath = await scenarioLedger();
    writeFileSync(ledgerPath, ''); // the ledger emptied after the merge
    await expect(evaluateMergedThresholds({ ledgerPath, scenario: 'load', env })).rejects.toThrow(
      `ledger ${ledgerPath} holds 0 requests but its runners manifest says 40: they are not from the same merge`,
    );
    const lonely = join(dir, 'other.jsonl');
    writeFileSync(lonely, '');
    await expect(evaluateMergedThresholds({ ledgerPath: lonely, scenario: 'load', env })).rejects.toThrow(
      `cannot read the runners manifest ${join(dir, 'other.runners.json')}`,
    );
  });
});

describe("merged-exact against one engine process's HdrHistogram", () => {
  /** A seeded PRNG (mulberry32), so the samples are the same every run. */
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  it(`agrees within HdrHistogram's stated bound (${HDR_BOUND_TEXT.slice(0, 40)}…) on the same samples`, async () => {
    const next = random(42);
    const flows = ['plan_and_execute', 'kb_query', 'llm_generate'] as const;
    // Four runners, 1,500 requests each, log-uniform durations from 0.5 ms to 3 s.
    const runners = [1, 2, 3, 4].map((n) => ({
      requests: requestsOf(n, 1_500, {
        fromMs: T0,
        spanMs: 60_000,
        duration: () => 0.5 * 6_000 ** next(),
      }).map((r, i) => ({ ...r, flow: flows[i % 3] ?? 'kb_query', status: next() < 0.005 ? 500 : 200 })),
    }));
    const ledgerPath = await merged(runners);
    const comparison = await compareWithHdrHistogram(ledgerPath);
    expect(comparison.samples).toBe(6_000);
    expect(comparison.rows).toHaveLength(12);
    for (const row of comparison.rows) {
      expect(row.withinBound, `${row.metric} ${row.stat}`).toBe(true);
      // The stated bound, spelled out: 0.1% of the value, plus the engine's 1 µs.
      expect(row.difference, `${row.metric} ${row.stat}`).toBeLessThanOrEqual(row.exact * 0.001 + 0.001);
    }

    const env = { RATE: '100', DURATION: '60s' };
    const exact = await evaluateMergedThresholds({ ledgerPath, scenario: 'load', env });
    const single = await singleProcessThresholdFigures({ ledgerPath, scenario: 'load', env });
    expect(single).toHaveLength(exact.thresholds.length);
    for (const t of exact.thresholds) {
      const other = single.find((s) => s.metric === t.metric && s.expression === t.expression);
      expect(
        Math.abs((other?.value ?? Number.NaN) - t.value),
        `${t.metric} ${t.expression}`,
      ).toBeLessThanOrEqual(Math.abs(t.value) * 0.001 + 0.001);
    }
  });
});

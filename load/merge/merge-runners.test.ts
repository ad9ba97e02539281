import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../core/index.ts';
import { readLedger } from '../ledger.ts';
import {
  requestsOf,
  traceIdOf,
  writeK6RawOutput,
  type SyntheticRequest,
} from '../testing/synthetic-k6-output.ts';
import { MergeRefusedError, mergeRunnerOutputs } from './merge-runners.ts';
import { readRunnersManifest } from './runners-manifest.ts';

const T0 = Date.UTC(2026, 0, 1, 12);
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'phx-merge-'));
});

/** Runner n's raw output with `count` requests over `spanMs` from `T0 + offsetMs`. */
function runner(
  n: number,
  file: string,
  options: {
    count?: number;
    offsetMs?: number;
    spanMs?: number;
    tagged?: boolean;
    requests?: SyntheticRequest[];
  } = {},
): string {
  const path = join(dir, file);
  const requests =
    options.requests ??
    requestsOf(n, options.count ?? 25, {
      fromMs: T0 + (options.offsetMs ?? 0),
      spanMs: options.spanMs ?? 60_000,
    });
  writeK6RawOutput(path, { ...(options.tagged === false ? {} : { instanceId: n }), requests });
  return path;
}

async function ledgerRecords(path: string) {
  const records = [];
  for await (const r of readLedger(path)) records.push(r);
  return records;
}

async function refusal(promise: Promise<unknown>): Promise<MergeRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MergeRefusedError);
  return error as MergeRefusedError;
}

describe('mergeRunnerOutputs', () => {
  it("merges k6-operator runners' raw outputs (gzip and plain) by their instance_id: every request once, tagged", async () => {
    // Given out of order: the instance_id tag, not the order, says which runner and segment each is.
    const files = [
      runner(3, 'c.json.gz'),
      runner(1, 'a.json'),
      runner(4, 'd.json.gz', { offsetMs: 300 }),
      runner(2, 'b.json'),
    ];
    const out = join(dir, 'merged', 'ledger.jsonl');
    const result = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { outPath: out },
    );

    expect(result.requests).toBe(100);
    const records = await ledgerRecords(out);
    expect(records).toHaveLength(100);
    expect(new Set(records.map((r) => r.traceId)).size).toBe(100);
    const byRunner = new Map<string, number>();
    for (const r of records) byRunner.set(r.runner ?? '', (byRunner.get(r.runner ?? '') ?? 0) + 1);
    expect(Object.fromEntries(byRunner)).toEqual({
      'runner-1': 25,
      'runner-2': 25,
      'runner-3': 25,
      'runner-4': 25,
    });
    expect(records.find((r) => r.traceId === traceIdOf(3, 0))?.runner).toBe('runner-3');

    const manifest = await readRunnersManifest(join(dir, 'merged', 'ledger.runners.json'));
    expect(manifest.runners.map((r) => [r.name, r.segment, r.segmentFrom, r.requests, r.status])).toEqual([
      ['runner-3', '2/4:3/4', 'instance_id tag', 25, 'complete'],
      ['runner-1', '0:1/4', 'instance_id tag', 25, 'complete'],
      ['runner-4', '3/4:1', 'instance_id tag', 25, 'complete'],
      ['runner-2', '1/4:2/4', 'instance_id tag', 25, 'complete'],
    ]);
    expect(manifest.parallelism).toBe(4);
    expect(manifest.problems).toEqual([]);
    // The window is the union: runner-4 started 300 ms later and so ends last.
    const lastEnd = Math.max(...records.map((r) => r.startMs + r.durationMs));
    expect(manifest.window).toEqual({ startMs: T0, endMs: lastEnd, durationMs: lastEnd - T0 });
    expect(manifest.runners[0]?.checks).toEqual({ passes: 50, fails: 0 });
    expect(manifest.durations).toMatch(/each request's own duration/);
    // Nothing but the two final files: the temporary ones were renamed.
    expect(readdirSync(join(dir, 'merged')).sort()).toEqual(['ledger.jsonl', 'ledger.runners.json']);
  });

  it('refuses a trace id present in two runners, naming both runners, the id and how many in all; writes nothing', async () => {
    const shared = requestsOf(1, 2, { fromMs: T0, spanMs: 1_000 }); // runner-1's first two trace ids
    const files = [
      runner(1, 'runner-1.json.gz'),
      runner(2, 'runner-2.json.gz'),
      runner(3, 'runner-3.json', {
        requests: [...shared, ...requestsOf(3, 20, { fromMs: T0, spanMs: 60_000, firstIndex: 2 })],
      }),
    ];
    const out = join(dir, 'ledger.jsonl');
    const error = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { outPath: out },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as Error).message).toBe(
      `trace id ${traceIdOf(1, 0)} is in both runner-1 (${files[0]}) and runner-3 (${files[2]}); 2 duplicate trace ids in all, so nothing was merged`,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'ledger.runners.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('merging'))).toEqual([]);
  });

  it('reports a runner missing from a parallelism-4 set by its segment, refuses it, and merges it only when accepted', async () => {
    const files = [runner(1, 'r1.json.gz'), runner(2, 'r2.json.gz'), runner(4, 'r4.json.gz')];
    const out = join(dir, 'ledger.jsonl');
    const missing = 'runner 3 of 4 (segment 2/4:3/4, instance_id=3) is missing';
    const refused = await refusal(
      mergeRunnerOutputs(
        files.map((path) => ({ path })),
        { outPath: out, parallelism: 4 },
      ),
    );
    expect(refused.message).toContain(missing);
    expect(refused.hint).toMatch(/--accept-partial/);
    expect(existsSync(out)).toBe(false);

    // Without --parallelism the highest instance_id (4) still shows that 3 is absent.
    const inferred = await refusal(
      mergeRunnerOutputs(
        files.map((path) => ({ path })),
        { outPath: out },
      ),
    );
    expect(inferred.message).toContain(missing);

    const accepted = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { outPath: out, parallelism: 4, acceptPartial: true },
    );
    expect(accepted.requests).toBe(75);
    const manifest = await readRunnersManifest(accepted.manifestPath);
    expect(manifest.acceptedPartial).toBe(true);
    expect(manifest.problems).toEqual([
      { kind: 'gap', runners: [], blocking: true, message: expect.stringContaining(missing) },
    ]);
  });

  it('reports explicit segments that do not cover 0:1, and overlapping ones', async () => {
    const a = runner(1, 'first.json', { tagged: false });
    const b = runner(2, 'second.json', { tagged: false });
    const out = join(dir, 'ledger.jsonl');
    const gap = await refusal(
      mergeRunnerOutputs(
        [
          { path: a, segment: '0:2/5' },
          { path: b, segment: '3/5:1' },
        ],
        { outPath: out },
      ),
    );
    expect(gap.message).toContain('no runner covers segment 2/5:3/5');
    expect(gap.manifest.runners.map((r) => [r.name, r.segmentFrom])).toEqual([
      ['first', 'explicit'],
      ['second', 'explicit'],
    ]);
    const overlap = await refusal(
      mergeRunnerOutputs(
        [
          { path: a, segment: '0:2/3', name: 'pod-a' },
          { path: b, segment: '1/3:1', name: 'pod-b' },
        ],
        { outPath: out },
      ),
    );
    expect(overlap.message).toContain('pod-a (0:2/3) and pod-b (1/3:1) overlap');
  });

  it('takes untagged runners in file-name order (0-based names too) and splits the test equally', async () => {
    const files = [runner(2, 'pod-1.json', { tagged: false }), runner(1, 'pod-0.json', { tagged: false })];
    const result = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { outPath: join(dir, 'ledger.jsonl') },
    );
    expect(result.manifest.runners.map((r) => [r.name, r.segment, r.segmentFrom])).toEqual([
      ['runner-2', '1/2:1', 'file name'],
      ['runner-1', '0:1/2', 'file name'],
    ]);
  });

  it('reports clock skew between runners beyond the tolerance (not a refusal) and widens the window to the union', async () => {
    const files = [runner(1, 'r1.json'), runner(2, 'r2.json', { offsetMs: 5_000 })];
    const out = join(dir, 'ledger.jsonl');
    const result = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { outPath: out },
    );
    expect(result.manifest.clockSkew).toMatchObject({
      ms: 5_000,
      earliest: 'runner-1',
      latest: 'runner-2',
      toleranceMs: 2_000,
    });
    expect(result.problems).toEqual([
      {
        kind: 'clock-skew',
        runners: ['runner-1', 'runner-2'],
        blocking: false,
        message: expect.stringContaining(
          "clock skew: runner-2's first request starts 5.0 s after runner-1's",
        ),
      },
    ]);
    const records = await ledgerRecords(out);
    const lastEnd = Math.max(...records.map((r) => r.startMs + r.durationMs));
    expect(result.manifest.window).toEqual({ startMs: T0, endMs: lastEnd, durationMs: lastEnd - T0 });
    expect(lastEnd).toBeGreaterThan(T0 + 65_000);

    // Within the tolerance, nothing to report.
    const calm = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { outPath: out, clockSkewToleranceMs: 6_000 },
    );
    expect(calm.problems).toEqual([]);
  });

  it('reports a runner whose gzip stream was cut off (a pod killed half way) as truncated, refuses it, merges it when accepted', async () => {
    const whole = runner(1, 'r1.json.gz', { count: 400 });
    const cut = join(dir, 'r2.json.gz');
    writeK6RawOutput(
      cut,
      { instanceId: 2, requests: requestsOf(2, 400, { fromMs: T0, spanMs: 60_000 }) },
      { kind: 'truncated-gzip', keep: 0.5 },
    );
    const out = join(dir, 'ledger.jsonl');
    const refused = await refusal(mergeRunnerOutputs([{ path: whole }, { path: cut }], { outPath: out }));
    expect(refused.message).toMatch(
      /runner-2 \(1\/2:1\) is truncated: gzip stream ends early \(unexpected end of file\); \d+ requests read before the cut/,
    );
    expect(existsSync(out)).toBe(false);

    const accepted = await mergeRunnerOutputs([{ path: whole }, { path: cut }], {
      outPath: out,
      acceptPartial: true,
    });
    const entry = accepted.manifest.runners[1];
    expect(entry?.status).toBe('truncated');
    expect(entry?.requests).toBeGreaterThan(0);
    expect(entry?.requests).toBeLessThan(400);
    expect(accepted.requests).toBe(400 + (entry?.requests ?? 0));
    expect((await ledgerRecords(out)).filter((r) => r.runner === 'runner-2')).toHaveLength(
      entry?.requests ?? -1,
    );
  });

  it('reports a plain output whose last line is cut off mid-record as truncated', async () => {
    const cut = join(dir, 'r2.json');
    writeK6RawOutput(
      cut,
      { instanceId: 2, requests: requestsOf(2, 25, { fromMs: T0, spanMs: 60_000 }) },
      { kind: 'cut-last-line', chars: 12 },
    );
    const refused = await refusal(
      mergeRunnerOutputs([{ path: runner(1, 'r1.json') }, { path: cut }], { outPath: join(dir, 'l.jsonl') }),
    );
    expect(refused.message).toMatch(/runner-2 \(1\/2:1\) is truncated: the last line is cut off mid-record/);
  });

  it("reports a runner that stopped early against its segment's share of the schedule, with figures", async () => {
    // load at RATE=20 for 10s schedules 180 iterations: 90 per half (the engine's own maths).
    const env = { RATE: '20', DURATION: '10s' };
    const files = [
      runner(1, 'r1.json', { count: 90, spanMs: 9_600 }),
      runner(2, 'r2.json', { count: 30, spanMs: 3_000 }),
    ];
    const out = join(dir, 'ledger.jsonl');
    const options = { outPath: out, scenario: 'load' as const, env };
    const refused = await refusal(
      mergeRunnerOutputs(
        files.map((path) => ({ path })),
        options,
      ),
    );
    expect(refused.message).toMatch(
      /runner-2 \(1\/2:1\) stopped early: 30 of 90 planned iterations, last request at \+3\.\d s of a 10\.0 s run/,
    );
    expect(refused.message).not.toContain('runner-1 (0:1/2) stopped');

    const accepted = await mergeRunnerOutputs(
      files.map((path) => ({ path })),
      { ...options, acceptPartial: true },
    );
    expect(
      accepted.manifest.runners.map((r) => [r.name, r.iterations, r.plannedIterations, r.status]),
    ).toEqual([
      ['runner-1', 90, 90, 'complete'],
      ['runner-2', 30, 90, 'stopped-early'],
    ]);
    expect(accepted.manifest.scenario).toBe('load');
    expect(accepted.manifest.env).toEqual(env);
  });

  it('without a plan, reports a runner whose last request is far earlier than the others', async () => {
    const files = [
      runner(1, 'r1.json', { count: 90, spanMs: 9_600 }),
      runner(2, 'r2.json', { count: 30, spanMs: 3_000 }),
    ];
    const refused = await refusal(
      mergeRunnerOutputs(
        files.map((path) => ({ path })),
        { outPath: join(dir, 'l.jsonl') },
      ),
    );
    expect(refused.message).toMatch(
      /runner-2 \(1\/2:1\) stopped early: 30 requests, last request at \+3\.0 s of a 9\.6 s run \(the longest runner ran 9\.6 s\)/,
    );
  });

  it('reads engine runs (ledger.jsonl + summary.json): segment and counts from the summary; no summary means it did not finish', async () => {
    const engineRun = (name: string, n: number, segment: string, summary: boolean): string => {
      const runDir = join(dir, name);
      mkdirSync(runDir);
      const lines = requestsOf(n, 10, { fromMs: T0, spanMs: 9_000 }).map((r, i) =>
        JSON.stringify({
          traceId: r.traceId,
          correlationId: `run-${n}-${i}`,
          flow: r.flow,
          status: r.status,
          startMs: r.startMs,
          durationMs: r.durationMs,
        }),
      );
      writeFileSync(join(runDir, 'ledger.jsonl'), `${lines.join('\n')}\n`);
      if (summary) {
        const metrics = {
          iterations: { type: 'counter', values: { count: 10, rate: 1 } },
          dropped_iterations: { type: 'counter', values: { count: 1, rate: 0.1 } },
          checks: { type: 'rate', values: { rate: 0.9, passes: 27, fails: 3 } },
        };
        writeFileSync(join(runDir, 'summary.json'), JSON.stringify({ metrics, segment, engine: 'node' }));
      }
      return runDir;
    };
    const out = join(dir, 'ledger.jsonl');
    const result = await mergeRunnerOutputs(
      [
        { path: engineRun('w2', 2, '1/2:1', true) },
        { path: join(engineRun('w1', 1, '0:1/2', true), 'ledger.jsonl') },
      ],
      { outPath: out },
    );
    expect(
      result.manifest.runners.map((r) => [
        r.name,
        r.kind,
        r.segment,
        r.segmentFrom,
        r.iterations,
        r.droppedIterations,
        r.checks,
      ]),
    ).toEqual([
      ['runner-2', 'engine', '1/2:1', 'summary.json', 10, 1, { passes: 27, fails: 3 }],
      ['runner-1', 'engine', '0:1/2', 'summary.json', 10, 1, { passes: 27, fails: 3 }],
    ]);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/"runner":"runner-2"}$/);

    const refused = await refusal(
      mergeRunnerOutputs(
        [{ path: join(dir, 'w1') }, { path: engineRun('w3', 3, '', false), segment: '1/2:1' }],
        { outPath: out },
      ),
    );
    expect(refused.message).toContain(
      'runner-2 (1/2:1) stopped early: its engine left no summary.json (it did not finish)',
    );
  });

  it('refuses input that is not a runner output, naming the file', async () => {
    const bogus = join(dir, 'notes.json');
    writeFileSync(bogus, '{"hello":"world"}\n');
    await expect(mergeRunnerOutputs([{ path: bogus }], { outPath: join(dir, 'l.jsonl') })).rejects.toThrow(
      `runner output ${bogus}: it is neither k6 raw output`,
    );
    await expect(
      mergeRunnerOutputs([{ path: join(dir, 'absent.json.gz') }], { outPath: join(dir, 'l.jsonl') }),
    ).rejects.toThrow('no such file or directory');
  });
});

describe('mergeRunnerOutputs: what a raw output itself gives away', () => {
  it('reports flow requests without ledger metadata and samples of another instance_id in one file', async () => {
    const path = join(dir, 'runner-1.json');
    writeK6RawOutput(path, { instanceId: 1, requests: requestsOf(1, 5, { fromMs: T0, spanMs: 1_000 }) });
    const tags = { flow: 'kb_query', status: '200', instance_id: '1' };
    const point = (metric: string, extra: object = {}): string =>
      JSON.stringify({
        metric,
        type: 'Point',
        data: { time: new Date(T0).toISOString(), value: 3, tags: { ...tags, ...extra } },
      });
    // A flow request sent without scenarios/lib/request.ts (no metadata), and runner 2's sample in runner 1's file.
    const foreign = JSON.stringify({
      metric: 'http_req_duration',
      type: 'Point',
      data: {
        time: new Date(T0).toISOString(),
        value: 4,
        tags: { ...tags, instance_id: '2' },
        metadata: { trace_id: traceIdOf(2, 0), correlation_id: 'x-1-0', started_ms: String(T0) },
      },
    });
    writeFileSync(
      path,
      `${readFileSync(path, 'utf8')}${point('http_reqs')}\n${point('http_req_duration')}\n${foreign}\n`,
    );
    const refused = await refusal(mergeRunnerOutputs([{ path }], { outPath: join(dir, 'l.jsonl') }));
    expect(refused.message).toContain('runner-1 (0:1): 1 flow requests carry no trace id metadata');
    expect(refused.message).toContain(
      'runner-1 (0:1): its file also holds samples of instance_id 2: one file per runner',
    );
  });
});

/**
 * Small synthetic k6 raw outputs (`k6 run --out json=…`), shaped as k6 writes them (see
 * load/fixtures/k6-smoke-output.jsonl) and tagged `instance_id` as k6-operator's runners are, for
 * the merge's tests: plain or gzip, whole, truncated mid-stream, or with a last line cut off.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { LedgerEntry } from '../../core/index.ts';

export interface SyntheticRequest {
  flow: LedgerEntry['flow'];
  status: number;
  startMs: number;
  durationMs: number;
  traceId: string;
}

export interface SyntheticRunner {
  /** k6-operator's `--tag instance_id=<n>`; omitted when undefined. */
  instanceId?: number;
  requests: SyntheticRequest[];
  /** Completed iterations (default: one per request). */
  iterations?: number;
  droppedIterations?: number;
  /** Failed checks (the others pass; two checks per request). */
  failedChecks?: number;
}

/** A deterministic 32-hex trace id for request `i` of runner `runner`. */
export function traceIdOf(runner: number, i: number): string {
  return `${runner.toString(16).padStart(8, '0')}${i.toString(16).padStart(24, '0')}`;
}

/** `count` requests of one flow, evenly spread from `fromMs` over `spanMs`, durations from `duration(i)`. */
export function requestsOf(
  runner: number,
  count: number,
  options: {
    fromMs: number;
    spanMs: number;
    flow?: LedgerEntry['flow'];
    duration?: (i: number) => number;
    status?: (i: number) => number;
    firstIndex?: number;
  },
): SyntheticRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    flow: options.flow ?? 'kb_query',
    status: options.status?.(i) ?? 200,
    startMs: Math.round(options.fromMs + (count <= 1 ? 0 : (options.spanMs * i) / (count - 1))),
    durationMs: options.duration?.(i) ?? 10 + (i % 7),
    traceId: traceIdOf(runner, (options.firstIndex ?? 0) + i),
  }));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The runner's raw output, one JSON document per line (each line ends with a newline). */
export function k6RawOutput(runner: SyntheticRunner): string {
  const extra =
    runner.instanceId === undefined
      ? {}
      : { instance_id: String(runner.instanceId), testrun_name: 'phx-load' };
  const point = (
    metric: string,
    ms: number,
    value: number,
    tags: Record<string, string>,
    metadata?: object,
  ): string =>
    JSON.stringify({
      metric,
      type: 'Point',
      data: { time: iso(ms), value, tags: { ...tags, ...extra }, ...(metadata ? { metadata } : {}) },
    });
  const lines = [
    JSON.stringify({
      type: 'Metric',
      data: { name: 'http_reqs', type: 'counter', contains: 'default', thresholds: [], submetrics: null },
      metric: 'http_reqs',
    }),
  ];
  const first = runner.requests[0]?.startMs ?? Date.UTC(2026, 0, 1);
  // setup()'s preflight: counted by k6, never in the ledger.
  const pre = { group: '::setup', method: 'GET', name: 'GET /healthz (preflight)', status: '200' };
  lines.push(point('http_reqs', first - 5, 1, pre), point('http_req_duration', first - 5, 1.5, pre));
  let failedChecks = runner.failedChecks ?? 0;
  runner.requests.forEach((r, i) => {
    const end = r.startMs + r.durationMs;
    const tags = {
      flow: r.flow,
      group: '',
      method: 'POST',
      name: `POST /${r.flow}`,
      scenario: 'load',
      status: String(r.status),
    };
    const metadata = {
      trace_id: r.traceId,
      correlation_id: `synthetic-${i}-0`,
      started_ms: String(r.startMs),
    };
    lines.push(
      point('http_reqs', end, 1, tags),
      point('http_req_duration', end, r.durationMs, tags, metadata),
    );
    for (const check of ['the orchestrator answered 200', 'the response carries our trace id']) {
      const ok = failedChecks > 0 ? 0 : 1;
      if (ok === 0) failedChecks -= 1;
      lines.push(point('checks', end, ok, { check, flow: r.flow, group: '', scenario: 'load' }));
    }
  });
  const iterations = runner.iterations ?? runner.requests.length;
  const last = runner.requests[runner.requests.length - 1]?.startMs ?? first;
  for (let i = 0; i < iterations; i++)
    lines.push(point('iterations', last, 1, { group: '', scenario: 'load' }));
  for (let i = 0; i < (runner.droppedIterations ?? 0); i++)
    lines.push(point('dropped_iterations', last, 1, { scenario: 'load' }));
  return `${lines.join('\n')}\n`;
}

export type Damage =
  | { kind: 'none' }
  /** Keep this fraction of the gzip bytes: a stream without its end, as a killed pod leaves. */
  | { kind: 'truncated-gzip'; keep: number }
  /** Cut the text this many characters before its end: a last line without its end. */
  | { kind: 'cut-last-line'; chars: number };

/** Writes the runner's raw output to `path` (gzip when it ends with .gz), damaged as asked. */
export function writeK6RawOutput(
  path: string,
  runner: SyntheticRunner,
  damage: Damage = { kind: 'none' },
): void {
  let text = k6RawOutput(runner);
  if (damage.kind === 'cut-last-line') text = text.slice(0, -damage.chars);
  let bytes: Buffer = Buffer.from(text);
  if (path.endsWith('.gz')) bytes = gzipSync(bytes);
  if (damage.kind === 'truncated-gzip') bytes = bytes.subarray(0, Math.floor(bytes.length * damage.keep));
  writeFileSync(path, bytes);
}

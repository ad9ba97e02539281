/**
 * One runner's output, as the merge reads it: a k6 raw output (`k6 run --out json=…`, plain or
 * gzip; k6-operator runner n tags every sample `instance_id=n`) or an in-process engine run (its
 * directory, or its ledger.jsonl, with summary.json beside it). `scanRunner` streams it once,
 * handing each flow request to the merge as a ledger record and counting what the manifest needs.
 */
import { stat, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  describeError,
  HarnessError,
  LEDGER_FLOWS,
  ledgerEntrySchema,
  type LedgerEntry,
} from '../../core/index.ts';
import { ledgerEntryFromPoint } from '../ledger.ts';
import { k6SummarySchema } from '../scenario-run.ts';
import { lineEnding, readLines, type LineEnding } from './line-reader.ts';

/** A runner's output to merge. */
export interface RunnerSource {
  /** k6's raw output (.json or .json.gz), or an engine run directory / its ledger.jsonl. */
  path: string;
  /** Its name in the merged ledger and manifest (default `runner-<instance>`, else the file name). */
  name?: string;
  /** Its execution segment (`2/4:3/4`); wins over the instance_id tag and summary.json. */
  segment?: string;
}

export type RunnerKind = 'k6-raw' | 'engine';
export type LedgerFlow = LedgerEntry['flow'];

/** What summary.json says about an engine run. */
export interface EngineSummaryFacts {
  segment: string | undefined;
  iterations: number;
  droppedIterations: number;
  checks: { passes: number; fails: number };
}

export interface ResolvedRunner {
  source: RunnerSource;
  /** Position in the list the merge was given. */
  index: number;
  kind: RunnerKind;
  /** The file read: the raw output, or the engine's ledger.jsonl. */
  dataPath: string;
  /** The engine's summary.json, when it exists (an engine that did not finish leaves none). */
  summaryPath: string | undefined;
  summary: EngineSummaryFacts | undefined;
  /** k6-operator's `instance_id` tag on the raw output's samples (1-based), when present. */
  instanceId: number | undefined;
}

export interface RunnerScan {
  requests: number;
  byFlow: Record<LedgerFlow, number>;
  firstStartMs: number | undefined;
  lastEndMs: number | undefined;
  /** Completed iterations (k6's `iterations`), dropped ones (k6's `dropped_iterations`), checks. */
  iterations: number;
  droppedIterations: number;
  checks: { passes: number; fails: number };
  /** Where iterations, drops and checks were counted. */
  countsFrom: 'raw output' | 'summary.json' | 'ledger (no summary.json)';
  /** k6 `http_reqs` samples of a flow (raw output only): every one should have its ledger record. */
  flowRequests: number | undefined;
  /** Flow requests without ledger metadata (a script that skipped scenarios/lib/request.ts). */
  untraced: number;
  /** Lines that were not the JSON they should be, and the first one's number. */
  malformedLines: number;
  firstMalformedLine: number | undefined;
  /** instance_id values other than the runner's own (a file holding two runners' samples). */
  foreignInstanceIds: string[];
  ending: LineEnding;
}

/** Receives each record; a returned promise (backpressure) is awaited before the next. */
export type RecordSink = (record: LedgerEntry) => Promise<void> | undefined;

interface K6Point {
  metric?: string;
  type?: string;
  data?: { value?: number; tags?: Record<string, string>; metadata?: Record<string, string> };
}

const POINT = (metric: string): string => `{"metric":"${metric}","type":"Point"`;
const DURATION = POINT('http_req_duration');
const REQS = POINT('http_reqs');
const CHECKS = POINT('checks');
const ITERATIONS = POINT('iterations');
const DROPPED = POINT('dropped_iterations');
const VALUE = /"value":(-?[\d.]+(?:[eE][-+]?\d+)?)/;
/** k6-operator's per-runner tag (pkg/resources/jobs/runner.go: `--tag instance_id=<n>`, n from 1). */
export const INSTANCE_TAG = 'instance_id';
/** How far into a raw output the first sample (and its instance_id) may be. */
const PEEK_LINES = 5_000;

function sourceError(path: string, message: string, cause?: unknown): HarnessError {
  return new HarnessError(`runner output ${path}: ${message}`, {
    where: path,
    hint: "pass each runner's raw k6 output (k6 run --out json=<file>[.gz]) or an engine run directory (ledger.jsonl + summary.json)",
    ...(cause === undefined ? {} : { cause }),
  });
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function readEngineSummary(path: string): Promise<EngineSummaryFacts> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw sourceError(path, `summary.json is not readable JSON (${describeError(error)})`, error);
  }
  const parsed = k6SummarySchema.safeParse(raw);
  if (!parsed.success) throw sourceError(path, "summary.json is not in k6's summary shape");
  const metrics = parsed.data.metrics;
  const count = (name: string, key: string): number => metrics[name]?.values[key] ?? 0;
  const segment = (raw as { segment?: unknown }).segment;
  return {
    segment: typeof segment === 'string' ? segment : undefined,
    iterations: count('iterations', 'count'),
    droppedIterations: count('dropped_iterations', 'count'),
    checks: { passes: count('checks', 'passes'), fails: count('checks', 'fails') },
  };
}

/** The first non-empty line and the first k6 sample's instance_id, read from the head of the file. */
async function peek(path: string): Promise<{ first: string | undefined; instanceId: string | undefined }> {
  let first: string | undefined;
  let n = 0;
  for await (const line of readLines(path, lineEnding())) {
    if (++n > PEEK_LINES) break;
    if (line.trim() === '') continue;
    first ??= line;
    if (!line.includes('"type":"Point"')) {
      if (line.includes('"traceId"')) break; // a ledger: nothing more to learn here
      continue;
    }
    try {
      const point = JSON.parse(line) as K6Point;
      return { first, instanceId: point.data?.tags?.[INSTANCE_TAG] };
    } catch {
      break;
    }
  }
  return { first, instanceId: undefined };
}

function isLedgerLine(line: string): boolean {
  try {
    const value = JSON.parse(line) as { traceId?: unknown };
    return typeof value === 'object' && value !== null && 'traceId' in value;
  } catch {
    return false;
  }
}

function parseInstanceId(path: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw sourceError(
      path,
      `its samples carry instance_id=${JSON.stringify(value)}: k6-operator numbers runners 1, 2, … N`,
    );
  }
  return n;
}

/** Finds what a source is (raw output or engine run) and what its head says about it. */
export async function resolveRunnerSource(source: RunnerSource, index: number): Promise<ResolvedRunner> {
  const info = await statOrUndefined(source.path);
  if (info === undefined) throw sourceError(source.path, 'no such file or directory');
  let dataPath = source.path;
  if (info.isDirectory()) {
    const ledger = ['ledger.jsonl', 'ledger.jsonl.gz'].map((f) => join(source.path, f));
    const found = [];
    for (const candidate of ledger) if ((await statOrUndefined(candidate))?.isFile()) found.push(candidate);
    if (found[0] === undefined) throw sourceError(source.path, 'the directory has no ledger.jsonl');
    dataPath = found[0];
  }
  const head = await peek(dataPath);
  const engine = info.isDirectory() || (head.first !== undefined && isLedgerLine(head.first));
  if (!engine) {
    if (head.first !== undefined && !/"(metric|type)":/.test(head.first)) {
      throw sourceError(source.path, 'it is neither k6 raw output (JSON lines with "metric") nor a ledger');
    }
    return {
      source,
      index,
      kind: 'k6-raw',
      dataPath,
      summaryPath: undefined,
      summary: undefined,
      instanceId: parseInstanceId(source.path, head.instanceId),
    };
  }
  const summaryPath = join(dirname(dataPath), 'summary.json');
  const hasSummary = (await statOrUndefined(summaryPath))?.isFile() ?? false;
  return {
    source,
    index,
    kind: 'engine',
    dataPath,
    summaryPath: hasSummary ? summaryPath : undefined,
    summary: hasSummary ? await readEngineSummary(summaryPath) : undefined,
    instanceId: undefined,
  };
}

/** The file (or directory) name, without `.json.gz`, `.jsonl`…: a runner's default name. */
export function baseName(path: string): string {
  const name = basename(path.replace(/\/+$/, ''));
  if (name === 'ledger.jsonl' || name === 'ledger.jsonl.gz') return basename(dirname(path));
  return name.replace(/\.(jsonl?|ndjson)(\.gz)?$/, '').replace(/\.gz$/, '');
}

function emptyByFlow(): Record<LedgerFlow, number> {
  return Object.fromEntries(LEDGER_FLOWS.map((f) => [f, 0])) as Record<LedgerFlow, number>;
}

function newScan(): RunnerScan {
  return {
    requests: 0,
    byFlow: emptyByFlow(),
    firstStartMs: undefined,
    lastEndMs: undefined,
    iterations: 0,
    droppedIterations: 0,
    checks: { passes: 0, fails: 0 },
    countsFrom: 'raw output',
    flowRequests: undefined,
    untraced: 0,
    malformedLines: 0,
    firstMalformedLine: undefined,
    foreignInstanceIds: [],
    ending: lineEnding(),
  };
}

function malformed(scan: RunnerScan): void {
  scan.malformedLines += 1;
  scan.firstMalformedLine ??= scan.ending.lines;
}

function count(scan: RunnerScan, record: LedgerEntry): void {
  scan.requests += 1;
  scan.byFlow[record.flow] += 1;
  const end = record.startMs + record.durationMs;
  if (scan.firstStartMs === undefined || record.startMs < scan.firstStartMs)
    scan.firstStartMs = record.startMs;
  if (scan.lastEndMs === undefined || end > scan.lastEndMs) scan.lastEndMs = end;
}

async function scanRawOutput(runner: ResolvedRunner, sink: RecordSink): Promise<RunnerScan> {
  const scan = newScan();
  scan.flowRequests = 0;
  const ownId = runner.instanceId === undefined ? undefined : String(runner.instanceId);
  const foreign = new Set<string>();
  for await (const line of readLines(runner.dataPath, scan.ending)) {
    // Only five metrics matter; a prefix test skips JSON.parse for the other lines.
    if (line.startsWith(REQS)) {
      if (line.includes('"flow":"')) scan.flowRequests += 1;
      continue;
    }
    if (line.startsWith(ITERATIONS)) {
      scan.iterations += 1;
      continue;
    }
    if (line.startsWith(CHECKS) || line.startsWith(DROPPED)) {
      // The sample's value is the first "value" key (after "time"): no JSON.parse per check.
      const value = Number(VALUE.exec(line)?.[1] ?? Number.NaN);
      if (!Number.isFinite(value)) malformed(scan);
      else if (line.startsWith(DROPPED)) scan.droppedIterations += value;
      else if (value !== 0) scan.checks.passes += 1;
      else scan.checks.fails += 1;
      continue;
    }
    if (!line.startsWith(DURATION)) continue;
    let point: K6Point;
    try {
      point = JSON.parse(line) as K6Point;
    } catch {
      malformed(scan);
      continue;
    }
    const instance = point.data?.tags?.[INSTANCE_TAG];
    if (ownId !== undefined && instance !== ownId && instance !== undefined) foreign.add(instance);
    const record = ledgerEntryFromPoint(point);
    if (record === undefined) {
      if ((LEDGER_FLOWS as readonly string[]).includes(point.data?.tags?.['flow'] ?? '')) scan.untraced += 1;
      continue;
    }
    count(scan, record);
    const wait = sink(record);
    if (wait !== undefined) await wait;
  }
  scan.foreignInstanceIds = [...foreign].sort();
  return scan;
}

async function scanEngineLedger(runner: ResolvedRunner, sink: RecordSink): Promise<RunnerScan> {
  const scan = newScan();
  for await (const line of readLines(runner.dataPath, scan.ending)) {
    if (line.trim() === '') continue;
    let parsed;
    try {
      parsed = ledgerEntrySchema.safeParse(JSON.parse(line));
    } catch {
      malformed(scan);
      continue;
    }
    if (!parsed.success) {
      malformed(scan);
      continue;
    }
    const { runner: _previous, ...record } = parsed.data;
    count(scan, record);
    const wait = sink(record);
    if (wait !== undefined) await wait;
  }
  if (runner.summary !== undefined) {
    scan.countsFrom = 'summary.json';
    scan.iterations = runner.summary.iterations;
    scan.droppedIterations = runner.summary.droppedIterations;
    scan.checks = { ...runner.summary.checks };
  } else {
    // The engine sends one flow request per iteration; without a summary that is all there is.
    scan.countsFrom = 'ledger (no summary.json)';
    scan.iterations = scan.requests;
  }
  return scan;
}

/** Streams one runner's output once, handing each flow request to `sink`. */
export function scanRunner(runner: ResolvedRunner, sink: RecordSink): Promise<RunnerScan> {
  return runner.kind === 'k6-raw' ? scanRawOutput(runner, sink) : scanEngineLedger(runner, sink);
}

/**
 * The request ledger: one JSON line per flow request k6 sent (trace id, correlation id, flow,
 * status, start, duration), converted after the run from k6's `--out json` stream. The
 * validators read it back with `readLedger` to look every request up in Jaeger, Loki and
 * Prometheus.
 *
 * CLI: npx tsx load/ledger.ts <k6-raw.json[.gz]> <ledger.jsonl>
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import {
  describeError,
  HarnessError,
  LEDGER_FLOWS,
  ledgerEntrySchema,
  type LedgerEntry,
} from '../core/index.ts';
import { LEDGER_METADATA } from '../scenarios/index.ts';

export interface LedgerConversion {
  ledgerPath: string;
  /** Ledger lines written: one per flow request. */
  records: number;
  /** k6 http_reqs points tagged with a flow: must equal `records`. */
  flowRequests: number;
  /** http_reqs points without a flow tag (the preflight GET /healthz): counted by k6, not in the ledger. */
  otherRequests: number;
  /** Flow-tagged http_req_duration points without ledger metadata (a script that skipped lib/request.ts). */
  untraced: number;
  /** Lines that were not JSON (a run killed mid-write leaves one at the end). */
  malformedLines: number;
  linesRead: number;
}

interface K6Point {
  metric?: string;
  type?: string;
  data?: {
    time?: string;
    value?: number;
    tags?: Record<string, string>;
    metadata?: Record<string, string>;
  };
}

// Only these two metrics matter; a prefix test skips JSON.parse for the other ~90% of lines.
const DURATION_PREFIX = '{"metric":"http_req_duration","type":"Point"';
const REQS_PREFIX = '{"metric":"http_reqs","type":"Point"';

function isFlow(value: string | undefined): value is LedgerEntry['flow'] {
  return value !== undefined && (LEDGER_FLOWS as readonly string[]).includes(value);
}

/** One k6 `http_req_duration` point → a ledger record, or undefined when it is not a traced flow request. */
export function ledgerEntryFromPoint(point: K6Point): LedgerEntry | undefined {
  const tags = point.data?.tags ?? {};
  const metadata = point.data?.metadata ?? {};
  const traceId = metadata[LEDGER_METADATA.traceId];
  const correlationId = metadata[LEDGER_METADATA.correlationId];
  if (!isFlow(tags['flow']) || traceId === undefined || correlationId === undefined) return undefined;
  const startMs = Number(metadata[LEDGER_METADATA.startedMs]);
  const durationMs = point.data?.value ?? 0;
  const record: LedgerEntry = {
    traceId,
    correlationId,
    flow: tags['flow'],
    status: Number(tags['status'] ?? 0),
    // The point's time is the request's end; fall back to end - duration if the start is missing.
    startMs: Number.isFinite(startMs)
      ? startMs
      : Math.round(Date.parse(point.data?.time ?? '') - durationMs) || 0,
    durationMs,
  };
  if (tags['error_code'] !== undefined) record.errorCode = Number(tags['error_code']);
  return record;
}

function openStream(path: string): NodeJS.ReadableStream & AsyncIterable<Buffer | string> {
  const file = createReadStream(path);
  const stream = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  file.on('error', (error) => stream.destroy(error));
  return stream;
}

function openLines(path: string): AsyncIterable<string> {
  return createInterface({ input: openStream(path), crlfDelay: Infinity });
}

/**
 * The file's lines, a chunk's worth at a time (readline's async iterator costs ~9 µs per line, most
 * of reading a 1M-line ledger); a trailing `\r` is dropped, as readline's `crlfDelay: Infinity` does.
 */
async function* lineBatches(path: string): AsyncGenerator<string[]> {
  let rest = '';
  const stream = openStream(path);
  // Decoded by the stream: a character split between two chunks stays whole.
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    const lines = (rest + String(chunk)).split('\n');
    rest = lines.pop() ?? '';
    yield lines;
  }
  if (rest !== '') yield [rest];
}

/**
 * Streams k6's JSON output into ledger.jsonl, one record per flow request. Memory stays flat:
 * each line is handled and dropped, and every fact the ledger needs sits on the request's own
 * http_req_duration point (tags: flow, status; metadata: trace id, correlation id, start), so no
 * join state is kept; http_reqs points are only counted, to prove the ledger complete.
 */
export async function convertK6Output(rawPath: string, ledgerPath: string): Promise<LedgerConversion> {
  await mkdir(dirname(resolve(ledgerPath)), { recursive: true });
  const out = createWriteStream(ledgerPath);
  const stats: LedgerConversion = {
    ledgerPath,
    records: 0,
    flowRequests: 0,
    otherRequests: 0,
    untraced: 0,
    malformedLines: 0,
    linesRead: 0,
  };
  try {
    for await (const line of openLines(rawPath)) {
      stats.linesRead += 1;
      const isDuration = line.startsWith(DURATION_PREFIX);
      if (!isDuration && !line.startsWith(REQS_PREFIX)) continue;
      let point: K6Point;
      try {
        point = JSON.parse(line) as K6Point;
      } catch {
        stats.malformedLines += 1;
        continue;
      }
      const flow = point.data?.tags?.['flow'];
      if (!isDuration) {
        if (isFlow(flow)) stats.flowRequests += 1;
        else stats.otherRequests += 1;
        continue;
      }
      const record = ledgerEntryFromPoint(point);
      if (record === undefined) {
        if (isFlow(flow)) stats.untraced += 1;
        continue;
      }
      stats.records += 1;
      // Respect backpressure so a fast reader never buffers the whole ledger in memory.
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
    }
  } catch (error) {
    out.destroy();
    throw new HarnessError(`could not read k6's JSON output ${rawPath}: ${describeError(error)}`, {
      where: rawPath,
      hint: 'run k6 with `--out json=<file>` and pass that file',
      cause: error,
    });
  }
  await new Promise<void>((resolveEnd, reject) => {
    out.once('error', reject);
    out.end(() => resolveEnd());
  });
  return stats;
}

/** Reads a ledger.jsonl line by line, validating each record; a bad line names its number. */
export async function* readLedger(path: string): AsyncGenerator<LedgerEntry> {
  let lineNumber = 0;
  for await (const batch of lineBatches(path)) {
    for (const raw of batch) {
      lineNumber += 1;
      const entry = parseLedgerLine(path, lineNumber, raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (entry) yield entry;
    }
  }
}

/** One ledger line → its record (undefined for a blank line); a bad line names its number. */
function parseLedgerLine(path: string, lineNumber: number, line: string): LedgerEntry | undefined {
  if (line.trim() === '') return undefined;
  {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw new HarnessError(`ledger ${path}:${lineNumber} is not JSON: ${describeError(error)}`, {
        where: path,
      });
    }
    const parsed = ledgerEntrySchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`)
        .join('; ');
      throw new HarnessError(`ledger ${path}:${lineNumber} is not a ledger record (${issues})`, {
        where: path,
        hint: 'produce ledgers with `npx tsx load/ledger.ts <k6-raw.json> <ledger.jsonl>`',
      });
    }
    return parsed.data;
  }
}

/** One-line account of a conversion, for the CLI and logs. */
export function describeConversion(stats: LedgerConversion): string {
  const parts = [
    `${stats.records} requests in ${stats.ledgerPath}`,
    `k6 counted ${stats.flowRequests} flow requests (+${stats.otherRequests} other)`,
  ];
  if (stats.untraced > 0) parts.push(`${stats.untraced} flow requests without ledger metadata`);
  if (stats.malformedLines > 0) parts.push(`${stats.malformedLines} malformed lines skipped`);
  return parts.join('; ');
}

async function main(argv: readonly string[]): Promise<number> {
  const [rawPath, ledgerPath] = argv;
  if (rawPath === undefined || ledgerPath === undefined) {
    process.stderr.write('usage: npx tsx load/ledger.ts <k6-raw.json[.gz]> <ledger.jsonl>\n');
    return 2;
  }
  try {
    const stats = await convertK6Output(rawPath, ledgerPath);
    process.stdout.write(`${describeConversion(stats)}\n`);
    // An incomplete ledger is a harness failure: the validators would miss requests.
    return stats.records === stats.flowRequests ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}

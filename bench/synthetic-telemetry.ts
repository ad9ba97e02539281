/**
 * Synthetic telemetry for the validators benchmark: N requests' worth of what a correct fleet
 * emits (a ledger line, the flow's spans, one JSON log line per service on the path), pushed into
 * a REAL stack the way the fleet does it: spans over OTLP/HTTP (JSON) to the Collector, log lines
 * appended to `<fleetLogDir>/<service>/<service>.log`, which the Collector's file_log receiver tails.
 * Generating 100k requests takes about a minute instead of the ~6 minutes a fleet would need.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { KB_SERVICES, flowByName, type FlowDef, type FlowName, type ServiceName } from '../catalog/index.ts';
import { forEachConcurrent, pollInterval, pollUntil, type LedgerEntry } from '../core/index.ts';
import { parsePrometheusText, planFor, sumOf } from '../mock-services/index.ts';
import { LOG_STORE_EXPORTER } from '../stack/index.ts';

export interface SyntheticOptions {
  requests: number;
  runId: string;
  /** The Collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`). */
  otlpHttpUrl: string;
  /** The directory whose `*\/*.log` files the Collector tails (the stack's `fleetLogDir`). */
  fleetLogDir: string;
  ledgerPath: string;
  /** Requests per second the ledger's start times (and span times) are spread at (default 500). */
  ratePerS?: number;
  /** Traces per OTLP request (default 500). */
  tracesPerBatch?: number;
  /** OTLP requests in flight (default 3). */
  concurrency?: number;
  /**
   * Jaeger's own /metrics: when given, pushing pauses while more than `maxBacklogSpans` spans are
   * between us and Jaeger's store, so the Collector's queue (and its memory_limiter) stays quiet.
   */
  jaegerMetricsUrl?: string;
  /** Default 150k spans (~11k requests). */
  maxBacklogSpans?: number;
  log?: (line: string) => void;
}

export interface SyntheticRun {
  ledgerPath: string;
  requests: number;
  spans: number;
  logLines: number;
  perFlow: Record<string, number>;
  /** The ledger's time span (start of the first request, end of the last). */
  ledgerWindow: { start: Date; end: Date };
  /** OTLP requests the Collector refused with a retryable status and were sent again. */
  retries: number;
  /** Time spent waiting for Jaeger to catch up (backlog above `maxBacklogSpans`). */
  throttledMs: number;
  generateMs: number;
}

/** The load scenario's mix (catalog weights), as cumulative thresholds over 100. */
const FLOW_MIX: readonly [FlowName, number][] = [
  ['plan_and_execute', 60],
  ['kb_query', 85],
  ['llm_generate', 100],
];
const OTLP_RETRIES = 8;
const OTLP_TIMEOUT_MS = 60_000;
/** How long one pause for Jaeger to catch up may last before the push gives up. */
const BACKLOG_TIMEOUT_MS = 180_000;
/** Span duration per hop; the tree nests inside the entry span's 2 ms per span. */
const HOP_US = 2_000;

/** A deterministic 32-bit generator (mulberry32), so a size always gets the same flow mix and KB choices. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface OtlpAttribute {
  key: string;
  value: { stringValue: string } | { intValue: number };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: 2 | 3;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: 0 };
}

interface SyntheticLogLine {
  service: ServiceName;
  spanId: string;
  method: string;
}

const str = (key: string, value: string): OtlpAttribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): OtlpAttribute => ({ key, value: { intValue: value } });
/** Random ids from a pooled buffer: one randomBytes call per 64 KiB instead of one per id. */
const POOL_BYTES = 65_536;
let pool = randomBytes(POOL_BYTES);
let poolOffset = 0;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}
const spanId = () => randomHex(8);
const nanos = (us: number) => `${us}000`;

/** The operation a service's server span serves in this flow (the `method` of its log line). */
function operationOf(path: string): string {
  return path.split('/').pop() ?? path;
}

/**
 * The spans a correct fleet produces for one request of `flow` calling `kbs` on its variable hop
 * (validators/testing/fake-jaeger.ts `buildTrace`, as OTLP): the entry server span (its parent is
 * k6's span, never exported), then per call a client span `call <to>` under the caller's server span
 * and the callee's server span under it. Returns the spans by service and one log line per server span.
 */
export function requestTelemetry(
  flow: FlowDef,
  entry: LedgerEntry,
  kbs: readonly ServiceName[],
): { spans: Map<ServiceName, OtlpSpan[]>; logLines: SyntheticLogLine[] } {
  const spans = new Map<ServiceName, OtlpSpan[]>();
  const logLines: SyntheticLogLine[] = [];
  const startUs = entry.startMs * 1000;
  let offsetUs = 0;
  const add = (
    service: ServiceName,
    name: string,
    parent: string,
    kind: 2 | 3,
    attributes: OtlpAttribute[],
  ): string => {
    const id = spanId();
    offsetUs += 10;
    let list = spans.get(service);
    if (!list) spans.set(service, (list = []));
    list.push({
      traceId: entry.traceId,
      spanId: id,
      parentSpanId: parent,
      name,
      kind,
      startTimeUnixNano: nanos(startUs + offsetUs),
      endTimeUnixNano: nanos(startUs + offsetUs + HOP_US),
      attributes: [
        str('correlation.id', entry.correlationId),
        str('http.request.method', 'POST'),
        ...attributes,
      ],
      status: { code: 0 },
    });
    return id;
  };
  const server = (service: ServiceName, path: string, parent: string): string => {
    const id = add(service, `POST ${path}`, parent, 2, [
      str('url.path', path),
      str('http.route', path),
      str('phoenix.operation', operationOf(path)),
      int('http.response.status_code', 200),
    ]);
    logLines.push({ service, spanId: id, method: operationOf(path) });
    return id;
  };
  const serverPath = (service: ServiceName) =>
    flow.spans.find((d) => d.service === service && d.kind === 'server')?.name.replace(/^POST /, '') ??
    `/internal/${service}`;
  const serverSpans = new Map<ServiceName, string>([
    ['orchestrator-service', server('orchestrator-service', flow.entry.path, spanId())],
  ]);
  const calls = [
    ...flow.hops,
    ...(flow.variableHops ?? []).flatMap((h) =>
      h.anyOf.filter((t) => kbs.includes(t)).map((to) => ({ from: h.from, to })),
    ),
  ];
  for (const { from, to } of calls) {
    const caller = serverSpans.get(from) ?? spanId();
    const client = add(from, `call ${to}`, caller, 3, [
      str('peer.service', to),
      str('url.path', serverPath(to)),
      int('http.response.status_code', 200),
    ]);
    serverSpans.set(to, server(to, serverPath(to), client));
  }
  return { spans, logLines };
}

/** Sends one OTLP/HTTP JSON body, again on 429/502/503 (memory_limiter) with a growing pause, a bounded number of times. */
async function postOtlp(url: string, body: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    // fetch, not axios: axios JSON.parses a string body to "validate" it, which costs as much as building it.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(OTLP_TIMEOUT_MS),
    });
    const text = await res.text();
    if (res.ok) return attempt;
    const retryable = res.status === 429 || res.status === 503 || res.status === 502;
    if (!retryable || attempt >= OTLP_RETRIES) {
      throw new Error(`Collector answered ${res.status} at ${url}: ${text.slice(0, 300)}`);
    }
    // The Collector asks us to slow down: back off, bounded by the retry count.
    await pollInterval(250 * 2 ** Math.min(attempt, 4));
  }
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function end(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/**
 * Generates `requests` synthetic requests and pushes their telemetry into the stack. Memory stays
 * bounded by one batch per OTLP request in flight: ledger and log lines are streamed to files.
 */
export async function generateSyntheticTelemetry(options: SyntheticOptions): Promise<SyntheticRun> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const rate = options.ratePerS ?? 500;
  const perBatch = options.tracesPerBatch ?? 500;
  const random = seeded(options.requests);
  const firstMs = Date.now() - Math.ceil((options.requests / rate) * 1000) - 5_000;
  const tracesUrl = `${options.otlpHttpUrl.replace(/\/+$/, '')}/v1/traces`;

  mkdirSync(dirname(options.ledgerPath), { recursive: true });
  const ledger = createWriteStream(options.ledgerPath);
  const logFiles = new Map<ServiceName, WriteStream>();
  const logFile = (service: ServiceName) => {
    let stream = logFiles.get(service);
    if (!stream) {
      const dir = join(options.fleetLogDir, service);
      mkdirSync(dir, { recursive: true });
      logFiles.set(service, (stream = createWriteStream(join(dir, `${service}.log`), { flags: 'a' })));
    }
    return stream;
  };
  const flows = new Map<FlowName, FlowDef>(FLOW_MIX.map(([name]) => [name, flowByName(name)]));
  const perFlow: Record<string, number> = {};
  let spans = 0;
  let logLines = 0;
  let retries = 0;
  let lastEndMs = firstMs;
  let posted = 0;
  let throttledMs = 0;
  const maxBacklog = options.maxBacklogSpans ?? 150_000;
  const jaegerStored = async () =>
    options.jaegerMetricsUrl
      ? scrapeCounter(options.jaegerMetricsUrl, 'otelcol_exporter_sent_spans', {
          exporter: 'jaeger_storage_exporter',
        })
      : Number.POSITIVE_INFINITY;
  const storedAtStart = await jaegerStored();
  let stored = storedAtStart;
  /** Waits (bounded) until Jaeger has stored all but `maxBacklog` of the spans posted so far. */
  const throttle = async () => {
    if (!options.jaegerMetricsUrl || posted - (stored - storedAtStart) <= maxBacklog) return;
    const since = Date.now();
    const outcome = await pollUntil({
      description: 'Jaeger catching up with the synthetic spans',
      probe: async () => (stored = await jaegerStored()),
      until: (n) => posted - (n - storedAtStart) <= maxBacklog,
      timeoutMs: BACKLOG_TIMEOUT_MS,
      intervalMs: 250,
    });
    throttledMs += Date.now() - since;
    if (!outcome.ok)
      throw new Error(
        `Jaeger stored only ${stored - storedAtStart} of ${posted} spans after ${BACKLOG_TIMEOUT_MS}ms`,
      );
  };

  // One batch at a time is built here (ledger and log lines written as it is built); its OTLP body is posted concurrently.
  async function* batches(): AsyncGenerator<{ body: string; spans: number }> {
    for (let first = 0; first < options.requests; first += perBatch) {
      const byService = new Map<ServiceName, OtlpSpan[]>();
      let ledgerText = '';
      const linesByService = new Map<ServiceName, string>();
      for (let i = first; i < Math.min(first + perBatch, options.requests); i++) {
        const roll = random() * 100;
        const flowName = FLOW_MIX.find(([, upTo]) => roll < upTo)?.[0] ?? 'plan_and_execute';
        const flow = flows.get(flowName) ?? flowByName(flowName);
        const startMs = firstMs + Math.floor((i * 1000) / rate);
        const entry: LedgerEntry = {
          traceId: randomHex(16),
          correlationId: `${options.runId}-${(i % 100) + 1}-${Math.floor(i / 100)}`,
          flow: flowName,
          status: 200,
          startMs,
          durationMs: 40 + Math.floor(random() * 40),
        };
        lastEndMs = startMs + entry.durationMs;
        perFlow[flowName] = (perFlow[flowName] ?? 0) + 1;
        const kbs =
          flowName === 'plan_and_execute'
            ? planFor(`synthetic query ${i}`).kbs
            : flowName === 'kb_query'
              ? [KB_SERVICES[i % KB_SERVICES.length] ?? 'mind-kb']
              : [];
        const t = requestTelemetry(flow, entry, kbs);
        for (const [service, list] of t.spans) {
          let all = byService.get(service);
          if (!all) byService.set(service, (all = []));
          for (const s of list) all.push(s);
          spans += list.length;
        }
        ledgerText += `${JSON.stringify(entry)}\n`;
        const ts = new Date(startMs).toISOString();
        for (const line of t.logLines) {
          linesByService.set(
            line.service,
            (linesByService.get(line.service) ?? '') +
              `${JSON.stringify({
                ts,
                level: 'info',
                msg: `${line.method} answered 200`,
                service: line.service,
                trace_id: entry.traceId,
                span_id: line.spanId,
                correlation_id: entry.correlationId,
                method: line.method,
                status: 200,
                duration_ms: 2,
              })}\n`,
          );
          logLines += 1;
        }
      }
      await write(ledger, ledgerText);
      for (const [service, text] of linesByService) await write(logFile(service), text);
      const body = JSON.stringify({
        resourceSpans: [...byService].map(([service, list]) => ({
          resource: { attributes: [str('service.name', service)] },
          scopeSpans: [{ scope: { name: 'phoenix-mock-services' }, spans: list }],
        })),
      });
      yield { body, spans: [...byService.values()].reduce((n, l) => n + l.length, 0) };
      if (first > 0 && (first / perBatch) % 40 === 0)
        log(`    generated ${first} of ${options.requests} requests`);
    }
  }

  try {
    await forEachConcurrent(batches(), options.concurrency ?? 3, async (batch) => {
      await throttle();
      retries += await postOtlp(tracesUrl, batch.body);
      posted += batch.spans;
    });
  } finally {
    await Promise.all([end(ledger), ...[...logFiles.values()].map(end)]);
  }
  return {
    ledgerPath: options.ledgerPath,
    requests: options.requests,
    spans,
    logLines,
    perFlow,
    ledgerWindow: { start: new Date(firstMs), end: new Date(lastEndMs) },
    retries,
    throttledMs,
    generateMs: Date.now() - started,
  };
}

/** Sum of a counter family (any `_total` suffix, any labels matching) on a /metrics page; 0 when absent. */
export async function scrapeCounter(
  metricsUrl: string,
  name: string,
  match: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${metricsUrl} answered ${res.status}`);
  const samples = parsePrometheusText(await res.text());
  return sumOf(samples, name, match) + sumOf(samples, `${name}_total`, match);
}

export interface IngestTargets {
  /** Jaeger's own /metrics: its storage exporter counts the spans it stored. */
  jaegerMetricsUrl: string;
  /** The Collector's own /metrics: its log store exporter counts the log records the store accepted. */
  collectorMetricsUrl: string;
  /** That exporter's name (default: the one for VictoriaLogs, the embedded log store). */
  logExporter?: string;
  spans: number;
  logLines: number;
  /** Counter values before the push (the stack may hold earlier data). */
  baseline: IngestCounts;
  timeoutMs: number;
}

export interface IngestCounts {
  spans: number;
  logLines: number;
  /** Spans Jaeger accepted but has not stored yet (retried batches land twice: `spans` alone can overcount). */
  jaegerQueued: number;
}

/**
 * What the backends hold so far: spans Jaeger stored, log records the log store accepted (the
 * Collector's exporter to it counts a record sent once the store answered 2xx; failed pushes,
 * which the Collector retries, are not counted).
 */
export async function ingestCounts(
  jaegerMetricsUrl: string,
  collectorMetricsUrl: string,
  logExporter: string = LOG_STORE_EXPORTER.victorialogs,
): Promise<IngestCounts> {
  const [spans, accepted, failed, logLines] = await Promise.all([
    scrapeCounter(jaegerMetricsUrl, 'otelcol_exporter_sent_spans', { exporter: 'jaeger_storage_exporter' }),
    scrapeCounter(jaegerMetricsUrl, 'otelcol_receiver_accepted_spans', { receiver: 'otlp' }),
    scrapeCounter(jaegerMetricsUrl, 'otelcol_exporter_send_failed_spans', {
      exporter: 'jaeger_storage_exporter',
    }),
    scrapeCounter(collectorMetricsUrl, 'otelcol_exporter_sent_log_records', { exporter: logExporter }),
  ]);
  return { spans, logLines, jaegerQueued: accepted - spans - failed };
}

/**
 * Waits (polling, with a deadline) until Jaeger has stored every span pushed (and nothing it accepted
 * is still queued) and the log store has accepted every log line written; returns how long that
 * took and the last counts seen.
 */
export async function waitForIngest(
  targets: IngestTargets,
): Promise<{ ok: boolean; elapsedMs: number; last: IngestCounts | undefined }> {
  const outcome = await pollUntil({
    description: 'synthetic telemetry in Jaeger and the log store',
    probe: async () => {
      const now = await ingestCounts(
        targets.jaegerMetricsUrl,
        targets.collectorMetricsUrl,
        targets.logExporter,
      );
      return {
        spans: now.spans - targets.baseline.spans,
        logLines: now.logLines - targets.baseline.logLines,
        jaegerQueued: now.jaegerQueued,
      };
    },
    until: (c) => c.spans >= targets.spans && c.jaegerQueued <= 0 && c.logLines >= targets.logLines,
    timeoutMs: targets.timeoutMs,
    intervalMs: 1_000,
  });
  return { ok: outcome.ok, elapsedMs: outcome.elapsedMs, last: outcome.last };
}

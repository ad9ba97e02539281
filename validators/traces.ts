import {
  flowAtPhase,
  flowByName,
  type FlowDef,
  type FlowName,
  type Phase,
  type SpanDef,
} from '../catalog/index.ts';
import { forEachConcurrent, pollInterval, type CheckResult, type LedgerEntry } from '../core/index.ts';
import type { JaegerSpan, JaegerTrace } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { errorMessage, nothingExamined, result, skipped, type ResultBase } from './result.ts';
import { runnerFunnel } from './runner-funnel.ts';

const DEFAULT_CONCURRENCY = 16;
/** Trace ids per batched Jaeger request (`/api/traces?traceID=…`): ~1 MB of JSON, well under URL limits. */
const BATCH_SIZE = 100;
/** Batched requests in flight: Jaeger's JSON rendering, not the round trip, is the cost of a batch. */
const BATCH_CONCURRENCY = 3;
const DEFAULT_EXAMPLES = 10;
/** A trace whose span count has not changed for this long is taken as complete, broken or not. */
const SETTLE_MS = 3_000;
const RETRY_INTERVAL_MS = 1_000;

/** What one trace looks like against its flow's expectations. */
export interface TraceVerdict {
  spanCount: number;
  missingServices: string[];
  missingSpans: string[];
  /** `from → to` hops whose client span has no server child in the trace. */
  brokenHops: string[];
  /** Spans whose parent is not in the trace, other than the single entry span. */
  orphanSpans: string[];
  /** Spans whose `correlation.id` differs from the ledger's (or is missing). */
  correlationMismatches: string[];
  /** `service/span name: attribute` for each required attribute absent. */
  missingAttributes: string[];
  variableHopProblems: string[];
  /**
   * Spans the flow produces once per request that the trace holds more often (a retried hop, a
   * doubly instrumented service), and span ids stored twice (a span exported twice), each naming
   * its service: `data-router: 2 × call mind-kb (expected 1)`.
   */
  duplicateSpans: string[];
}

const serviceOf = (trace: JaegerTrace, span: JaegerSpan) =>
  trace.processes[span.processID]?.serviceName ?? '?';
const tagOf = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;
const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;

function isVariableTarget(flow: FlowDef, spanDef: SpanDef): boolean {
  // The full flow's variable hops: a phase may drop the targets (KBs at phase 1) but keep the caller's
  // `call <kb>` spans, which stay optional (the plan picks which KBs it calls).
  return (flowByName(flow.name).variableHops ?? []).some(
    (h) =>
      (spanDef.kind === 'server' && h.anyOf.includes(spanDef.service)) ||
      (spanDef.kind === 'client' &&
        spanDef.service === h.from &&
        h.anyOf.some((t) => spanDef.name === `call ${t}`)),
  );
}

/** Per flow (as restricted to a phase): its span definitions that are variable, computed once, not per trace. */
const variableDefsOf = new WeakMap<FlowDef, Set<SpanDef>>();
function variableDefs(flow: FlowDef): Set<SpanDef> {
  let defs = variableDefsOf.get(flow);
  if (!defs) variableDefsOf.set(flow, (defs = new Set(flow.spans.filter((d) => isVariableTarget(flow, d)))));
  return defs;
}

/** Compares one trace with its flow (restricted to the phase's services). Pure, for unit tests. */
export function analyzeTrace(trace: JaegerTrace, entry: LedgerEntry, flow: FlowDef): TraceVerdict {
  const spans = trace.spans;
  // Each span's service and parent, read once: the checks below look them up per pair of spans.
  const serviceBySpan = new Map(spans.map((s) => [s, serviceOf(trace, s)]));
  const svc = (s: JaegerSpan) => serviceBySpan.get(s) ?? '?';
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const spansByName = new Map<string, JaegerSpan[]>();
  for (const s of spans) {
    const k = `${svc(s)} ${s.operationName}`;
    const list = spansByName.get(k);
    if (list) list.push(s);
    else spansByName.set(k, [s]);
  }
  const services = new Set(serviceBySpan.values());
  /** `parent id → service` of every span with a parent: a client span's server child. */
  const childServices = new Set<string>();
  for (const s of spans) {
    const parent = parentOf(s);
    if (parent !== undefined) childServices.add(`${parent} ${svc(s)}`);
  }

  const variableTargets = new Set((flow.variableHops ?? []).flatMap((h) => h.anyOf));
  const missingServices = flow.services.filter((s) => !services.has(s) && !variableTargets.has(s));
  const variable = variableDefs(flow);
  const missingSpans = flow.spans
    .filter((d) => !variable.has(d) && !spansByName.has(`${d.service} ${d.name}`))
    .map((d) => `${d.service}: ${d.name}`);

  const variableHopProblems: string[] = [];
  for (const hop of flow.variableHops ?? []) {
    const called = hop.anyOf.filter((t) => spansByName.has(`${hop.from} call ${t}`));
    if (called.length < hop.min || called.length > hop.max) {
      variableHopProblems.push(
        `${hop.from} called ${called.length} of ${hop.anyOf.join('/')} (expected ${hop.min}..${hop.max})`,
      );
    }
    // Each target actually called must show its own server span in this trace.
    for (const target of called) {
      const server = flow.spans.find((d) => d.service === target && d.kind === 'server');
      if (server && !spansByName.has(`${target} ${server.name}`))
        missingSpans.push(`${target}: ${server.name}`);
    }
  }

  // Every client span `call X` must have a server span of X as its child: otherwise X's side of the
  // call landed in another trace (or nowhere), i.e. the caller did not propagate traceparent.
  const phaseServices = new Set<string>([...flow.services, ...variableTargets]);
  const brokenHops: string[] = [];
  for (const span of spans) {
    if (!span.operationName.startsWith('call ')) continue;
    const target = span.operationName.slice('call '.length);
    if (target === '' || !phaseServices.has(target)) continue;
    if (!childServices.has(`${span.spanID} ${target}`)) brokenHops.push(`${svc(span)} → ${target}`);
  }

  const roots = spans.filter((s) => {
    const parent = parentOf(s);
    return parent === undefined || !byId.has(parent);
  });
  // The entry span's parent is k6's (not exported), so exactly one root is expected: the entry server span.
  const entryName = `POST ${flow.entry.path}`;
  const orphanSpans = roots
    .filter(
      (s, i) =>
        !(i === roots.findIndex((r) => r.operationName === entryName) && s.operationName === entryName),
    )
    .map((s) => `${serviceOf(trace, s)}: ${s.operationName}`);

  const correlationMismatches = spans
    .filter((s) => tagOf(s, 'correlation.id') !== entry.correlationId)
    .map(
      (s) =>
        `${serviceOf(trace, s)}: ${s.operationName} has ${JSON.stringify(tagOf(s, 'correlation.id') ?? null)}`,
    );

  const missingAttributes: string[] = [];
  for (const def of flow.spans) {
    for (const span of spansByName.get(`${def.service} ${def.name}`) ?? []) {
      for (const attr of def.requiredAttributes) {
        if (tagOf(span, attr) === undefined) missingAttributes.push(`${def.service}: ${def.name}: ${attr}`);
      }
    }
  }

  // Quantity: each span of the flow once per request, each span id once.
  const duplicateSpans: string[] = [];
  for (const d of flow.spans) {
    const n = spansByName.get(`${d.service} ${d.name}`)?.length ?? 0;
    if (n > 1) duplicateSpans.push(`${d.service}: ${n} × ${d.name} (expected 1)`);
  }
  if (byId.size < spans.length) {
    const perId = new Map<string, number>();
    for (const s of spans) perId.set(s.spanID, (perId.get(s.spanID) ?? 0) + 1);
    for (const [id, n] of perId) {
      const first = n > 1 ? byId.get(id) : undefined;
      if (first)
        duplicateSpans.push(
          `${serviceOf(trace, first)}: span ${id} (${first.operationName}) stored ${n} times (exported twice?)`,
        );
    }
  }

  return {
    spanCount: spans.length,
    missingServices,
    missingSpans,
    brokenHops: [...new Set(brokenHops)],
    orphanSpans,
    correlationMismatches,
    missingAttributes: [...new Set(missingAttributes)],
    variableHopProblems,
    duplicateSpans,
  };
}

const isClean = (v: TraceVerdict) =>
  v.missingServices.length +
    v.missingSpans.length +
    v.brokenHops.length +
    v.orphanSpans.length +
    v.variableHopProblems.length +
    v.duplicateSpans.length ===
  0;

interface Tally {
  count: number;
  examples: string[];
}

function tally(): Tally {
  return { count: 0, examples: [] };
}

function note(t: Tally, example: string, limit: number): void {
  t.count += 1;
  if (t.examples.length < limit) t.examples.push(example);
}

interface Pending {
  entry: LedgerEntry;
  lastSpanCount: number;
  stableSince: number;
  verdict?: TraceVerdict;
}

const base = (id: string, title: string, phase: Phase): ResultBase => ({
  id: `traces.${id}`,
  family: 'traces',
  title,
  phase,
});

/** Why traces may be missing when the run sent more than the trace store keeps (empty otherwise). */
function overflowNote(capacity: number | undefined, sent: number): string {
  if (capacity === undefined || sent <= capacity) return '';
  return (
    `; this run sent ${sent} requests and the trace store keeps only the newest ${capacity} traces, so ` +
    'the oldest were evicted before they could be checked: run it with --trace-store badger ' +
    '(stack.traceStore), which keeps every trace on disk'
  );
}

/**
 * The traces family: every ledger trace is in Jaeger, holds its flow's services and spans with
 * intact parentage (naming the hop that broke propagation), carries the request's correlation id
 * and the required attributes. Traces arrive late, so lookups repeat until each trace is complete
 * or has stopped changing, bounded by the ingest deadline (with at least one retry pass).
 */
export async function tracesCheck(ctx: ValidationContext): Promise<CheckResult[]> {
  const phase = ctx.phase;
  const ids = {
    completeness: base('completeness', 'Every request of the ledger has its trace in Jaeger', 1),
    structure: base('structure', "Each trace holds its flow's services and span names", 1),
    propagation: base(
      'propagation',
      'Every hop propagates traceparent: one root, every parent inside the trace',
      1,
    ),
    correlation: base('correlation', "Every span carries the request's correlation id", 2),
    attributes: base('attributes', 'Spans carry the required attributes', 2),
  };
  const all = Object.values(ids);
  const jaeger = ctx.clients.jaeger;
  if (!jaeger) return all.map((b) => skipped(b, 'needs the Jaeger endpoint'));
  if (!ctx.ledger)
    return all.map((b) => skipped(b, 'needs a request ledger (run a scenario, or pass --ledger)'));

  const limit = ctx.exampleLimit ?? DEFAULT_EXAMPLES;
  const flows = new Map<FlowName, FlowDef>();
  const flowOf = (name: FlowName) => {
    let f = flows.get(name);
    if (!f) flows.set(name, (f = flowAtPhase(flowByName(name), phase)));
    return f;
  };

  const started = Date.now();
  const deadline = started + ctx.ingestTimeoutMs;
  /** Only the traces not judged yet: the ledger is streamed, so memory holds batches in flight and retries, not the run. */
  const pending = new Map<string, Pending>();
  /** Every trace id of the ledger (a repeated line is one request sent twice, traced once, as before). */
  const known = new Set<string>();
  let traced = 0;
  let sent = 0;
  let lastError: string | undefined;
  /** Whether Jaeger's latest answer was an error (garbage, unreachable): missing traces are then unknown, not absent. */
  let failing = false;
  const perFlow: Record<string, { sent: number; traced: number }> = {};
  const runners = runnerFunnel('traced');

  const structure = tally();
  const propagation = tally();
  const hops = new Map<string, number>();
  const correlation = tally();
  const attributes = new Map<string, number>();
  /** A judged trace is folded into the tallies at once and forgotten (a 1M-request ledger holds no verdicts). */
  const settle = (entry: LedgerEntry, verdict: TraceVerdict) => {
    traced += 1;
    const flow = perFlow[entry.flow];
    if (flow) flow.traced += 1;
    runners.reached(entry.runner);
    const label = `${entry.traceId} (${entry.flow})`;
    const structural = [
      ...verdict.missingServices.map((s) => `no ${s} span`),
      ...verdict.missingSpans.map((s) => `missing ${s}`),
      ...verdict.variableHopProblems,
      ...verdict.duplicateSpans,
    ];
    if (structural.length) note(structure, `${label}: ${structural.join('; ')}`, limit);
    if (verdict.brokenHops.length || verdict.orphanSpans.length) {
      const parts = [
        ...verdict.brokenHops.map((h) => `${h} did not propagate traceparent`),
        ...verdict.orphanSpans.map((o) => `orphan ${o}`),
      ];
      note(propagation, `${label}: ${parts.join('; ')}`, limit);
      for (const h of verdict.brokenHops) hops.set(h, (hops.get(h) ?? 0) + 1);
    }
    if (verdict.correlationMismatches.length) {
      note(
        correlation,
        `${label}: expected ${entry.correlationId}; ${verdict.correlationMismatches.slice(0, 3).join('; ')}`,
        limit,
      );
    }
    for (const a of verdict.missingAttributes) attributes.set(a, (attributes.get(a) ?? 0) + 1);
  };

  const judge = (p: Pending, trace: JaegerTrace | undefined, now: number) => {
    if (!trace || !pending.has(p.entry.traceId)) return;
    const verdict = analyzeTrace(trace, p.entry, flowOf(p.entry.flow));
    if (verdict.spanCount !== p.lastSpanCount) {
      p.lastSpanCount = verdict.spanCount;
      p.stableSince = now;
    }
    p.verdict = verdict;
    if (isClean(verdict) || now - p.stableSince >= SETTLE_MS) {
      pending.delete(p.entry.traceId);
      settle(p.entry, verdict);
    }
  };
  const lookUp = async (p: Pending) => {
    let trace: JaegerTrace | undefined;
    try {
      trace = await jaeger.getTrace(p.entry.traceId);
    } catch (error) {
      lastError = errorMessage(error);
      failing = true;
      return;
    }
    failing = false;
    judge(p, trace, Date.now());
  };
  // With a batching client one request answers BATCH_SIZE ids: measured ~6x less harness CPU and half
  // of Jaeger's, compared with one request per id.
  const getTraces = jaeger.getTraces?.bind(jaeger);
  const lookUpBatch = async (batch: Pending[]) => {
    if (!getTraces) return forEachConcurrent(batch, ctx.concurrency ?? DEFAULT_CONCURRENCY, lookUp);
    let traces: Map<string, JaegerTrace>;
    try {
      traces = await getTraces(batch.map((p) => p.entry.traceId));
    } catch (error) {
      lastError = errorMessage(error);
      failing = true;
      return;
    }
    failing = false;
    const now = Date.now();
    for (const p of batch) judge(p, traces.get(p.entry.traceId), now);
  };
  const batchConcurrency = getTraces ? Math.min(BATCH_CONCURRENCY, ctx.concurrency ?? BATCH_CONCURRENCY) : 1;
  async function* batchesOf(items: AsyncIterable<Pending> | Iterable<Pending>): AsyncGenerator<Pending[]> {
    let batch: Pending[] = [];
    for await (const p of items) {
      batch.push(p);
      if (batch.length === BATCH_SIZE) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
  async function* fromLedger(ledger: NonNullable<ValidationContext['ledger']>): AsyncGenerator<Pending> {
    for await (const entry of ledger.read()) {
      sent += 1;
      (perFlow[entry.flow] ??= { sent: 0, traced: 0 }).sent += 1;
      runners.sent(entry.runner);
      if (known.has(entry.traceId)) continue;
      known.add(entry.traceId);
      const p: Pending = { entry, lastSpanCount: -1, stableSince: Date.now() };
      pending.set(entry.traceId, p);
      yield p;
    }
  }

  // First pass streams the ledger; later passes retry what is missing or still changing.
  await forEachConcurrent(batchesOf(fromLedger(ctx.ledger)), batchConcurrency, lookUpBatch);
  known.clear();
  // At least one retry pass, even when the first pass of a large ledger outlasted the deadline: a
  // lookup that failed then (a timeout under load) is asked again before the trace counts as missing.
  for (let retries = 0; pending.size > 0 && (retries === 0 || Date.now() < deadline); retries++) {
    // Interval between retry passes, bounded by the ingest deadline (data arrives late).
    await pollInterval(Math.min(RETRY_INTERVAL_MS, Math.max(0, deadline - Date.now())));
    await forEachConcurrent(batchesOf([...pending.values()]), batchConcurrency, lookUpBatch);
  }
  // Traces still changing at the deadline are judged as last seen.
  const missing: LedgerEntry[] = [];
  for (const p of pending.values()) {
    if (p.verdict) settle(p.entry, p.verdict);
    else missing.push(p.entry);
  }
  pending.clear();
  const durationMs = Date.now() - started;
  const pct = sent === 0 ? 100 : (100 * traced) / sent;
  const evidenceIds = (examples: string[]) => examples.map((e) => e.split(' ')[0] ?? e);
  const jaegerUrl = (id: string) => `${jaeger.baseUrl}/trace/${id}`;
  const results: CheckResult[] = [];
  // Nothing sent, or no trace found: the per-trace checks had nothing to examine, so they cannot pass.
  if (sent === 0) {
    return all.map((b) =>
      nothingExamined(b, {
        expected: 'the ledger’s requests, traced',
        message: `the ledger ${ctx.ledger?.path ?? ''} holds no requests: no traffic was sent, so there is no trace to look up in Jaeger at ${jaeger.baseUrl}`,
        durationMs,
      }),
    );
  }
  const noTrace = (b: ResultBase, expected: string): CheckResult =>
    nothingExamined(b, {
      expected,
      message: `no trace to examine: none of the ${sent} requests of the ledger has its trace in Jaeger at ${jaeger.baseUrl} (see traces.completeness)`,
      durationMs,
    });

  // Jaeger's last answers were errors: whether the missing traces exist is unknown, so no check can pass or fail.
  if (failing && missing.length > 0) {
    return all.map((b) =>
      result(b, 'error', {
        expected: `${sent} traces`,
        observed: lastError ?? 'error',
        message: `could not look ${missing.length} of ${sent} traces up in Jaeger at ${jaeger.baseUrl}: ${lastError ?? 'error'}`,
        examined: traced,
        durationMs,
      }),
    );
  }

  results.push(
    missing.length === 0
      ? result(ids.completeness, 'pass', {
          expected: `${sent} traces`,
          observed: `${traced} found (100%)`,
          message: `all ${sent} requests of the ledger have their trace in Jaeger`,
          evidence: { perFlow, ...runners.result() },
          examined: sent,
          durationMs,
        })
      : result(ids.completeness, 'fail', {
          expected: `${sent} traces`,
          observed: `${traced} found (${pct.toFixed(2)}%)`,
          message:
            `${missing.length} of ${sent} requests have no trace in Jaeger at ${jaeger.baseUrl} after ${durationMs}ms` +
            ` (completeness ${pct.toFixed(2)}%); missing: ${missing
              .slice(0, limit)
              .map((m) => m.traceId)
              .join(', ')}` +
            (missing.length > limit ? ` and ${missing.length - limit} more` : '') +
            (lastError ? ` (last error: ${lastError})` : '') +
            overflowNote(ctx.traceStoreCapacity, sent),
          evidence: {
            traceIds: missing.slice(0, limit).map((m) => m.traceId),
            urls: missing.slice(0, 3).map((m) => jaegerUrl(m.traceId)),
            perFlow,
            ...runners.result(),
          },
          examined: sent,
          durationMs,
        }),
  );

  const summarize = (
    b: ResultBase,
    t: Tally,
    what: string,
    okMessage: string,
    headline?: string,
  ): CheckResult =>
    traced === 0
      ? noTrace(b, `0 ${what}`)
      : t.count === 0
        ? result(b, 'pass', {
            expected: `0 ${what}`,
            observed: `0 of ${traced} traces`,
            message: okMessage,
            examined: traced,
            durationMs,
          })
        : result(b, 'fail', {
            expected: `0 ${what}`,
            observed: `${t.count} of ${traced} traces`,
            message: `${headline ? `${headline}; ` : ''}${t.count} of ${traced} traces ${what}: ${t.examples.join(' | ')}`,
            evidence: {
              traceIds: evidenceIds(t.examples),
              urls: evidenceIds(t.examples).slice(0, 3).map(jaegerUrl),
            },
            examined: traced,
            durationMs,
          });

  results.push(
    summarize(
      ids.structure,
      structure,
      'lack expected services or spans, or repeat them',
      "every trace holds its flow's services and span names, each span once",
    ),
  );
  const hopHeadline = [...hops.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([h, n]) => `${h} did not propagate traceparent (${n} traces)`)
    .join('; ');
  results.push(
    summarize(
      ids.propagation,
      propagation,
      'are broken',
      'every trace has one root and every parent inside it',
      hopHeadline || undefined,
    ),
  );
  results.push(
    summarize(
      ids.correlation,
      correlation,
      'carry another correlation id',
      "every span carries its request's correlation id",
    ),
  );
  const attrList = [...attributes.entries()].map(([a, n]) => `${a} (${n} spans)`);
  results.push(
    traced === 0
      ? noTrace(ids.attributes, 'all required attributes')
      : attrList.length === 0
        ? result(ids.attributes, 'pass', {
            expected: 'all required attributes',
            observed: 'all present',
            message: 'every span carries its required attributes',
            examined: traced,
            durationMs,
          })
        : result(ids.attributes, 'fail', {
            expected: 'all required attributes',
            observed: `${attrList.length} missing`,
            message: `required span attributes missing: ${attrList.slice(0, limit).join('; ')}`,
            examined: traced,
            durationMs,
          }),
  );
  return results;
}

import { randomBytes } from 'node:crypto';
import type { FlowDef } from '../../catalog/index.ts';
import type { LedgerEntry } from '../../core/index.ts';
import type { JaegerApi, JaegerSpan, JaegerTrace } from '../clients/index.ts';

const spanId = () => randomBytes(8).toString('hex');

/**
 * Builds the trace a correct fleet would produce for one request of `flow` (the KBs named by
 * `kbs` for variable hops), or a broken one: `breakHop: 'data-router → mind-kb'` puts the callee's
 * side into another trace, as a service that drops traceparent would.
 */
export function buildTrace(
  flow: FlowDef,
  entry: LedgerEntry,
  options: { kbs?: string[]; breakHop?: string; dropAttribute?: string; correlationId?: string } = {},
): { trace: JaegerTrace; detached?: JaegerTrace } {
  const kbs = options.kbs ?? ['mind-kb'];
  const processes: JaegerTrace['processes'] = {};
  const pid = (service: string) => {
    const id = `p-${service}`;
    processes[id] = { serviceName: service, tags: [] };
    return id;
  };
  const spans: JaegerSpan[] = [];
  const detachedSpans: JaegerSpan[] = [];
  const detachedTraceId = randomBytes(16).toString('hex');
  const tags = (kind: 'server' | 'client', target?: string) =>
    [
      { key: 'correlation.id', type: 'string', value: options.correlationId ?? entry.correlationId },
      { key: 'http.request.method', type: 'string', value: 'POST' },
      ...(kind === 'server'
        ? [
            { key: 'http.route', type: 'string', value: '/x' },
            { key: 'http.response.status_code', type: 'int64', value: 200 },
          ]
        : [{ key: 'peer.service', type: 'string', value: target ?? '' }]),
    ].filter((t) => t.key !== options.dropAttribute);
  const span = (
    service: string,
    name: string,
    parent: string | undefined,
    kind: 'server' | 'client',
    target?: string,
    into = spans,
    traceId = entry.traceId,
  ) => {
    const s: JaegerSpan = {
      traceID: traceId,
      spanID: spanId(),
      operationName: name,
      references: parent ? [{ refType: 'CHILD_OF', traceID: traceId, spanID: parent }] : [],
      startTime: entry.startMs * 1000,
      duration: 1000,
      tags: tags(kind, target),
      processID: pid(service),
    };
    into.push(s);
    return s.spanID;
  };
  const entrySpan = span('orchestrator-service', `POST ${flow.entry.path}`, spanId(), 'server');
  const serverOf = (service: string) =>
    flow.spans.find((d) => d.service === service && d.kind === 'server')?.name ?? `POST /internal/${service}`;
  const serverSpans = new Map<string, string>([['orchestrator-service', entrySpan]]);
  const calls = [
    ...flow.hops.map((h) => ({ from: h.from as string, to: h.to as string })),
    ...(flow.variableHops ?? []).flatMap((h) =>
      h.anyOf.filter((t) => kbs.includes(t)).map((t) => ({ from: h.from as string, to: t as string })),
    ),
  ];
  for (const { from, to } of calls) {
    const parent = serverSpans.get(from);
    const client = span(from, `call ${to}`, parent, 'client', to);
    if (options.breakHop === `${from} → ${to}`) {
      serverSpans.set(
        to,
        span(to, serverOf(to), undefined, 'server', undefined, detachedSpans, detachedTraceId),
      );
    } else {
      serverSpans.set(to, span(to, serverOf(to), client, 'server'));
    }
  }
  return {
    trace: { traceID: entry.traceId, spans, processes },
    ...(detachedSpans.length
      ? { detached: { traceID: detachedTraceId, spans: detachedSpans, processes } }
      : {}),
  };
}

/** An in-memory Jaeger: traces become visible after `visibleAfterCalls` lookups (late arrival). */
export class FakeJaeger implements JaegerApi {
  readonly baseUrl = 'http://fake-jaeger';
  readonly traces = new Map<string, JaegerTrace>();
  lookups = 0;
  private readonly calls = new Map<string, number>();

  constructor(private readonly visibleAfterCalls = 0) {}

  add(trace: JaegerTrace): this {
    this.traces.set(trace.traceID, trace);
    return this;
  }

  async getTrace(traceId: string): Promise<JaegerTrace | undefined> {
    this.lookups += 1;
    const n = (this.calls.get(traceId) ?? 0) + 1;
    this.calls.set(traceId, n);
    return n > this.visibleAfterCalls ? this.traces.get(traceId) : undefined;
  }

  async services(): Promise<string[]> {
    return [
      ...new Set(
        [...this.traces.values()].flatMap((t) => Object.values(t.processes).map((p) => p.serviceName)),
      ),
    ];
  }
}

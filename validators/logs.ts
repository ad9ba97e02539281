import {
  LOG_SCHEMA,
  flowAtPhase,
  flowByName,
  type FlowDef,
  type FlowName,
  type Phase,
  type ServiceName,
} from '../catalog/index.ts';
import { forEachConcurrent, pollUntil, type CheckEvidence, type CheckResult } from '../core/index.ts';
import type { LogStoreApi, TimeWindow } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { PROBE_SERVICE } from './pipeline-probe.ts';
import { errorMessage, nothingExamined, result, skipped, type ResultBase } from './result.ts';
import { runnerFunnel } from './runner-funnel.ts';

/** Services queried at once: the store already spreads one query over its cores/shards, so two overlap the round trips. */
const QUERY_CONCURRENCY = 2;
const MARGIN_MS = 10_000;

const base = (id: string, title: string, phase: Phase): ResultBase => ({
  id: `logs.${id}`,
  family: 'logs',
  title,
  phase,
});

/** The store's queries, under the evidence key of their language (`logql` for Loki, `logsql` for VictoriaLogs). */
const queryEvidence = (logs: LogStoreApi, queries: string[]): CheckEvidence =>
  logs.kind === 'loki' ? { logql: queries } : { logsql: queries };

/** Lines a service writes per request of a flow: one per request it serves (its server spans in the flow). */
function linesPerRequest(flow: FlowDef): Map<string, number> {
  const lines = new Map<string, number>();
  for (const s of flow.spans) if (s.kind === 'server') lines.set(s.service, (lines.get(s.service) ?? 0) + 1);
  return lines;
}

/**
 * Quantity: per service, the requests it wrote more lines for than its flow produces (a line shipped
 * twice, a hop retried), as `llm-service: more log lines than its flow writes for 2 of 10 requests (…)`.
 * `lineCount(slot, column)` is what the store counted for a request (slot, in ledger order) and a service.
 */
function repeatedLines(
  requests: { total: number; flowOf(slot: number): FlowName; traceIdOf(slot: number): string },
  services: readonly string[],
  lineCount: (slot: number, column: number) => number,
): string[] {
  const perFlow = new Map<FlowName, Map<string, number>>();
  const over = new Map<string, { n: number; example: string }>();
  for (let slot = 0; slot < requests.total; slot++) {
    const flow = requests.flowOf(slot);
    let want = perFlow.get(flow);
    if (!want) perFlow.set(flow, (want = linesPerRequest(flowByName(flow))));
    for (const [c, service] of services.entries()) {
      const got = lineCount(slot, c);
      const expected = want.get(service) ?? 1;
      if (got <= expected) continue;
      const o = over.get(service);
      if (o) o.n += 1;
      else
        over.set(service, { n: 1, example: `${got} for ${requests.traceIdOf(slot)}, expected ${expected}` });
    }
  }
  return [...over]
    .sort((x, y) => y[1].n - x[1].n)
    .map(
      ([s, o]) =>
        `${s}: more log lines than its flow writes for ${o.n} of ${requests.total} requests (e.g. ${o.example}: a line shipped twice, or a hop run twice)`,
    );
}

/** Services each request must have log lines from: the flow's fixed services, and one of its variable targets. */
function expectedServices(flow: FlowDef): { fixed: ServiceName[]; anyOf: ServiceName[][] } {
  const variable = (flow.variableHops ?? []).map((h) => [...h.anyOf]);
  const variableSet = new Set(variable.flat());
  return { fixed: flow.services.filter((s) => !variableSet.has(s)), anyOf: variable };
}

/**
 * The logs family, with the same meaning on either log store (VictoriaLogs or Loki): the stream
 * labels (Loki labels, VictoriaLogs stream fields) are the catalog's, with allowed values, and none
 * of the forbidden high-cardinality ones; every request of the ledger has log lines from each
 * service on its path, carrying its trace id; lines whose trace id matches no request of the run
 * are reported per service.
 */
export async function logsCheck(ctx: ValidationContext): Promise<CheckResult[]> {
  const logs = ctx.clients.logs;
  const store = logs?.product ?? 'the log store';
  const ids = {
    labels: base('labels', `${store} has the required stream labels, with allowed values`, 1),
    forbidden: base(
      'forbidden-labels',
      `No high-cardinality stream labels (trace_id, span_id, correlation_id) in ${store}`,
      1,
    ),
    completeness: base(
      'completeness',
      'Every request has log lines from each service on its path, with its trace id',
      2,
    ),
  };
  if (!logs)
    return Object.values(ids).map((b) => skipped(b, 'needs the log store endpoint (VictoriaLogs or Loki)'));
  const window = ctx.window ?? { start: new Date(Date.now() - 15 * 60_000), end: new Date() };
  const guard = async (b: ResultBase, fn: () => Promise<CheckResult>) => {
    try {
      return await fn();
    } catch (error) {
      return result(b, 'error', {
        expected: '-',
        observed: errorMessage(error),
        message: `${b.title}: ${errorMessage(error)}`,
      });
    }
  };
  const labels = await guard(ids.labels, () => labelCheck(ctx, logs, ids.labels, window));
  const completeness = await guard(ids.completeness, () =>
    completenessCheck(ctx, logs, ids.completeness, window),
  );
  // Last: by now the label check and the completeness check have waited for the run's lines to be
  // visible, so a forbidden label on any of their streams is there to be seen.
  const forbidden = await guard(ids.forbidden, () => forbiddenCheck(logs, ids.forbidden, window));
  return [labels, forbidden, completeness];
}

const withMargin = (window: TimeWindow): TimeWindow => ({
  start: window.start,
  end: new Date(window.end.getTime() + MARGIN_MS),
});

/** No stream at all in the window: the label checks had nothing to examine, so they cannot pass. */
const noStreams = (logs: LogStoreApi, b: ResultBase, expected: string, what: string, span: TimeWindow) =>
  nothingExamined(b, {
    expected,
    message: `${logs.product} at ${logs.baseUrl} has no log stream from ${span.start.toISOString()} to ${span.end.toISOString()}: no ${what} to check`,
    evidence: { urls: [logs.labelsUrl] },
  });

async function labelCheck(
  ctx: ValidationContext,
  logs: LogStoreApi,
  b: ResultBase,
  window: TimeWindow,
): Promise<CheckResult> {
  const span = withMargin(window);
  // Lines arrive late: wait until every required label is there, or the deadline.
  const outcome = await pollUntil({
    description: `${logs.product} stream labels`,
    probe: () => logs.streamLabelNames(span),
    until: (names) => LOG_SCHEMA.labels.every((l) => names.includes(l.name)),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 1_000,
  });
  if (outcome.last === undefined && outcome.lastError) throw outcome.lastError;
  const names = outcome.last ?? [];
  const expected = LOG_SCHEMA.labels.map((l) => l.name).join(', ');
  if (names.length === 0) return noStreams(logs, b, expected, 'stream label', span);
  const problems: string[] = LOG_SCHEMA.labels
    .filter((l) => !names.includes(l.name))
    .map((l) => `stream label "${l.name}" is missing (stream labels: ${names.join(', ') || 'none'})`);
  for (const label of LOG_SCHEMA.labels.filter((l) => names.includes(l.name) && l.allowedValues)) {
    const values = await logs.streamLabelValues(label.name, span);
    // The harness's own pipeline probe logs under its own service name; it is not a Phoenix service.
    const bad = values.filter((v) => v !== PROBE_SERVICE && !label.allowedValues?.includes(v));
    if (bad.length)
      problems.push(
        `stream label "${label.name}" has value(s) ${bad.map((v) => JSON.stringify(v)).join(', ')} outside ${JSON.stringify(label.allowedValues)}`,
      );
  }
  const evidence = { urls: [logs.labelsUrl] };
  const examined = names.length;
  return problems.length === 0
    ? result(b, 'pass', {
        expected,
        observed: names.join(', '),
        message: `${logs.product} has the service and level stream labels, with allowed values`,
        evidence,
        examined,
      })
    : result(b, 'fail', {
        expected,
        observed: names.join(', '),
        message: `${logs.product} at ${logs.baseUrl}: ${problems.join('; ')}`,
        evidence,
        examined,
      });
}

async function forbiddenCheck(logs: LogStoreApi, b: ResultBase, window: TimeWindow): Promise<CheckResult> {
  const span = withMargin(window);
  const names = await logs.streamLabelNames(span);
  const present = LOG_SCHEMA.forbiddenLabels.filter((l) => names.includes(l));
  const expected = `none of ${LOG_SCHEMA.forbiddenLabels.join(', ')}`;
  if (names.length === 0) return noStreams(logs, b, expected, 'stream label', span);
  const examined = names.length;
  if (present.length === 0) {
    return result(b, 'pass', {
      expected,
      observed: 'none',
      message: `no high-cardinality stream labels in ${logs.product}`,
      examined,
    });
  }
  const counts = await Promise.all(
    present.map(async (l) => `${l} (${(await logs.streamLabelValues(l, span)).length} values)`),
  );
  return result(b, 'fail', {
    expected,
    observed: present.join(', '),
    message: `${logs.product} at ${logs.baseUrl} indexes high-cardinality stream label(s) ${counts.join(', ')}: one stream per request (the seed's Vector sink does this with trace_id); keep ids in the log line, as fields or structured metadata`,
    evidence: { urls: [logs.labelsUrl] },
    examined,
  });
}

/**
 * The ledger as the completeness check keeps it: one slot per request (a repeated trace id is one
 * request), with its trace id, flow and runner as small indexes, never the entries themselves (a
 * 1M-request ledger is ~100 MB here, nearly all of it the trace id → slot map).
 */
interface LedgerSlots {
  traceIds: string[];
  slotOf: Map<string, number>;
  flowNames: FlowName[];
  flows: number[];
  runnerNames: (string | undefined)[];
  runners: number[];
}

async function ledgerSlots(ledger: NonNullable<ValidationContext['ledger']>): Promise<LedgerSlots> {
  const slots: LedgerSlots = {
    traceIds: [],
    slotOf: new Map(),
    flowNames: [],
    flows: [],
    runnerNames: [],
    runners: [],
  };
  const indexOf = <T>(list: T[], value: T) => {
    const i = list.indexOf(value);
    return i >= 0 ? i : list.push(value) - 1;
  };
  for await (const entry of ledger.read()) {
    let slot = slots.slotOf.get(entry.traceId);
    if (slot === undefined) {
      slot = slots.traceIds.push(entry.traceId) - 1;
      slots.slotOf.set(entry.traceId, slot);
    }
    // A repeated trace id keeps its first place and takes the last line's flow and runner.
    slots.flows[slot] = indexOf(slots.flowNames, entry.flow);
    slots.runners[slot] = indexOf(slots.runnerNames, entry.runner);
  }
  return slots;
}

async function completenessCheck(
  ctx: ValidationContext,
  logs: LogStoreApi,
  b: ResultBase,
  window: TimeWindow,
): Promise<CheckResult> {
  if (!ctx.ledger) return skipped(b, 'needs a request ledger (run a scenario, or pass --ledger)');
  const ledger = await ledgerSlots(ctx.ledger);
  const total = ledger.traceIds.length;
  if (total === 0)
    return nothingExamined(b, {
      expected: 'the ledger’s requests, logged',
      message: `the ledger ${ctx.ledger.path} holds no requests: no traffic was sent, so there is no log line to look up in ${logs.product} at ${logs.baseUrl}`,
    });
  // Per flow (computed once, not once per request and scan): the services it must log from.
  const expectedPerFlow = ledger.flowNames.map((name) =>
    expectedServices(flowAtPhase(flowByName(name), ctx.phase)),
  );
  const services = [
    ...new Set(expectedPerFlow.flatMap(({ fixed, anyOf }) => [...fixed, ...anyOf.flat()])),
  ].sort();
  const column = new Map<string, number>(services.map((s, i) => [s, i]));
  const width = services.length;
  /** Lines per request and service as last counted (saturating at 255): `lines[slot * width + column]`. */
  const lines = new Uint8Array(total * width);
  /** Per flow: the columns it needs each, and the column groups of which it needs one. */
  const wanted = expectedPerFlow.map(({ fixed, anyOf }) => ({
    fixed: fixed.map((s) => column.get(s) ?? 0),
    anyOf: anyOf.map((group) => ({ name: group.join('|'), columns: group.map((s) => column.get(s) ?? 0) })),
  }));

  const span: TimeWindow = {
    start: new Date(window.start.getTime() - MARGIN_MS),
    end: new Date(window.end.getTime() + MARGIN_MS),
  };
  const strangers = new Map<string, number>();
  const evaluate = () => {
    const unlogged: { slot: number; missing: string[] }[] = [];
    for (let slot = 0; slot < total; slot++) {
      const want = wanted[ledger.flows[slot] ?? 0];
      if (!want) continue;
      const row = slot * width;
      let missing: string[] | undefined;
      for (const c of want.fixed) if (lines[row + c] === 0) (missing ??= []).push(services[c] ?? '?');
      for (const group of want.anyOf)
        if (!group.columns.some((c) => lines[row + c] !== 0)) (missing ??= []).push(group.name);
      if (missing) unlogged.push({ slot, missing });
    }
    return unlogged;
  };
  // Seen services only accumulate, so a pass queries only the services some request still lacks
  // (all of them at first), and a pass cut short by an error resumes with the services it left.
  let toScan = new Set<string>(services);
  const scanService = async (service: string) => {
    const counts = await logs.lineCountsByTraceId(service, span);
    const c = column.get(service) ?? 0;
    for (let slot = 0; slot < total; slot++) lines[slot * width + c] = 0;
    let unknown = 0;
    for (const [traceId, n] of counts) {
      const slot = ledger.slotOf.get(traceId);
      if (slot === undefined) unknown += 1;
      else lines[slot * width + c] = Math.min(n, 255);
    }
    if (unknown) strangers.set(service, unknown);
    else strangers.delete(service);
    toScan.delete(service);
  };
  const scan = async () => {
    await forEachConcurrent([...toScan], QUERY_CONCURRENCY, scanService);
    const unlogged = evaluate();
    const lacking = new Set(unlogged.flatMap((u) => u.missing.flatMap((m) => m.split('|'))));
    toScan = new Set<string>(services.filter((s) => lacking.has(s)));
    return unlogged;
  };
  const started = Date.now();
  const outcome = await pollUntil({
    description: `log lines for every request in ${logs.product}`,
    probe: scan,
    until: (u) => u.length === 0,
    timeoutMs: ctx.ingestTimeoutMs,
    // Short: the last lines of a run are usually a file-tail poll away; a rescan queries only the
    // services still lacking lines, so polling often is cheap.
    intervalMs: 500,
  });
  if (outcome.last === undefined && outcome.lastError) throw outcome.lastError;
  const unlogged = outcome.last ?? ledger.traceIds.map((_, slot) => ({ slot, missing: ['?'] as string[] }));
  const traceIdOf = (slot: number) => ledger.traceIds[slot] ?? '?';
  const flowOf = (slot: number) => ledger.flowNames[ledger.flows[slot] ?? 0] ?? 'plan_and_execute';
  const perService = new Map<string, number>();
  for (const u of unlogged) for (const s of u.missing) perService.set(s, (perService.get(s) ?? 0) + 1);
  const isUnlogged = new Uint8Array(total);
  for (const u of unlogged) isUnlogged[u.slot] = 1;
  const perFlow: Record<string, { sent: number; logged: number }> = {};
  const runners = runnerFunnel('logged');
  for (let slot = 0; slot < total; slot++) {
    const f = (perFlow[flowOf(slot)] ??= { sent: 0, logged: 0 });
    const runner = ledger.runnerNames[ledger.runners[slot] ?? 0];
    f.sent += 1;
    runners.sent(runner);
    if (isUnlogged[slot]) continue;
    f.logged += 1;
    runners.reached(runner);
  }
  const limit = ctx.exampleLimit ?? 10;
  const strangerNote = [...strangers].map(
    ([s, n]) => `${s} wrote lines for ${n} trace id(s) that match no request of the run`,
  );
  const evidence: CheckEvidence = {
    ...queryEvidence(
      logs,
      services.slice(0, 3).map((s) => logs.lineCountQuery(s)),
    ),
    traceIds: unlogged.slice(0, limit).map((u) => traceIdOf(u.slot)),
    perFlow,
    ...runners.result(),
    unloggedTraceIds: unlogged.map((u) => traceIdOf(u.slot)),
  };
  const durationMs = Date.now() - started;
  const repeated = repeatedLines(
    { total, flowOf, traceIdOf },
    services,
    (slot, c) => lines[slot * width + c] ?? 0,
  );
  // Lines with unknown trace ids are reported, not failed: a shared store may hold other traffic.
  if (unlogged.length === 0 && repeated.length === 0) {
    return result(b, 'pass', {
      expected: `${total} requests with lines from each service`,
      observed: `${total} complete (100%)`,
      message: `every one of the ${total} requests has log lines in ${logs.product} from each service on its path, with its trace id${strangerNote.length ? ` (note: ${strangerNote.join('; ')})` : ''}`,
      evidence,
      examined: total,
      durationMs,
    });
  }
  const byService = [...perService]
    .sort((x, y) => y[1] - x[1])
    .map(([s, n]) => `${s}: no log lines for ${n} of ${total} requests`);
  const pct = total === 0 ? 100 : (100 * (total - unlogged.length)) / total;
  return result(b, 'fail', {
    expected: `${total} requests with lines from each service`,
    observed: `${total - unlogged.length} complete (${pct.toFixed(2)}%)`,
    message:
      `${logs.product} at ${logs.baseUrl}: ` +
      [
        ...byService,
        ...repeated,
        ...strangerNote,
        ...(unlogged.length
          ? [
              `e.g. ${unlogged
                .slice(0, 3)
                .map((u) => `${traceIdOf(u.slot)} (${flowOf(u.slot)}) lacks ${u.missing.join(', ')}`)
                .join('; ')}`,
            ]
          : []),
      ].join('; ') +
      (outcome.lastError ? ` (last error: ${errorMessage(outcome.lastError)})` : ''),
    evidence,
    examined: total,
    durationMs,
  });
}

import {
  LOG_SCHEMA,
  flowAtPhase,
  flowByName,
  type FlowDef,
  type FlowName,
  type Phase,
  type ServiceName,
} from '../catalog/index.ts';
import { forEachConcurrent, pollUntil, type CheckResult, type LedgerEntry } from '../core/index.ts';
import type { LokiApi } from './clients/index.ts';
import type { ValidationContext } from './context.ts';
import { PROBE_SERVICE } from './pipeline-probe.ts';
import { errorMessage, result, skipped, type ResultBase } from './result.ts';

/** Loki answers at most this many series per query; longer runs are split into chunks of time. */
const CHUNK_MS = 30_000;
/** A chunk Loki cannot answer whole (too many series, or too slow) is halved, down to this length. */
const MIN_CHUNK_MS = 1_000;
/** Services queried at once: Loki already spreads one query over its shards, so two overlap the round trips. */
const QUERY_CONCURRENCY = 2;
const MARGIN_MS = 10_000;

const base = (id: string, title: string, phase: Phase): ResultBase => ({
  id: `logs.${id}`,
  family: 'logs',
  title,
  phase,
});

/** The LogQL that lists, per trace id, how many lines a service wrote in `[range]` ending at the query time. */
export function traceIdsQuery(service: string, rangeS: number): string {
  return `sum by (trace_id) (count_over_time({service="${service}"} [${rangeS}s]))`;
}

interface RequestLogs {
  entry: LedgerEntry;
  /** Services seen logging for this request. */
  seen: Set<string>;
}

/**
 * Loki's answer when one query would return more series than `max_query_series`, or no answer in
 * the client's time (a busy Loki): both are cured by asking for a shorter span.
 */
const isTooBig = (error: unknown) =>
  /maximum number of series|\((ECONNABORTED|ETIMEDOUT)\)/i.test(errorMessage(error));

/** Services each request must have log lines from: the flow's fixed services, and one of its variable targets. */
function expectedServices(flow: FlowDef): { fixed: ServiceName[]; anyOf: ServiceName[][] } {
  const variable = (flow.variableHops ?? []).map((h) => [...h.anyOf]);
  const variableSet = new Set(variable.flat());
  return { fixed: flow.services.filter((s) => !variableSet.has(s)), anyOf: variable };
}

/**
 * The logs family: Loki's labels are the catalog's (and none of the forbidden high-cardinality
 * ones), and every request of the ledger has log lines from each service on its path, carrying its
 * trace id; lines whose trace id matches no request of the run are reported per service.
 */
export async function logsCheck(ctx: ValidationContext): Promise<CheckResult[]> {
  const ids = {
    labels: base('labels', 'Loki has the required labels, with allowed values', 1),
    forbidden: base(
      'forbidden-labels',
      'No high-cardinality labels (trace_id, span_id, correlation_id) in Loki',
      1,
    ),
    completeness: base(
      'completeness',
      'Every request has log lines from each service on its path, with its trace id',
      2,
    ),
  };
  const loki = ctx.clients.loki;
  if (!loki) return Object.values(ids).map((b) => skipped(b, 'needs the Loki endpoint'));
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
  const [labels, forbidden] = await Promise.all([
    guard(ids.labels, () => labelCheck(ctx, loki, ids.labels, window)),
    guard(ids.forbidden, () => forbiddenCheck(loki, ids.forbidden, window)),
  ]);
  const completeness = await guard(ids.completeness, () =>
    completenessCheck(ctx, loki, ids.completeness, window),
  );
  return [labels, forbidden, completeness];
}

async function labelCheck(
  ctx: ValidationContext,
  loki: LokiApi,
  b: ResultBase,
  window: { start: Date; end: Date },
): Promise<CheckResult> {
  const end = new Date(window.end.getTime() + MARGIN_MS);
  // Lines arrive late: wait until every required label is there, or the deadline.
  const outcome = await pollUntil({
    description: 'Loki labels',
    probe: () => loki.labels(window.start, end),
    until: (names) => LOG_SCHEMA.labels.every((l) => names.includes(l.name)),
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 1_000,
  });
  const names = outcome.last ?? [];
  const problems: string[] = LOG_SCHEMA.labels
    .filter((l) => !names.includes(l.name))
    .map((l) => `label "${l.name}" is missing (labels: ${names.join(', ') || 'none'})`);
  for (const label of LOG_SCHEMA.labels.filter((l) => names.includes(l.name) && l.allowedValues)) {
    const values = await loki.labelValues(label.name, window.start, end);
    // The harness's own pipeline probe logs under its own service name; it is not a Phoenix service.
    const bad = values.filter((v) => v !== PROBE_SERVICE && !label.allowedValues?.includes(v));
    if (bad.length)
      problems.push(
        `label "${label.name}" has value(s) ${bad.map((v) => JSON.stringify(v)).join(', ')} outside ${JSON.stringify(label.allowedValues)}`,
      );
  }
  const evidence = { urls: [`${loki.baseUrl}/loki/api/v1/labels`] };
  return problems.length === 0
    ? result(b, 'pass', {
        expected: LOG_SCHEMA.labels.map((l) => l.name).join(', '),
        observed: names.join(', '),
        message: 'Loki has the service and level labels, with allowed values',
        evidence,
      })
    : result(b, 'fail', {
        expected: LOG_SCHEMA.labels.map((l) => l.name).join(', '),
        observed: names.join(', '),
        message: `Loki at ${loki.baseUrl}: ${problems.join('; ')}`,
        evidence,
      });
}

async function forbiddenCheck(
  loki: LokiApi,
  b: ResultBase,
  window: { start: Date; end: Date },
): Promise<CheckResult> {
  const names = await loki.labels(window.start, new Date(window.end.getTime() + MARGIN_MS));
  const present = LOG_SCHEMA.forbiddenLabels.filter((l) => names.includes(l));
  if (present.length === 0) {
    return result(b, 'pass', {
      expected: `none of ${LOG_SCHEMA.forbiddenLabels.join(', ')}`,
      observed: 'none',
      message: 'no high-cardinality Loki labels',
    });
  }
  const counts = await Promise.all(
    present.map(async (l) => `${l} (${(await loki.labelValues(l, window.start, window.end)).length} values)`),
  );
  return result(b, 'fail', {
    expected: `none of ${LOG_SCHEMA.forbiddenLabels.join(', ')}`,
    observed: present.join(', '),
    message: `Loki indexes high-cardinality label(s) ${counts.join(', ')}: one stream per request (the seed's Vector sink does this with trace_id); keep ids in the log line or structured metadata`,
    evidence: { urls: [`${loki.baseUrl}/loki/api/v1/labels`] },
  });
}

async function completenessCheck(
  ctx: ValidationContext,
  loki: LokiApi,
  b: ResultBase,
  window: { start: Date; end: Date },
): Promise<CheckResult> {
  if (!ctx.ledger) return skipped(b, 'needs a request ledger (run a scenario, or pass --ledger)');
  const flows = new Map<FlowName, FlowDef>();
  const flowOf = (name: FlowName) =>
    flows.get(name) ??
    flows.set(name, flowAtPhase(flowByName(name), ctx.phase)).get(name) ??
    flowByName(name);
  // Computed once per flow, not once per request and scan (100k requests make that count).
  const expected = new Map<FlowName, ReturnType<typeof expectedServices>>();
  const expectedOf = (name: FlowName) =>
    expected.get(name) ??
    expected.set(name, expectedServices(flowOf(name))).get(name) ?? { fixed: [], anyOf: [] };
  const requests = new Map<string, RequestLogs>();
  for await (const entry of ctx.ledger.read()) requests.set(entry.traceId, { entry, seen: new Set() });
  const services = [
    ...new Set(
      [...new Set([...requests.values()].map((r) => r.entry.flow))].flatMap((name) => {
        const { fixed, anyOf } = expectedOf(name);
        return [...fixed, ...anyOf.flat()];
      }),
    ),
  ].sort();

  const start = window.start.getTime() - MARGIN_MS;
  const end = window.end.getTime() + MARGIN_MS;
  const strangers = new Map<string, number>();
  const evaluate = () => {
    const unlogged: { entry: LedgerEntry; missing: string[] }[] = [];
    for (const r of requests.values()) {
      const { fixed, anyOf } = expectedOf(r.entry.flow);
      const missing: string[] = fixed.filter((s) => !r.seen.has(s));
      for (const group of anyOf) if (!group.some((s) => r.seen.has(s))) missing.push(group.join('|'));
      if (missing.length) unlogged.push({ entry: r.entry, missing });
    }
    return unlogged;
  };
  // Instant query over [from, to]: one series per trace id that logged then. A span with more
  // trace ids than Loki's max_query_series (a burst of ingestion), or too slow, is asked in halves.
  const scanChunk = async (service: string, from: number, to: number): Promise<void> => {
    const rangeS = Math.ceil((to - from) / 1000);
    let samples;
    try {
      samples = await loki.queryInstant(traceIdsQuery(service, rangeS), new Date(to));
    } catch (error) {
      if (!isTooBig(error) || to - from <= MIN_CHUNK_MS) throw error;
      const mid = from + Math.ceil((to - from) / 2000) * 1000;
      await scanChunk(service, from, mid);
      await scanChunk(service, mid, to);
      return;
    }
    for (const s of samples) {
      const traceId = s.metric.trace_id ?? '';
      const r = requests.get(traceId);
      if (r) r.seen.add(service);
      else strangers.set(service, (strangers.get(service) ?? 0) + 1);
    }
  };
  // Seen services only accumulate, so a pass queries only the services some request still lacks
  // (all of them at first), and a pass cut short by an error resumes with the services it left.
  let toScan = new Set<string>(services);
  const scanService = async (service: string) => {
    strangers.delete(service);
    for (let t = start; t < end; t += CHUNK_MS) await scanChunk(service, t, Math.min(t + CHUNK_MS, end));
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
    description: 'log lines for every request',
    probe: scan,
    until: (u) => u.length === 0,
    timeoutMs: ctx.ingestTimeoutMs,
    intervalMs: 2_000,
  });
  const unlogged = outcome.last ?? [...requests.values()].map((r) => ({ entry: r.entry, missing: ['?'] }));
  const total = requests.size;
  const perService = new Map<string, number>();
  for (const u of unlogged) for (const s of u.missing) perService.set(s, (perService.get(s) ?? 0) + 1);
  const perFlow: Record<string, { sent: number; logged: number }> = {};
  for (const r of requests.values()) (perFlow[r.entry.flow] ??= { sent: 0, logged: 0 }).sent += 1;
  for (const r of requests.values()) {
    const f = perFlow[r.entry.flow];
    if (f) f.logged += 1;
  }
  for (const u of unlogged) {
    const f = perFlow[u.entry.flow];
    if (f) f.logged -= 1;
  }
  const limit = ctx.exampleLimit ?? 10;
  const strangerNote = [...strangers].map(
    ([s, n]) => `${s} wrote lines for ${n} trace id(s) that match no request of the run`,
  );
  const evidence = {
    logql: services.slice(0, 3).map((s) => traceIdsQuery(s, CHUNK_MS / 1000)),
    traceIds: unlogged.slice(0, limit).map((u) => u.entry.traceId),
    perFlow,
    unloggedTraceIds: unlogged.map((u) => u.entry.traceId),
  };
  const durationMs = Date.now() - started;
  // Lines with unknown trace ids are reported, not failed: a shared Loki may hold other traffic.
  if (unlogged.length === 0) {
    return result(b, 'pass', {
      expected: `${total} requests with lines from each service`,
      observed: `${total} complete (100%)`,
      message: `every one of the ${total} requests has log lines from each service on its path, with its trace id${strangerNote.length ? ` (note: ${strangerNote.join('; ')})` : ''}`,
      evidence,
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
      [
        ...byService,
        ...strangerNote,
        unlogged.length
          ? `e.g. ${unlogged
              .slice(0, 3)
              .map((u) => `${u.entry.traceId} (${u.entry.flow}) lacks ${u.missing.join(', ')}`)
              .join('; ')}`
          : '',
      ]
        .filter(Boolean)
        .join('; ') + (outcome.lastError ? ` (last error: ${errorMessage(outcome.lastError)})` : ''),
    evidence,
    durationMs,
  });
}

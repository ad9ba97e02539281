/**
 * The logs role on the real VictoriaLogs (the embedded log store, built by `stack provision`):
 * lines pushed through its Loki-push endpoint (labels service/level become the stream, JSON lines
 * carrying trace_id become fields), then the logs validator and the client run against it. Each
 * case writes its lines into its own past time window, so the cases do not see each other's lines.
 * (Loki is AGPL and never run here: its client is covered by contract tests.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowAtPhase, flowByName, type ServiceName } from '../../catalog/index.ts';
import { getFreePort, ledgerFromEntries, pollUntil, waitFor, type LedgerEntry } from '../../core/index.ts';
import {
  UntranslatableQueryError,
  VictoriaLogsClient,
  createClients,
  logsCheck,
  type TimeWindow,
  type ValidationContext,
} from '../../validators/index.ts';

const BINARY = join(homedir(), '.cache/phoenix-harness/victorialogs-1.52.1/bin/victoria-logs');
const READY_TIMEOUT_MS = 30_000;
const INGEST_TIMEOUT_MS = 20_000;

let child: ChildProcess | undefined;
let dataDir: string;
let url: string;
let exited: string | undefined;

/** Starts VictoriaLogs on a port the OS picked; tries another port if that one was taken meanwhile. */
async function startVictoriaLogs(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    let log = '';
    exited = undefined;
    const proc = spawn(
      BINARY,
      [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dataDir}`, '-inmemoryDataFlushInterval=1s'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    proc.stdout.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (log += d.toString()));
    proc.on('exit', (code) => (exited = `exited with ${code}: ${log.slice(-500)}`));
    const outcome = await pollUntil({
      description: `VictoriaLogs ready at ${url}/health`,
      probe: async () => (exited ? 'exited' : (await fetch(`${url}/health`)).status),
      until: (s) => s === 200 || s === 'exited',
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 50,
    });
    if (outcome.last === 200) return;
    // `exited` is set by the exit handler meanwhile (TypeScript cannot see that).
    const reason = exited as string | undefined;
    if (reason?.includes('address already in use') && attempt < 3) continue;
    throw new Error(
      `VictoriaLogs not ready at ${url}/health after ${READY_TIMEOUT_MS}ms (${reason ?? 'no answer'})`,
    );
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'phx-victorialogs-'));
  await startVictoriaLogs();
});

afterAll(async () => {
  if (child && !exited) {
    const done = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await done;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

interface Line {
  service: string;
  traceId: string;
  timeMs: number;
  labels?: Record<string, string>;
  /** The raw line; default: the fleet's JSON line carrying trace_id. */
  text?: string;
}

/** Pushes lines through VictoriaLogs' Loki-push endpoint (JSON body), one stream per label set. */
async function push(lines: Line[]): Promise<void> {
  const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
  for (const l of lines) {
    const stream = { service: l.service, level: 'info', ...l.labels };
    const key = JSON.stringify(stream);
    const text =
      l.text ?? JSON.stringify({ msg: 'handled', service: l.service, trace_id: l.traceId, level: 'info' });
    const s = streams.get(key) ?? streams.set(key, { stream, values: [] }).get(key);
    s?.values.push([`${BigInt(l.timeMs) * 1_000_000n}`, text]);
  }
  const res = await fetch(`${url}/insert/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [...streams.values()] }),
  });
  expect(res.status, await res.text()).toBe(204);
}

const entry = (flow: LedgerEntry['flow'], startMs: number): LedgerEntry => ({
  traceId: randomBytes(16).toString('hex'),
  correlationId: 'c',
  flow,
  status: 200,
  startMs,
  durationMs: 5,
});

/** One line per service on the request's path (one KB for a variable hop), as a correct fleet logs. */
function linesOf(e: LedgerEntry, skip?: ServiceName): Line[] {
  const flow = flowAtPhase(flowByName(e.flow), 4);
  const kbs = new Set((flow.variableHops ?? []).flatMap((h) => h.anyOf));
  return [...flow.services.filter((s) => !kbs.has(s)), ...(kbs.size ? ['mind-kb' as const] : [])]
    .filter((s) => s !== skip)
    .map((service) => ({ service, traceId: e.traceId, timeMs: e.startMs + 1 }));
}

/** A window of its own, minutes in the past, for each case. */
let nextWindow = 1;
function ownWindow(): TimeWindow {
  const end = Date.now() - nextWindow++ * 5 * 60_000;
  return { start: new Date(end - 60_000), end: new Date(end) };
}

function contextFor(entries: LedgerEntry[], window: TimeWindow): ValidationContext {
  const endpoints = { victorialogs: url };
  return {
    runId: 'log-stores',
    phase: 4,
    endpoints,
    clients: createClients(endpoints),
    ingestTimeoutMs: INGEST_TIMEOUT_MS,
    ledger: ledgerFromEntries(entries),
    window,
  };
}

const byId = async (c: ValidationContext) => Object.fromEntries((await logsCheck(c)).map((r) => [r.id, r]));

describe('the logs role on the real VictoriaLogs', () => {
  it('passes when every request has lines from each service on its path', async () => {
    const window = ownWindow();
    const entries = [
      entry('plan_and_execute', window.start.getTime() + 1_000),
      entry('kb_query', window.start.getTime() + 2_000),
      entry('llm_generate', window.start.getTime() + 3_000),
    ];
    await push(entries.flatMap((e) => linesOf(e)));
    const results = await byId(contextFor(entries, window));
    for (const r of Object.values(results)) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(results['logs.completeness']?.message).toContain('in VictoriaLogs');
  });

  it("fault drop-logs: a service's lines missing fails, naming the service and VictoriaLogs", async () => {
    const window = ownWindow();
    const entries = [entry('llm_generate', window.start.getTime() + 1_000)];
    await push(entries.flatMap((e) => linesOf(e, 'llm-service')));
    const r = (await byId({ ...contextFor(entries, window), ingestTimeoutMs: 3_000 }))['logs.completeness'];
    expect(r?.status).toBe('fail');
    expect(r?.message).toMatch(
      new RegExp(`^VictoriaLogs at ${url}: llm-service: no log lines for 1 of 1 requests`),
    );
  });

  it('counts a line pushed twice as 2 lines of its trace id', async () => {
    const window = ownWindow();
    const e = entry('llm_generate', window.start.getTime() + 1_000);
    const line = { service: 'llm-service', traceId: e.traceId, timeMs: e.startMs };
    await push([line, { ...line, timeMs: line.timeMs + 1 }]);
    const client = new VictoriaLogsClient({ baseUrl: url });
    const counts = await waitFor({
      description: 'both lines in VictoriaLogs',
      probe: () => client.lineCountsByTraceId('llm-service', window),
      until: (c) => (c.get(e.traceId) ?? 0) >= 2,
      timeoutMs: INGEST_TIMEOUT_MS,
      intervalMs: 200,
    });
    expect(counts.get(e.traceId)).toBe(2);
    const lines = await client.linesWithTraceId(e.traceId, window, 'llm-service');
    expect(lines).toHaveLength(2);
    expect(lines[0]?.labels).toEqual({ level: 'info', service: 'llm-service' });
    expect(lines[0]?.fields.trace_id).toBe(e.traceId);
  });

  it("runs the seed's log panel selectors and line filters, translated to LogsQL", async () => {
    const window = ownWindow();
    const t = window.start.getTime() + 1_000;
    await push([
      { service: 'mind-kb', traceId: '', timeMs: t, text: 'plain text line a.b(c)' },
      { service: 'body-kb', traceId: '', timeMs: t + 1, text: 'another line' },
      { service: 'llm-service', traceId: '', timeMs: t + 2, text: 'llm line' },
    ]);
    const client = new VictoriaLogsClient({ baseUrl: url });
    const kb = await waitFor({
      description: 'the KB lines in VictoriaLogs',
      probe: () => client.runPanelQuery('{service=~".+-kb"}', window),
      until: (o) => o.matched >= 2,
      timeoutMs: INGEST_TIMEOUT_MS,
      intervalMs: 200,
    });
    expect(kb).toEqual({ query: '_stream:{service=~".+-kb"} | stats count() logql_count', matched: 2 });
    // Anchored like Loki's: "kb" alone matches no service.
    expect((await client.runPanelQuery('{service=~"kb"}', window)).matched).toBe(0);
    expect((await client.runPanelQuery('{service=~".+-kb"} |= "a.b(c)"', window)).matched).toBe(1);
    expect((await client.runPanelQuery('{service=~".+-kb"} != "a.b(c)"', window)).matched).toBe(1);
    expect((await client.runPanelQuery('{service=~".+-kb"} |~ "LINE|ano"', window)).matched).toBe(1);
    expect(
      (await client.runPanelQuery('sum by (service) (count_over_time({service=~".+"}[1m]))', window)).matched,
    ).toBe(3);
    await expect(client.runPanelQuery('{service="llm-service"} | json', window)).rejects.toBeInstanceOf(
      UntranslatableQueryError,
    );
  });

  it('fault high-cardinality-label: trace_id as a stream label fails, naming it', async () => {
    const window = ownWindow();
    const entries = [entry('llm_generate', window.start.getTime() + 1_000)];
    await push(entries.flatMap((e) => linesOf(e).map((l) => ({ ...l, labels: { trace_id: e.traceId } }))));
    const results = await byId(contextFor(entries, window));
    const r = results['logs.forbidden-labels'];
    expect(r?.status, r?.message).toBe('fail');
    expect(r?.message).toMatch(
      new RegExp(
        `^VictoriaLogs at ${url} indexes high-cardinality stream label\\(s\\) trace_id \\(1 values\\)`,
      ),
    );
    // The lines themselves are all there: only the index is wrong.
    expect(results['logs.completeness']?.status).toBe('pass');
  });
});

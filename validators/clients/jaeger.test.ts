/**
 * Contract tests of JaegerClient: a loopback server answers with the JSON Jaeger's query service
 * gives (`{ data, errors }`) and with garbage: HTML, a truncated trace, a trace without spans, an
 * empty body, and `errors` other than "trace not found" (a wrong tenant, a storage failure).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { JaegerClient } from './jaeger.ts';

const server = new AnswerServer();
let base: string;
const client = () => new JaegerClient({ baseUrl: base });
const ID = '0af7651916cd43dd8448eb211c80319c';
const TRACE = {
  traceID: ID,
  spans: [
    {
      traceID: ID,
      spanID: 'b7ad6b7169203331',
      operationName: 'POST /api/process',
      references: [],
      startTime: 1700000000000000,
      duration: 1000,
      tags: [{ key: 'correlation.id', type: 'string', value: 'run-1' }],
      logs: [],
      processID: 'p1',
      warnings: null,
    },
  ],
  processes: { p1: { serviceName: 'orchestrator-service', tags: [] } },
  warnings: null,
};

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => server.reset());

describe('JaegerClient contract (Jaeger query API answers)', () => {
  it('contract: a batch of traces by id; ids Jaeger lacks (404 errors) are just absent', async () => {
    server.answer('/api/traces', {
      body: {
        data: [TRACE],
        errors: [{ code: 404, msg: 'trace not found', traceID: 'ffff' }],
        total: 1,
        limit: 0,
        offset: 0,
      },
    });
    const traces = await client().getTraces([ID, 'ffff']);
    expect([...traces.keys()]).toEqual([ID]);
    expect(traces.get(ID)?.spans[0]?.operationName).toBe('POST /api/process');
    expect(server.seen[0]?.query.getAll('traceID')).toEqual([ID, 'ffff']);
  });

  it('asks for raw traces (no adjusters) and drops only exact copies of a span, as the adjusted query did', async () => {
    const span = TRACE.spans[0];
    const retagged = { ...span, tags: [{ key: 'correlation.id', type: 'string', value: 'run-2' }] };
    server.answer('/api/traces', {
      body: { data: [{ ...TRACE, spans: [span, span, retagged] }], errors: null },
    });
    const spans = (await client().getTraces([ID])).get(ID)?.spans ?? [];
    expect(server.seen[0]?.query.get('raw')).toBe('true');
    // The identical copy is gone; the copy with other content stays, for the "stored twice" check.
    expect(spans.map((s) => s.tags[0]?.value)).toEqual(['run-1', 'run-2']);
  });

  it('a batch whose spans have null tags or references is normalised by the schema, as before', async () => {
    const bare = { ...TRACE.spans[0], tags: null, references: null };
    server.answer('/api/traces', { body: { data: [{ ...TRACE, spans: [bare] }], errors: null } });
    const span = (await client().getTraces([ID])).get(ID)?.spans[0];
    expect(span?.tags).toEqual([]);
    expect(span?.references).toEqual([]);
  });

  it('contract: Jaeger 2.13 names a missing trace of a batch without a code; it is just absent', async () => {
    // As Jaeger 2.13 answers (seen in the Collector-stopped fault test): `{msg, traceID}`, no code.
    server.answer('/api/traces', {
      body: {
        data: [],
        total: 0,
        limit: 0,
        offset: 0,
        errors: [{ msg: 'trace not found', traceID: 'ffff' }],
      },
    });
    await expect(client().getTraces(['ffff'])).resolves.toEqual(new Map());
  });

  it('garbage: an error without a code that is not "trace not found" is still an error', async () => {
    server.answer('/api/traces', { body: { data: null, errors: [{ msg: 'storage unavailable' }] } });
    await expect(client().getTraces([ID])).rejects.toThrowError(
      `Jaeger answered errors at ${base}/api/traces: (no code) storage unavailable`,
    );
  });

  it('contract: one trace by id, and a 404 is "not (yet) there"', async () => {
    server.answer(`/api/traces/${ID}`, { body: { data: [TRACE], errors: null } });
    await expect(client().getTrace(ID)).resolves.toMatchObject({ traceID: ID });
    await expect(client().getTrace('ffff')).resolves.toBeUndefined();
  });

  it('garbage: errors other than "trace not found" (a wrong tenant) are an error naming the endpoint', async () => {
    server.answer('/api/traces', {
      body: { data: null, errors: [{ code: 401, msg: 'unknown tenant "b"', traceID: ID }] },
    });
    await expect(client().getTraces([ID])).rejects.toThrowError(
      `Jaeger answered errors at ${base}/api/traces: 401 unknown tenant "b" (trace ${ID})`,
    );
  });

  it('garbage: an HTML page is an error naming Jaeger and the endpoint', async () => {
    server.answer('/api/services', GARBAGE.html);
    await expect(client().services()).rejects.toThrowError(
      `Jaeger answered HTML instead of JSON at ${base}/api/services: <!DOCTYPE html>`,
    );
  });

  it('garbage: a truncated trace is an error, never a trace with fewer spans', async () => {
    server.answer(`/api/traces/${ID}`, { body: JSON.stringify({ data: [TRACE] }).slice(0, 150) });
    await expect(client().getTrace(ID)).rejects.toThrowError(
      `Jaeger answered an unexpected body at ${base}/api/traces/${ID}: not JSON (truncated answer?)`,
    );
  });

  it('garbage: a trace of the wrong shape is an error naming the field', async () => {
    server.answer('/api/traces', { body: { data: [{ traceID: ID, processes: {} }], errors: null } });
    await expect(client().getTraces([ID])).rejects.toThrowError(
      `Jaeger answered an unexpected body at ${base}/api/traces: ✖ Invalid input: expected array, received undefined → at data[0].spans`,
    );
  });

  it('garbage: an empty 200 where services are needed is an error, not "no services"', async () => {
    server.answer('/api/services', GARBAGE.empty);
    await expect(client().services()).rejects.toThrowError(
      `Jaeger answered an unexpected body at ${base}/api/services: an empty body where JSON was expected`,
    );
  });
});

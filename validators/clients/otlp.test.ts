/** Contract tests of OtlpHttpClient: the Collector's OTLP/HTTP JSON answers, partial success and garbage. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { OtlpHttpClient } from './otlp.ts';

const server = new AnswerServer();
let base: string;
const client = () => new OtlpHttpClient({ baseUrl: base });
const SPAN = {
  serviceName: 'probe',
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  name: 'x',
  attributes: {},
};

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => server.reset());

describe('OtlpHttpClient contract', () => {
  it('contract: {"partialSuccess":{}} (or no body) is an accepted export', async () => {
    server.answer('/v1/traces', { body: { partialSuccess: {} } });
    await expect(client().sendSpan(SPAN)).resolves.toBeUndefined();
    server.answer('/v1/traces', GARBAGE.empty);
    await expect(client().sendSpan(SPAN)).resolves.toBeUndefined();
  });

  it('a partial success that refused spans is an error naming the endpoint and the reason', async () => {
    server.answer('/v1/traces', {
      body: { partialSuccess: { rejectedSpans: '1', errorMessage: 'span too large' } },
    });
    await expect(client().sendSpan(SPAN)).rejects.toThrowError(
      `OpenTelemetry Collector refused 1 of the exported items at ${base}/v1/traces: span too large`,
    );
  });

  it('garbage: HTML or a truncated answer is an error naming the endpoint', async () => {
    server.answer('/v1/logs', GARBAGE.html);
    const log = { ...SPAN, body: 'b', level: 'info' };
    await expect(client().sendLog(log)).rejects.toThrowError(
      `OpenTelemetry Collector answered HTML instead of JSON at ${base}/v1/logs`,
    );
    server.answer('/v1/logs', { body: '{"partialSucc' });
    await expect(client().sendLog(log)).rejects.toThrowError(
      `OpenTelemetry Collector answered an unexpected body at ${base}/v1/logs: not JSON (truncated answer?)`,
    );
  });
});

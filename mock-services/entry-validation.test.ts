import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type StartedFleet } from './start-fleet.ts';
import { postJson } from './testing.ts';

/** docs/fleet-api.md: a malformed body → 400 { error, field }, with trace and correlation ids. */
describe('entry point input validation', () => {
  let fleet: StartedFleet;
  beforeAll(async () => {
    fleet = await startFleet({
      threads: 1,
      services: ['orchestrator-service', 'safety-service', 'llm-service'],
    });
  });
  afterAll(() => fleet[Symbol.asyncDispose]());

  const cases: [string, unknown, string][] = [
    ['/api/process', '{"query": ', 'body'],
    ['/api/process', '[1, 2]', 'body'],
    ['/api/process', { parameters: {} }, 'query'],
    ['/api/process', { query: '  ', parameters: {} }, 'query'],
    ['/api/process', { query: 'ok', parameters: 'nope' }, 'parameters'],
    ['/api/kb/query', { kb: 'mind' }, 'query'],
    ['/api/kb/query', { query: 'q' }, 'kb'],
    ['/api/kb/query', { query: 'q', kb: 'liver' }, 'kb'],
    ['/api/llm/generate', {}, 'prompt'],
    ['/api/llm/generate', { prompt: 'p', model: 42 }, 'model'],
    ['/api/llm/generate', { prompt: 'p', model: 'gpt-17' }, 'model'],
  ];
  for (const [path, body, field] of cases) {
    it(`${path} ${typeof body === 'string' ? body : JSON.stringify(body)} → 400 naming "${field}"`, async () => {
      const answer = await postJson(`${fleet.entryUrl}${path}`, body, { 'x-correlation-id': 'v-1' });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ field, correlation_id: 'v-1' });
      expect(answer.body['error']).toEqual(expect.any(String));
      expect(answer.body['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    });
  }

  it('answers 404 for an unknown route and 405 for a GET on an entry point', async () => {
    expect((await fetch(`${fleet.entryUrl}/api/nothing`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${fleet.entryUrl}/api/process`)).status).toBe(405);
    expect((await fetch(`${fleet.entryUrl}/healthz`)).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_NAMES } from './fault-set.ts';
import { startFleet, type StartedFleet } from './start-fleet.ts';

/** The fault-injection API over HTTP, exactly as docs/fleet-api.md describes it. */
describe('GET/POST/DELETE /admin/faults', () => {
  let fleet: StartedFleet;
  let base: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    fleet = await startFleet({ services: ['data-router', 'mind-kb'], threads: 1 });
    base = fleet.services.get('data-router')!.url;
  });
  afterAll(() => fleet[Symbol.asyncDispose]());

  it('lists no active fault and every available one at first', async () => {
    expect(await call('GET', '/admin/faults')).toEqual({
      status: 200,
      body: { service: 'data-router', active: [], available: FAULT_NAMES },
    });
  });

  it('switches a fault on, replaces it by name, clears one and all', async () => {
    expect((await call('POST', '/admin/faults', { name: 'latency', ms: 5 })).status).toBe(200);
    expect((await call('POST', '/admin/faults', { name: 'latency', ms: 7 })).body['active']).toEqual([
      { name: 'latency', ms: 7 },
    ]);
    await call('POST', '/admin/faults', { name: 'drop-logs' });
    expect((await call('DELETE', '/admin/faults/latency')).body['active']).toEqual([{ name: 'drop-logs' }]);
    expect((await call('DELETE', '/admin/faults')).body['active']).toEqual([]);
  });

  it('answers 400 with the valid names for an unknown fault', async () => {
    expect(await call('POST', '/admin/faults', { name: 'meteor' })).toEqual({
      status: 400,
      body: { error: 'unknown fault "meteor"', field: 'name', available: FAULT_NAMES },
    });
    expect((await call('DELETE', '/admin/faults/meteor')).status).toBe(400);
  });

  it('answers 400 naming the field for bad parameters or a malformed body', async () => {
    expect(await call('POST', '/admin/faults', { name: 'error-rate', rate: 2 })).toMatchObject({
      status: 400,
      body: { field: 'rate' },
    });
    expect(
      await call('POST', '/admin/faults', { name: 'circuit-breaker-open', target: 'llm-service' }),
    ).toMatchObject({
      status: 400,
      body: {
        field: 'target',
        available: ['tools-service', 'mind-kb', 'body-kb', 'heart-kb', 'social-kb', 'soul-kb'],
      },
    });
    expect(await call('POST', '/admin/faults', '{oops')).toMatchObject({
      status: 400,
      body: { field: 'body' },
    });
    expect(await call('POST', '/admin/faults', { name: 'block-requests', rate: 1 })).toMatchObject({
      status: 400,
      body: { error: 'fault "block-requests" applies only to safety-service, not data-router' },
    });
    expect((await call('GET', '/admin/faults')).body['active']).toEqual([]);
  });

  it('refuses other methods', async () => {
    expect((await call('PUT', '/admin/faults', {})).status).toBe(405);
    expect((await call('GET', '/admin/faults/latency')).status).toBe(405);
  });

  it('is what the programmatic API drives too', async () => {
    await fleet.setFault('data-router', { name: 'error-rate', rate: 0.25 });
    expect((await call('GET', '/admin/faults')).body['active']).toEqual([{ name: 'error-rate', rate: 0.25 }]);
    await expect(fleet.setFault('data-router', { name: 'error-rate', rate: -1 })).rejects.toThrow(/rate/);
    await fleet.clearFaults();
    expect(await fleet.activeFaults('data-router')).toEqual([]);
  });
});

/** Contract tests of AlertmanagerClient (v2 API answers) and of its refusal of garbage. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { AlertmanagerClient } from './alertmanager.ts';

const server = new AnswerServer();
let base: string;
const client = () => new AlertmanagerClient({ baseUrl: base });
const ALERT = {
  labels: { alertname: 'HighErrorRate', severity: 'critical' },
  annotations: { summary: 's' },
  startsAt: '2026-01-01T00:00:00Z',
  endsAt: '2026-01-01T01:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  fingerprint: 'abc',
  receivers: [{ name: 'oncall' }],
  status: { state: 'active', silencedBy: [], inhibitedBy: [] },
};

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => server.reset());

describe('AlertmanagerClient contract', () => {
  it('contract: GET /api/v2/alerts → alerts; POST answers 200 with no body', async () => {
    server.answer('/api/v2/alerts', { body: [ALERT] });
    await expect(client().alerts()).resolves.toMatchObject([
      { fingerprint: 'abc', status: { state: 'active' } },
    ]);
    server.routes['/api/v2/alerts'] = (req) => (req.method === 'POST' ? { body: '' } : { body: [] });
    await expect(client().postAlerts([{ labels: { alertname: 'x' } }])).resolves.toBeUndefined();
    expect(JSON.parse(server.seen.at(-1)?.body ?? 'null')).toEqual([{ labels: { alertname: 'x' } }]);
  });

  it('garbage: HTML, a truncated list, a wrong shape or an empty body are errors naming the endpoint', async () => {
    server.answer('/api/v2/alerts', GARBAGE.html);
    await expect(client().alerts()).rejects.toThrowError(
      `Alertmanager answered HTML instead of JSON at ${base}/api/v2/alerts`,
    );
    server.answer('/api/v2/alerts', { body: JSON.stringify([ALERT]).slice(0, 40) });
    await expect(client().alerts()).rejects.toThrowError(
      `Alertmanager answered an unexpected body at ${base}/api/v2/alerts: not JSON (truncated answer?)`,
    );
    server.answer('/api/v2/alerts', { body: [{ ...ALERT, status: { state: 'firing' } }] });
    await expect(client().alerts()).rejects.toThrowError(
      `Alertmanager answered an unexpected body at ${base}/api/v2/alerts: ✖ Invalid option: expected one of "active"|"suppressed"|"unprocessed" → at [0].status.state`,
    );
    server.answer('/api/v2/alerts', GARBAGE.empty);
    await expect(client().alerts()).rejects.toThrowError(
      `Alertmanager answered an unexpected body at ${base}/api/v2/alerts: an empty body where JSON was expected`,
    );
  });
});

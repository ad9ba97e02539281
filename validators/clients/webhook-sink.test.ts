/** Contract tests of WebhookSinkClient against stack/webhook-sink.ts's answer shape, and garbage. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnswerServer, GARBAGE } from '../testing/answer-server.ts';
import { WebhookSinkClient } from './webhook-sink.ts';

const server = new AnswerServer();
let base: string;
const client = () => new WebhookSinkClient({ baseUrl: base });
const NOTE = {
  receiver: 'oncall',
  receivedAt: '2026-01-01T00:00:00.000Z',
  payload: {
    receiver: 'oncall',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations: {} }],
    groupLabels: {},
    commonLabels: { alertname: 'X' },
    commonAnnotations: {},
  },
};

beforeAll(async () => {
  await server.start();
  base = server.url;
});
afterAll(() => server[Symbol.asyncDispose]());
beforeEach(() => server.reset());

describe('WebhookSinkClient contract', () => {
  it('contract: the recorded notifications, filtered by receiver', async () => {
    server.answer('/api/notifications', { body: [NOTE] });
    await expect(client().notifications('oncall')).resolves.toMatchObject([{ receiver: 'oncall' }]);
    expect(server.seen[0]?.query.get('receiver')).toBe('oncall');
  });

  it('garbage: a wrong shape, HTML or an empty body is an error naming the endpoint, never "nothing delivered"', async () => {
    server.answer('/api/notifications', { body: { notifications: [] } });
    await expect(client().notifications()).rejects.toThrowError(
      `webhook sink answered an unexpected body at ${base}/api/notifications: ✖ Invalid input: expected array, received object`,
    );
    server.answer('/api/notifications', GARBAGE.html);
    await expect(client().notifications()).rejects.toThrowError(
      `webhook sink answered HTML instead of JSON at ${base}/api/notifications`,
    );
    server.answer('/api/notifications', GARBAGE.empty);
    await expect(client().notifications()).rejects.toThrowError(
      `webhook sink answered an unexpected body at ${base}/api/notifications: an empty body where JSON was expected`,
    );
  });
});

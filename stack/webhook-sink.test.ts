import { afterEach, describe, expect, it } from 'vitest';
import { WebhookSink } from './webhook-sink.ts';

describe('WebhookSink', () => {
  let sink: WebhookSink | undefined;
  afterEach(async () => {
    await sink?.[Symbol.asyncDispose]();
  });

  it('records each notification under the receiver named by the path', async () => {
    sink = await new WebhookSink().start();
    const payload = {
      receiver: 'pagerduty',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations: {} }],
    };
    const res = await fetch(`${sink.getUrl()}/hook/pagerduty`, {
      method: 'POST',
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(200);
    const all = (await (
      await fetch(`${sink.getUrl()}/api/notifications?receiver=pagerduty`)
    ).json()) as unknown[];
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ receiver: 'pagerduty', payload });
    const none = (await (
      await fetch(`${sink.getUrl()}/api/notifications?receiver=slack`)
    ).json()) as unknown[];
    expect(none).toHaveLength(0);
  });

  it('rejects a body that is not JSON', async () => {
    sink = await new WebhookSink().start();
    const res = await fetch(`${sink.getUrl()}/hook/slack`, { method: 'POST', body: 'nope' });
    expect(res.status).toBe(400);
    expect(sink.notifications).toHaveLength(0);
  });
});

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { nonLoopbackIPv4 } from '../core/index.ts';
import { allowedSources, isAllowedSource, WebhookSink } from './webhook-sink.ts';

/** An Alertmanager (v4) webhook payload for one receiver. */
function payload(receiver: string, alertname = 'X') {
  const alert = {
    status: 'firing',
    labels: { alertname },
    annotations: { summary: 's' },
    startsAt: '2026-01-01T00:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: 'abc',
  };
  return {
    version: '4',
    groupKey: '{}:{alertname="X"}',
    truncatedAlerts: 0,
    receiver,
    status: 'firing',
    alerts: [alert],
    groupLabels: { alertname },
    commonLabels: { alertname },
    commonAnnotations: { summary: 's' },
    externalURL: 'http://alertmanager',
  };
}

const post = (url: string, body: unknown, type = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });

describe('WebhookSink', () => {
  let sink: WebhookSink | undefined;
  afterEach(async () => {
    await sink?.[Symbol.asyncDispose]();
    sink = undefined;
  });

  it('records each notification under the receiver named by the path', async () => {
    sink = await new WebhookSink().start();
    const body = payload('pagerduty');
    expect((await post(`${sink.getUrl()}/hook/pagerduty`, body)).status).toBe(200);
    const all = (await (
      await fetch(`${sink.getUrl()}/api/notifications?receiver=pagerduty`)
    ).json()) as unknown[];
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ receiver: 'pagerduty', payload: body });
    const none = (await (
      await fetch(`${sink.getUrl()}/api/notifications?receiver=slack`)
    ).json()) as unknown[];
    expect(none).toHaveLength(0);
    expect(sink.rejected).toEqual([]);
  });

  it.each([
    [
      'a body that is not JSON',
      () => ({ method: 'POST', type: 'application/json', body: 'nope' }),
      400,
      /not JSON/,
    ],
    [
      'JSON that is not an Alertmanager payload',
      () => ({ method: 'POST', type: 'application/json', body: JSON.stringify({ alerts: 'x' }) }),
      400,
      /not an Alertmanager webhook payload: version/,
    ],
    [
      "a payload for another receiver than the path's",
      () => ({ method: 'POST', type: 'application/json', body: JSON.stringify(payload('pagerduty')) }),
      400,
      /receiver "pagerduty" is not slack/,
    ],
    [
      'another content type',
      () => ({ method: 'POST', type: 'text/plain', body: JSON.stringify(payload('slack')) }),
      415,
      /content-type text\/plain is not application\/json/,
    ],
    ['a GET on the hook path', () => ({ method: 'GET', type: undefined, body: undefined }), 405, /only POST/],
    [
      'a PUT on the hook path',
      () => ({ method: 'PUT', type: 'application/json', body: '{}' }),
      405,
      /only POST/,
    ],
  ] as const)('turns away %s, counts it and records nothing', async (_, make, status, reason) => {
    sink = await new WebhookSink().start();
    const { method, type, body } = make();
    const res = await fetch(`${sink.getUrl()}/hook/slack`, {
      method,
      ...(type ? { headers: { 'content-type': type } } : {}),
      ...(body === undefined ? {} : { body }),
    });
    expect(res.status).toBe(status);
    if (status === 405) expect(res.headers.get('allow')).toBe('POST');
    expect(sink.notifications).toHaveLength(0);
    expect(sink.rejected).toHaveLength(1);
    expect(sink.rejected[0]).toMatchObject({ method, path: '/hook/slack', status });
    expect(sink.rejected[0]?.reason).toMatch(reason);
  });

  it('refuses a body over its size limit', async () => {
    sink = await new WebhookSink({ maxBodyBytes: 100 }).start();
    const res = await post(`${sink.getUrl()}/hook/slack`, payload('slack'));
    expect(res.status).toBe(413);
    expect(sink.rejected[0]?.reason).toBe('body larger than 100 bytes');
  });

  it('allows loopback and the given subnets (IPv4-mapped forms too), nothing else', () => {
    const list = allowedSources(['172.18.0.0/16']);
    expect(isAllowedSource(list, '127.0.0.1')).toBe(true);
    expect(isAllowedSource(list, '::1')).toBe(true);
    expect(isAllowedSource(list, '::ffff:127.0.0.1')).toBe(true);
    expect(isAllowedSource(list, '172.18.0.5')).toBe(true);
    expect(isAllowedSource(list, '::ffff:172.18.3.4')).toBe(true);
    expect(isAllowedSource(list, '172.19.0.5')).toBe(false);
    expect(isAllowedSource(list, '192.0.2.7')).toBe(false);
    expect(isAllowedSource(list, '::ffff:10.0.0.1')).toBe(false);
    expect(isAllowedSource(list, undefined)).toBe(false);
    expect(() => allowedSources(['172.18.0.0'])).toThrow(/"172.18.0.0" is not a CIDR block/);
    // This machine's own addresses count as local (the harness reading the sink on the Docker gateway).
    expect(isAllowedSource(allowedSources([], ['192.0.2.7']), '192.0.2.7')).toBe(true);
  });

  const address = nonLoopbackIPv4();
  it.skipIf(address === undefined)(
    `answers 403 to a caller outside loopback and the run's network (${address ?? 'no non-loopback address here'}), 200 once its subnet is allowed`,
    async () => {
      const host = address ?? '';
      const send = (url: string) =>
        new Promise<number>((done, fail) => {
          const body = JSON.stringify(payload('slack'));
          // From the host's own non-loopback address: neither loopback nor (by default) an allowed subnet.
          const req = request(
            url,
            { method: 'POST', localAddress: host, headers: { 'content-type': 'application/json' } },
            (res) => (res.resume(), done(res.statusCode ?? 0)),
          );
          req.once('error', fail);
          req.end(body);
        });
      // As a caller from another machine would be: the host's own address not counted as local.
      sink = await new WebhookSink({ host, localAddresses: [] }).start();
      expect(await send(`${sink.getUrl()}/hook/slack`)).toBe(403);
      expect(sink.notifications).toHaveLength(0);
      expect(sink.rejected[0]?.reason).toBe(`${host} is not this machine or the run's network`);
      await sink[Symbol.asyncDispose]();

      sink = await new WebhookSink({ host, localAddresses: [], allowedSubnets: [`${host}/32`] }).start();
      expect(await send(`${sink.getUrl()}/hook/slack`)).toBe(200);
      expect(sink.notifications).toHaveLength(1);
    },
  );
});

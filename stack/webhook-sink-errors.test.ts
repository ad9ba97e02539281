import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { WebhookSink } from './webhook-sink.ts';

describe('WebhookSink when handling a request fails', () => {
  it('records a body cut off mid-way as a 500, instead of an unhandled rejection', async () => {
    await using sink = await new WebhookSink().start();
    const socket = connect(sink.getPort(), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // Promise 1000 bytes, send 10, then reset: reading the body throws inside the handler. The
    // server's `100 Continue` says the request reached the handler before the reset.
    const continued = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(
      'POST /hook/phoenix-oncall HTTP/1.1\r\nhost: sink\r\ncontent-type: application/json\r\n' +
        'content-length: 1000\r\nexpect: 100-continue\r\n\r\n{"version"',
    );
    await continued;
    socket.resetAndDestroy();
    await vi.waitFor(() => expect(sink.rejected).toHaveLength(1), { timeout: 5_000 });
    expect(sink.rejected[0]).toMatchObject({
      method: 'POST',
      path: '/hook/phoenix-oncall',
      status: 500,
      reason: 'the sink failed handling the request: aborted',
    });
    expect(sink.notifications).toEqual([]);
  });
});

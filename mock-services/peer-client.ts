import { Agent, request, type OutgoingHttpHeaders } from 'node:http';

export interface PeerResponse {
  /** HTTP status, or 503 when the peer could not be reached or did not answer in time. */
  status: number;
  body: Record<string, unknown>;
  /** Why no real answer came back, when none did. */
  failure?: 'circuit_open' | 'unreachable' | 'timeout';
  /** The network error's text, when there was one. */
  networkError?: string;
}

export interface PeerAddress {
  hostname: string;
  port: number;
}

const CALL_TIMEOUT_MS = 60_000;

/**
 * Service-to-service HTTP over one keep-alive agent per calling service: sockets are reused, so a
 * hop costs a request/response on an open connection, not a TCP handshake.
 */
export class PeerClient {
  // The socket timeout is set once per socket (not a timer per request); it surfaces as the request's 'timeout'.
  private readonly agent = new Agent({
    keepAlive: true,
    maxFreeSockets: 256,
    scheduling: 'lifo',
    timeout: CALL_TIMEOUT_MS,
  });

  /**
   * POSTs a JSON body and parses the JSON answer; never throws (failures become 503 answers).
   * `headers` is sent as given, so the caller includes content-type and content-length.
   */
  post(to: PeerAddress, path: string, json: string, headers: OutgoingHttpHeaders): Promise<PeerResponse> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (r: PeerResponse) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const req = request(
        {
          agent: this.agent,
          hostname: to.hostname,
          port: to.port,
          path,
          method: 'POST',
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) =>
            settle({
              status: 503,
              body: { error: e.message },
              failure: 'unreachable',
              networkError: e.message,
            }),
          );
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            let body: Record<string, unknown> = {};
            try {
              const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
            } catch {
              body = { error: 'peer answered a body that is not JSON' };
            }
            settle({ status, body });
          });
        },
      );
      req.once('timeout', () => {
        req.destroy();
        const text = `no answer within ${CALL_TIMEOUT_MS}ms`;
        settle({ status: 503, body: { error: text }, failure: 'timeout', networkError: text });
      });
      req.on('error', (e) =>
        settle({ status: 503, body: { error: e.message }, failure: 'unreachable', networkError: e.message }),
      );
      req.end(json);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

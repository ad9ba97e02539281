import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One canned HTTP answer: `body` is sent as is when a string, as JSON otherwise. */
export interface CannedAnswer {
  status?: number;
  type?: string;
  body: unknown;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The answers the client contract tests feed: a backend that answers garbage in each way it can. */
export const GARBAGE = {
  html: { type: 'text/html', body: '<!DOCTYPE html><html><title>Sign in</title></html>' },
  truncated: { type: 'application/json', body: '{"status":"success","data":{"resultType":"vec' },
  empty: { type: 'application/json', body: '' },
} as const satisfies Record<string, CannedAnswer>;

/**
 * A loopback HTTP server answering by path from `routes` (404 otherwise), recording every request:
 * the stand-in backend of the clients' contract tests.
 */
export class AnswerServer implements AsyncDisposable {
  routes: Record<string, (req: SeenRequest) => CannedAnswer> = {};
  readonly seen: SeenRequest[] = [];
  private server: Server | undefined;
  private port = 0;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const seen = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
        };
        this.seen.push(seen);
        const route = this.routes[url.pathname];
        const answer = route ? route(seen) : { status: 404, type: 'text/plain', body: '404 page not found' };
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'application/json' }).end(text);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers every request to `path` with `answer`. */
  answer(path: string, answer: CannedAnswer): this {
    this.routes[path] = () => answer;
    return this;
  }

  reset(): void {
    this.routes = {};
    this.seen.length = 0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

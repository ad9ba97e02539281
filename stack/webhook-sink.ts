import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../core/index.ts';

/** One alert inside an Alertmanager webhook payload (version 4). */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
}

/** What the sink recorded for one delivery. */
export interface RecordedNotification {
  /** The receiver named by the URL path (`/hook/<receiver>`). */
  receiver: string;
  receivedAt: string;
  /** The payload Alertmanager sent. */
  payload: {
    receiver: string;
    status: 'firing' | 'resolved';
    alerts: WebhookAlert[];
    groupLabels: Record<string, string>;
    commonLabels: Record<string, string>;
    commonAnnotations: Record<string, string>;
    [key: string]: unknown;
  };
}

/**
 * The webhook sink every Alertmanager receiver points at. It records each notification and
 * serves them back (`GET /api/notifications`), so alert drills can assert who got what.
 */
export class WebhookSink implements AsyncDisposable {
  readonly notifications: RecordedNotification[] = [];
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly options: { host?: string; port?: number; journalFile?: string } = {}) {}

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? LOOPBACK, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  getPort(): number {
    return this.port;
  }

  getUrl(): string {
    return `http://${this.options.host ?? LOOPBACK}:${this.port}`;
  }

  clear(): void {
    this.notifications.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sink');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && (url.pathname === '/-/ready' || url.pathname === '/-/healthy'))
      return reply(200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/api/notifications') {
      const receiver = url.searchParams.get('receiver');
      return reply(
        200,
        receiver ? this.notifications.filter((n) => n.receiver === receiver) : this.notifications,
      );
    }
    if (req.method === 'DELETE' && url.pathname === '/api/notifications') {
      this.clear();
      return reply(200, { ok: true });
    }
    const hook = /^\/hook\/([\w-]+)$/.exec(url.pathname);
    if (req.method === 'POST' && hook) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let payload: RecordedNotification['payload'];
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedNotification['payload'];
      } catch {
        return reply(400, { error: 'body is not JSON' });
      }
      const note: RecordedNotification = {
        receiver: hook[1] ?? '',
        receivedAt: new Date().toISOString(),
        payload,
      };
      this.notifications.push(note);
      if (this.options.journalFile) appendFileSync(this.options.journalFile, `${JSON.stringify(note)}\n`);
      return reply(200, { ok: true });
    }
    return reply(404, { error: `no route for ${req.method} ${url.pathname}` });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

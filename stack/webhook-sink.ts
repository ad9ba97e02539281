import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIPv4, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { z } from 'zod';
import { HarnessError, LOOPBACK } from '../core/index.ts';

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

/** Alertmanager's webhook payload (version 4): what a delivery must look like to be recorded. */
const webhookPayloadSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  receiver: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(
    z.looseObject({
      status: z.enum(['firing', 'resolved']),
      labels: z.record(z.string(), z.string()),
      annotations: z.record(z.string(), z.string()),
      startsAt: z.string(),
      endsAt: z.string(),
      fingerprint: z.string(),
    }),
  ),
  groupLabels: z.record(z.string(), z.string()),
  commonLabels: z.record(z.string(), z.string()),
  commonAnnotations: z.record(z.string(), z.string()),
});

/** A request the sink turned away (counted, never recorded as a notification). */
export interface RejectedRequest {
  at: string;
  from: string;
  method: string;
  path: string;
  status: number;
  reason: string;
}

export interface WebhookSinkOptions {
  /** Address to bind (default 127.0.0.1; the docker runner binds its network's gateway). */
  host?: string;
  port?: number;
  /** Each recorded notification is appended here as one JSON line. */
  journalFile?: string;
  /**
   * Subnets (CIDR, e.g. the run's Docker network `172.18.0.0/16`) whose addresses may call the sink
   * besides loopback. Nothing else may: the sink is the run's, not the network's.
   */
  allowedSubnets?: readonly string[];
  /**
   * This machine's own addresses (default: every interface's): a connection from one of them comes
   * from this machine, e.g. the harness reading notifications on the Docker gateway address.
   */
  localAddresses?: readonly string[];
  /** Largest accepted body (default 1 MiB). */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** This machine's interface addresses. */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address.replace(/%.*$/, ''));
}

/** Loopback, this machine's own addresses and the given subnets, as a BlockList of allowed sources. */
export function allowedSources(subnets: readonly string[] = [], own: readonly string[] = []): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const address of own) list.addAddress(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  for (const cidr of subnets) {
    const [network = '', prefix = ''] = cidr.split('/');
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    const type = isIPv4(network) ? 'ipv4' : 'ipv6';
    if (network === '' || !Number.isInteger(bits) || bits < 0 || bits > (type === 'ipv4' ? 32 : 128))
      throw new HarnessError(`the webhook sink's allowed subnet "${cidr}" is not a CIDR block`);
    list.addSubnet(network, bits, type);
  }
  return list;
}

/** Whether a peer address (as node reports it, IPv4-mapped forms included) is in the allowed list. */
export function isAllowedSource(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return list.check(mapped, 'ipv4');
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}

/**
 * The webhook sink every Alertmanager receiver points at. It records each notification and
 * serves them back (`GET /api/notifications`), so alert drills can assert who got what.
 *
 * It answers only this machine and the run's own network (`allowedSubnets`), takes only
 * `POST /hook/<receiver>` with an Alertmanager (v4) JSON payload for that receiver, and counts
 * everything else in `rejected` (403 wrong source, 405 wrong method, 415 not JSON, 400 not a payload).
 */
export class WebhookSink implements AsyncDisposable {
  readonly notifications: RecordedNotification[] = [];
  readonly rejected: RejectedRequest[] = [];
  /** Errors of the server itself after it started (the process carries on; each is also printed). */
  readonly errors: string[] = [];
  private server: Server | undefined;
  private port = 0;
  private readonly sources: BlockList;

  constructor(private readonly options: WebhookSinkOptions = {}) {
    this.sources = allowedSources(options.allowedSubnets, options.localAddresses ?? ownAddresses());
  }

  async start(): Promise<this> {
    // A request whose handling throws (a reset mid-body, a full disk) is answered 500 and recorded, never an unhandled rejection.
    const server = createServer(
      (req, res) => void this.handle(req, res).catch((error) => this.failed(req, res, error)),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? LOOPBACK, () => {
        server.off('error', reject);
        // A server error after start is recorded and said, not thrown into the process.
        server.on('error', (error) => {
          this.errors.push(`${new Date().toISOString()} ${error.message}`);
          process.stderr.write(`webhook sink: ${error.message}\n`);
        });
        resolve();
      });
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

  private failed(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const reason = `the sink failed handling the request: ${error instanceof Error ? error.message : String(error)}`;
    this.rejected.push({
      at: new Date().toISOString(),
      from: req.socket.remoteAddress ?? '?',
      method: req.method ?? '',
      path: req.url ?? '/',
      status: 500,
      reason,
    });
    if (res.headersSent) res.destroy();
    else
      res
        .writeHead(500, { 'content-type': 'application/json', connection: 'close' })
        .end(JSON.stringify({ error: reason }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sink');
    const method = req.method ?? '';
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const reject = (status: number, reason: string, headers: Record<string, string> = {}) => {
      this.rejected.push({
        at: new Date().toISOString(),
        from: req.socket.remoteAddress ?? '?',
        method,
        path: url.pathname,
        status,
        reason,
      });
      // The body is not read: close the connection rather than drain whatever was sent.
      reply(status, { error: reason }, { ...headers, connection: 'close' });
    };
    if (!isAllowedSource(this.sources, req.socket.remoteAddress))
      return reject(
        403,
        `${req.socket.remoteAddress ?? 'an unknown address'} is not this machine or the run's network`,
      );
    if (method === 'GET' && (url.pathname === '/-/ready' || url.pathname === '/-/healthy'))
      return reply(200, { ok: true });
    if (url.pathname === '/api/notifications') {
      if (method === 'GET') {
        const receiver = url.searchParams.get('receiver');
        return reply(
          200,
          receiver ? this.notifications.filter((n) => n.receiver === receiver) : this.notifications,
        );
      }
      if (method === 'DELETE') {
        this.clear();
        return reply(200, { ok: true });
      }
      return reject(405, `${method} is not allowed on /api/notifications`, { allow: 'GET, DELETE' });
    }
    const hook = /^\/hook\/([\w-]+)$/.exec(url.pathname);
    if (!hook) return reject(404, `no route for ${method} ${url.pathname}`);
    if (method !== 'POST') return reject(405, `only POST is allowed on ${url.pathname}`, { allow: 'POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      return reject(415, `content-type ${type || '(none)'} is not application/json`);
    const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) return reject(413, `body larger than ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reject(400, 'body is not JSON');
    }
    const parsed = webhookPayloadSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reject(
        400,
        `not an Alertmanager webhook payload: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      );
    }
    const receiver = hook[1] ?? '';
    if (parsed.data.receiver !== receiver)
      return reject(
        400,
        `the payload's receiver "${parsed.data.receiver}" is not ${receiver}, the one in the path`,
      );
    const note: RecordedNotification = {
      receiver,
      receivedAt: new Date().toISOString(),
      payload: parsed.data,
    };
    this.notifications.push(note);
    if (this.options.journalFile) appendFileSync(this.options.journalFile, `${JSON.stringify(note)}\n`);
    return reply(200, { ok: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * A tiny stand-in for the mock fleet's orchestrator (docs/fleet-api.md, "Entry points"): answers
 * the three flows and /healthz on 127.0.0.1, echoing trace and correlation ids. For tests and
 * measurements of the k6 side alone; the real fleet lives in mock-services/.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../../core/index.ts';

export interface StandInOrchestrator extends AsyncDisposable {
  /** Same name as the fleet's `entryUrl`, so tests switch between them freely. */
  entryUrl: string;
  /** Flow requests answered so far (the preflight /healthz excluded). */
  readonly flowRequests: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function flowBody(path: string, request: Record<string, unknown>): Record<string, unknown> | undefined {
  switch (path) {
    case '/api/process':
      return {
        status: 'completed',
        plan: { steps: [{ id: 'step-1', action: 'lookup', service: 'mind-kb' }] },
        result: `answered: ${String(request['query'])}`,
      };
    case '/api/kb/query':
      return { kb: String(request['kb'] ?? 'mind'), results: [{ id: 'doc-1', score: 0.9 }] };
    case '/api/llm/generate':
      return {
        model: 'stand-in',
        text: 'All services nominal.',
        usage: { prompt_tokens: 9, completion_tokens: 3 },
      };
    default:
      return undefined;
  }
}

export async function startStandInOrchestrator(): Promise<StandInOrchestrator> {
  let flowRequests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { status: 'ok' });
      let request: Record<string, unknown> = {};
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return answer(res, 400, { error: 'body is not JSON', field: '(body)' });
      }
      const body = req.method === 'POST' ? flowBody(req.url ?? '', request) : undefined;
      if (body === undefined) return answer(res, 404, { error: `no route ${req.method} ${req.url}` });
      flowRequests += 1;
      const traceId = TRACEPARENT.exec(String(req.headers['traceparent'] ?? ''))?.[1] ?? 'missing';
      const correlationId = String(req.headers['x-correlation-id'] ?? '');
      answer(res, 200, { ...body, trace_id: traceId, correlation_id: correlationId });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    entryUrl: `http://${LOOPBACK}:${port}`,
    get flowRequests() {
      return flowRequests;
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

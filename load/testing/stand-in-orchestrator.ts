/**
 * A tiny stand-in for the mock fleet's orchestrator (docs/fleet-api.md, "Entry points"): answers
 * the three flows and /healthz on 127.0.0.1, echoing trace and correlation ids. For tests and
 * measurements of the load engines alone; the real fleet lives in mock-services/. `latencyMs`
 * delays every flow answer (timeouts, VU caps and latency SLOs need a slow server).
 *
 * Cheap on purpose (a bare node:http server, keep-alive, answers built from string templates), so
 * a measurement of the engine against it measures the engine. `stand-in-process.ts` runs it in a
 * process of its own.
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
const JSON_HEADERS = { 'content-type': 'application/json' } as const;

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The flow answer's fields before the echoed ids, as JSON text without its closing brace. */
function flowBody(path: string, request: Record<string, unknown>): string | undefined {
  switch (path) {
    case '/api/process':
      return (
        '{"status":"completed","plan":{"steps":[{"id":"step-1","action":"lookup","service":"mind-kb"}]},' +
        `"result":${JSON.stringify(`answered: ${String(request['query'])}`)}`
      );
    case '/api/kb/query':
      return `{"kb":${JSON.stringify(String(request['kb'] ?? 'mind'))},"results":[{"id":"doc-1","score":0.9}]`;
    case '/api/llm/generate':
      return (
        '{"model":"stand-in","text":"All services nominal.",' +
        '"usage":{"prompt_tokens":9,"completion_tokens":3}'
      );
    default:
      return undefined;
  }
}

export interface StandInOptions {
  /** Added to every flow answer (not /healthz), ms. */
  latencyMs?: number;
  /** Port to listen on (default: a free one). */
  port?: number;
}

export async function startStandInOrchestrator(options: StandInOptions = {}): Promise<StandInOrchestrator> {
  let flowRequests = 0;
  const latencyMs = options.latencyMs ?? 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, '{"status":"ok"}');
      let request: Record<string, unknown> = {};
      try {
        request = JSON.parse(raw || '{}') as Record<string, unknown>;
      } catch {
        return answer(res, 400, '{"error":"body is not JSON","field":"(body)"}');
      }
      const body = req.method === 'POST' ? flowBody(req.url ?? '', request) : undefined;
      if (body === undefined) {
        return answer(res, 404, JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
      }
      flowRequests += 1;
      const traceId = TRACEPARENT.exec(String(req.headers['traceparent'] ?? ''))?.[1] ?? 'missing';
      const correlationId = JSON.stringify(String(req.headers['x-correlation-id'] ?? ''));
      const text = `${body},"trace_id":"${traceId}","correlation_id":${correlationId}}`;
      if (latencyMs > 0) setTimeout(() => answer(res, 200, text), latencyMs);
      else answer(res, 200, text);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
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

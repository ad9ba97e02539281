import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
/** Request bodies above this are refused: the fleet's payloads are tiny. */
export const MAX_BODY_BYTES = 1_000_000;

/** Gathers a request body as text; an oversized one arrives as undefined (the caller answers 400). */
export function readBody(req: IncomingMessage, done: (text: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) return done(undefined);
    done(
      chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
    );
  });
}

/** Answers with a JSON body. */
export function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** A header's first value; undefined when absent or empty. */
export function headerValue(value: IncomingHttpHeaders[string]): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? undefined : v;
}

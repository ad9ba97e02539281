import { parsePrometheusText, type Sample } from './prometheus-text.ts';

/** Helpers for the fleet's tests (and the integration tests): plain fetch calls, no client library. */

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export async function scrape(serviceUrl: string): Promise<Sample[]> {
  const res = await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`${serviceUrl}/metrics answered ${res.status}`);
  return parsePrometheusText(await res.text());
}

/** A W3C traceparent with the given ids (sampled). */
export function traceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}

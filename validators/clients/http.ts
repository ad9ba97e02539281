import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { z } from 'zod';
import { HarnessError } from '../../core/index.ts';

export interface BackendOptions {
  baseUrl: string;
  /** Extra headers on every request, e.g. `Authorization` or `X-Scope-OrgID` for a multi-tenant stack. */
  headers?: Record<string, string>;
  /** How long the server may take to start answering (axios `timeout`). */
  timeoutMs?: number;
  /** The whole call's deadline, connect to last byte: a server trickling bytes cannot hold a check forever. */
  deadlineMs?: number;
  /** The largest answer accepted, in bytes: a runaway query cannot exhaust the harness's memory. */
  maxBytes?: number;
}

/** Default total deadline per call (not an idle timeout). */
export const DEFAULT_CALL_DEADLINE_MS = 60_000;
/** Default cap on one answer's size: 64 MiB. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** A backend answered, but not with what its API promises (HTML, 5xx, garbage), or not at all. */
export class BackendError extends HarnessError {
  constructor(
    readonly backend: string,
    readonly url: string,
    message: string,
    readonly status?: number,
    hint?: string,
  ) {
    super(message, { where: url, ...(hint ? { hint } : {}) });
    this.name = 'BackendError';
  }
}

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'is it running? (npm run stack:up, or check the URL in your target config)',
  ENOTFOUND: 'the host name does not resolve: check the URL in your target config',
  ECONNRESET: 'the connection was reset: the process may have crashed; see its log under out/<run-id>/stack/',
  ETIMEDOUT: 'no answer in time: the backend may be overloaded, or a firewall drops the traffic',
  ECONNABORTED: 'no answer in time: the backend may be overloaded',
};

/** Turns an axios failure into one sentence naming the backend, the URL and what to do next. */
export function describeHttpFailure(backend: string, url: string, error: unknown): BackendError {
  if (error instanceof BackendError) return error;
  const ax = error as AxiosError;
  const code = ax.code ?? (ax.cause as NodeJS.ErrnoException | undefined)?.code;
  if (ax.response) {
    const status = ax.response.status;
    const body = bodyExcerpt(ax.response.data);
    const hint =
      status === 401 || status === 403
        ? 'check the credentials/headers for this backend in your target config'
        : status >= 500
          ? `${backend} failed internally: see its log`
          : undefined;
    return new BackendError(backend, url, `${backend} answered ${status} at ${url}: ${body}`, status, hint);
  }
  const reason = code ?? (error as Error).message;
  return new BackendError(
    backend,
    url,
    `could not reach ${backend} at ${url} (${reason})`,
    undefined,
    HINTS[code ?? ''],
  );
}

function bodyExcerpt(data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 300) || '(empty body)';
}

/** True when a body that should be JSON is an HTML page (a login page, a proxy error, the UI). */
export function looksLikeHtml(data: unknown, contentType: string | undefined): boolean {
  if (contentType?.includes('text/html')) return true;
  return typeof data === 'string' && /^\s*<(!doctype|html)/i.test(data);
}

/** zod's issues on one line: `✖ Invalid input: expected array, received string → at data.result`. */
export function describeIssues(error: z.ZodError): string {
  return z.prettifyError(error).replace(/\s+/g, ' ').trim();
}

/** A body the endpoint's API does not promise: `<backend> answered an unexpected body at <url>: <problem>`. */
export function unexpectedBody(
  backend: string,
  url: string,
  problem: string,
  body: unknown,
  status?: number,
): BackendError {
  return new BackendError(
    backend,
    url,
    `${backend} answered an unexpected body at ${url}: ${problem} (body: ${bodyExcerpt(body ?? '')})`,
    status,
    'a wrong tenant, a proxy or another product at this URL answers like this: check the URL and headers in your target config',
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a raw JSON text; a text that is not JSON (a truncated answer) is an error naming the endpoint. */
export function parseJsonText(backend: string, url: string, text: string, status?: number): unknown {
  if (text.trim() === '')
    throw unexpectedBody(backend, url, 'an empty body where JSON was expected', text, status);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw unexpectedBody(backend, url, 'not JSON (truncated answer?)', text, status);
  }
}

/**
 * The one "parse or throw" step of every client: checks a decoded answer against its endpoint's
 * schema. A `{"status":"error"}` answer (Prometheus, Loki, VictoriaLogs' stats API) is an error
 * naming it; a wrong shape is an error naming the endpoint and zod's issues, never an empty result.
 * `part` names a part of the answer (`line 2` of JSON lines).
 */
export function parseAnswer<S extends z.ZodType>(
  backend: string,
  url: string,
  schema: S,
  body: unknown,
  options: { status?: number; part?: string } = {},
): z.infer<S> {
  const prefix = options.part ? `${options.part}: ` : '';
  if (isRecord(body) && body['status'] === 'error') {
    const kind = typeof body['errorType'] === 'string' ? `${body['errorType']}: ` : '';
    const reason = typeof body['error'] === 'string' ? body['error'] : 'no reason given';
    throw new BackendError(
      backend,
      url,
      `${backend} answered an error at ${url}: ${prefix}${kind}${reason}`,
      options.status,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw unexpectedBody(backend, url, `${prefix}${describeIssues(parsed.error)}`, body, options.status);
  return parsed.data;
}

/** What a request answered, after HTML was ruled out. */
export interface RawAnswer {
  url: string;
  status: number;
  text: string;
}

/** A small JSON-over-HTTP client for one backend: every answer is parsed with its endpoint's schema, errors name it. */
export class BackendHttp {
  readonly http: AxiosInstance;

  constructor(
    readonly backend: string,
    readonly options: BackendOptions,
  ) {
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      headers: options.headers ?? {},
      timeout: options.timeoutMs ?? 10_000,
      maxContentLength: options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES,
      maxBodyLength: options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES,
      // Keep the raw text: we check for HTML before trusting it as JSON.
      transformResponse: [(data: unknown) => data],
      responseType: 'text',
      validateStatus: (s) => s >= 200 && s < 300,
    });
  }

  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Sends a request and returns the raw answer; HTML (a login page, a UI, a proxy) is an error. */
  async requestText(config: AxiosRequestConfig & { url: string }): Promise<RawAnswer> {
    // Messages name the endpoint, not a query string of a hundred trace ids.
    const url = this.url(config.url.replace(/\?.*$/, ''));
    let res;
    const deadlineMs = this.options.deadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
    const deadline = AbortSignal.timeout(deadlineMs);
    try {
      res = await this.http.request<string>({
        ...config,
        signal: config.signal ? AbortSignal.any([config.signal as AbortSignal, deadline]) : deadline,
      });
    } catch (error) {
      throw (
        this.limitFailure(url, error, deadline, deadlineMs) ?? describeHttpFailure(this.backend, url, error)
      );
    }
    const text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    const contentType = String(res.headers['content-type'] ?? '');
    if (looksLikeHtml(text, contentType)) {
      throw new BackendError(
        this.backend,
        url,
        `${this.backend} answered HTML instead of JSON at ${url}: ${bodyExcerpt(text)}`,
        res.status,
        `is ${this.options.baseUrl} really the ${this.backend} API (not a UI, a login page or a proxy)?`,
      );
    }
    return { url, status: res.status, text };
  }

  /** The call's deadline passed, or its answer outgrew the cap: a message naming the endpoint and the limit. */
  private limitFailure(
    url: string,
    error: unknown,
    deadline: AbortSignal,
    deadlineMs: number,
  ): BackendError | undefined {
    if (deadline.aborted)
      return new BackendError(
        this.backend,
        url,
        `${this.backend} did not answer in full at ${url} within the ${deadlineMs}ms deadline per call`,
        undefined,
        `${this.backend} is overloaded, or the query asks too much: narrow it, or check the backend's load`,
      );
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    if (/^maxContentLength size of \d+ exceeded/.test((error as Error).message ?? ''))
      return new BackendError(
        this.backend,
        url,
        `${this.backend} answered more than ${maxBytes} bytes at ${url} (the cap per answer)`,
        undefined,
        'the query returns far more than a check needs: narrow it (labels, time range, limit)',
      );
    return undefined;
  }

  /** Sends a request and parses its JSON answer with the endpoint's schema. */
  async request<S extends z.ZodType>(
    config: AxiosRequestConfig & { url: string },
    schema: S,
  ): Promise<z.infer<S>> {
    const { url, status, text } = await this.requestText(config);
    return parseAnswer(this.backend, url, schema, parseJsonText(this.backend, url, text, status), { status });
  }

  get<S extends z.ZodType>(
    path: string,
    schema: S,
    params?: Record<string, string | number | undefined>,
  ): Promise<z.infer<S>> {
    return this.request({ method: 'GET', url: path, ...(params ? { params } : {}) }, schema);
  }

  post<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    headers?: Record<string, string>,
  ): Promise<z.infer<S>> {
    return this.request({ method: 'POST', url: path, data: body, ...(headers ? { headers } : {}) }, schema);
  }

  /** GET that treats 404 as "not there (yet)", returning undefined. */
  async getOptional<S extends z.ZodType>(
    path: string,
    schema: S,
    params?: Record<string, string | number | undefined>,
  ): Promise<z.infer<S> | undefined> {
    try {
      return await this.get(path, schema, params);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return undefined;
      throw error;
    }
  }
}

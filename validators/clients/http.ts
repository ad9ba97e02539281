import axios, { type AxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { HarnessError } from '../../core/index.ts';

export interface BackendOptions {
  baseUrl: string;
  /** Extra headers on every request, e.g. `Authorization` or `X-Scope-OrgID` for a multi-tenant stack. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

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

/** A small typed JSON-over-HTTP client for one backend, with errors that name it. */
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
      // Keep the raw text: we check for HTML before trusting it as JSON.
      transformResponse: [(data: unknown) => data],
      validateStatus: (s) => s >= 200 && s < 300,
    });
  }

  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  async request<T>(config: AxiosRequestConfig & { url: string }): Promise<T> {
    const url = this.url(config.url);
    let res;
    try {
      res = await this.http.request<string>(config);
    } catch (error) {
      throw describeHttpFailure(this.backend, url, error);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    if (looksLikeHtml(res.data, contentType)) {
      throw new BackendError(
        this.backend,
        url,
        `${this.backend} answered HTML instead of JSON at ${url}: ${bodyExcerpt(res.data)}`,
        res.status,
        `is ${this.options.baseUrl} really the ${this.backend} API (not a UI, a login page or a proxy)?`,
      );
    }
    if (res.data === '' || res.data === undefined) return undefined as T;
    try {
      return JSON.parse(res.data) as T;
    } catch {
      throw new BackendError(
        this.backend,
        url,
        `${this.backend} answered non-JSON at ${url}: ${bodyExcerpt(res.data)}`,
        res.status,
      );
    }
  }

  get<T>(path: string, params?: Record<string, string | number | undefined>): Promise<T> {
    return this.request<T>({ method: 'GET', url: path, ...(params ? { params } : {}) });
  }

  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>({ method: 'POST', url: path, data: body, ...(headers ? { headers } : {}) });
  }

  /** GET that treats 404 as "not there (yet)", returning undefined. */
  async getOptional<T>(
    path: string,
    params?: Record<string, string | number | undefined>,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(path, params);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return undefined;
      throw error;
    }
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceName } from '../../catalog/index.ts';
import { FAULT_NAMES, type FaultName, type FaultSet } from '../fault-set.ts';
import type { ServiceMetrics } from '../service-metrics.ts';
import type { FaultControl } from './fault-control.ts';
import { readBody, send } from './http-io.ts';

/** An answer of the fault API, shaped as docs/fleet-api.md says. */
export type FaultApiAnswer = { status: number; body: Record<string, unknown> };

const FAULTS_PATH = '/admin/faults';

export interface AdminApiOptions {
  service: ServiceName;
  faults: FaultSet;
  control: FaultControl;
  metrics: ServiceMetrics;
  /** Exports buffered spans and logs and writes pending log lines. */
  flush: () => Promise<void>;
}

/**
 * The endpoints every service has besides its operations (docs/fleet-api.md): `/healthz`,
 * `/metrics`, `POST /admin/flush` and the fault API under `/admin/faults`. None is counted in the
 * request metrics.
 */
export class AdminApi {
  constructor(private readonly options: AdminApiOptions) {}

  /** Whether `path` belongs to the fault API. */
  static isFaultPath(path: string): boolean {
    return path === FAULTS_PATH || path.startsWith(`${FAULTS_PATH}/`);
  }

  health(res: ServerResponse): void {
    send(res, 200, { status: 'ok', service: this.options.service });
  }

  /** The Prometheus scrape; the `down` fault answers 503 (the target goes down while requests keep working). */
  async metrics(res: ServerResponse): Promise<void> {
    const { service, faults, metrics } = this.options;
    if (faults.down) return send(res, 503, { error: `${service} is down (fault "down")` });
    const body = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType });
    res.end(body);
  }

  /** `POST /admin/flush`: flushes, then answers (what a container fleet calls instead of `fleet.flush()`). */
  async flush(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const { service } = this.options;
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST for /admin/flush' });
    try {
      await this.options.flush();
      send(res, 200, { service, flushed: true });
    } catch (error) {
      send(res, 500, { error: `${service}: flush failed: ${(error as Error).message}` });
    }
  }

  /** Reads the body of a fault API request and answers it. */
  faultsRequest(req: IncomingMessage, path: string, res: ServerResponse): void {
    readBody(req, (text) => {
      void this.faultAnswer(req.method ?? 'GET', path, text).then((answer) =>
        send(res, answer.status, answer.body),
      );
    });
  }

  /** The fault API: GET/POST/DELETE /admin/faults, DELETE /admin/faults/<name>. */
  async faultAnswer(method: string, path: string, text: string | undefined): Promise<FaultApiAnswer> {
    const { service, control } = this.options;
    const state = () => ({ service, active: control.active(), available: FAULT_NAMES });
    const name =
      path.length > FAULTS_PATH.length + 1
        ? decodeURIComponent(path.slice(FAULTS_PATH.length + 1))
        : undefined;
    if (name !== undefined) {
      if (method !== 'DELETE') return { status: 405, body: { error: `use DELETE for ${path}` } };
      if (!(FAULT_NAMES as string[]).includes(name)) {
        return { status: 400, body: { error: `unknown fault "${name}"`, available: FAULT_NAMES } };
      }
      await control.clear(name as FaultName);
      return { status: 200, body: state() };
    }
    if (method === 'GET') return { status: 200, body: state() };
    if (method === 'DELETE') {
      await control.clear();
      return { status: 200, body: state() };
    }
    if (method !== 'POST')
      return { status: 405, body: { error: `${method} is not supported on ${FAULTS_PATH}` } };
    let input: unknown;
    try {
      input = JSON.parse(text ?? '');
    } catch {
      return { status: 400, body: { error: 'malformed JSON body', field: 'body' } };
    }
    const result = await control.set(input);
    if (!result.ok) {
      const { ok: _ok, ...body } = result;
      return { status: 400, body };
    }
    return { status: 200, body: state() };
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Operation } from '../behaviour.ts';
import { AdminApi } from './admin-api.ts';
import { readBody, send } from './http-io.ts';
import type { OperationHandler } from './operation-handler.ts';

/**
 * Request dispatch by path: `POST <operation path>` to the operation middleware, the rest to the
 * admin endpoints; anything else answers 404 (or 405 for an operation not POSTed) and is not
 * counted, since the `method` label only takes operation names.
 */
export class Router {
  private readonly routes = new Map<string, Operation>();

  constructor(
    operations: readonly Operation[],
    private readonly handler: OperationHandler,
    private readonly admin: AdminApi,
  ) {
    for (const op of operations) this.routes.set(op.path, op);
  }

  dispatch(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const op = this.routes.get(path);
    if (op && req.method === 'POST') {
      readBody(req, (text) => void this.handler.handle(op, req, res, text));
      return;
    }
    if (path === '/metrics') return void this.admin.metrics(res);
    if (path === '/healthz') return this.admin.health(res);
    if (path === '/admin/flush') return void this.admin.flush(req, res);
    if (AdminApi.isFaultPath(path)) return this.admin.faultsRequest(req, path, res);
    req.resume();
    send(res, op ? 405 : 404, {
      error: op ? `use POST for ${path}` : `no route ${req.method ?? ''} ${path}`,
    });
  }
}

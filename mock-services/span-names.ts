import { clientSpan, serverSpan, type ServiceName } from '../catalog/index.ts';

/** Server span of an operation, as catalog/flows.ts names it (`POST /internal/route`). */
export function serverSpanName(service: ServiceName, path: string): string {
  return serverSpan(service, path).name;
}

/** Client span of a call to a peer, as catalog/flows.ts names it (`call data-router`). */
export function clientSpanName(from: ServiceName, to: ServiceName): string {
  return clientSpan(from, to).name;
}

import { networkInterfaces } from 'node:os';

/**
 * This machine's first non-loopback IPv4 address, or undefined on a loopback-only host: what tests
 * use to prove a listener is NOT reachable from the network (nothing the harness binds uses it).
 */
export function nonLoopbackIPv4(): string | undefined {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .find((i) => i.family === 'IPv4' && !i.internal)?.address;
}

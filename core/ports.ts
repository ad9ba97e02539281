import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Asks the OS for a free TCP port on loopback (no magic ports). */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the OS assigned'));
      });
    });
  });
}

/** Several distinct free ports at once. */
export async function getFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await getFreePort());
  return [...ports];
}

/** True when nothing listens on the port (used to report "port taken" precisely). */
export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * True when a program's output says it could not take its address: Node's `EADDRINUSE`, Go's
 * `bind: address already in use` (Prometheus, Alertmanager, the Collector, Jaeger, VictoriaLogs).
 */
export function saysAddressInUse(output: string): boolean {
  return /EADDRINUSE|address already in use/i.test(output);
}

export interface PortRetryOptions<T> {
  /** How many ports each attempt needs. */
  count: number;
  /** Starts everything on these ports; throws when it cannot. */
  start: (ports: number[], attempt: number) => Promise<T>;
  /** Undoes a failed attempt before the next one. */
  cleanup: () => Promise<void>;
  /** Where ports come from (default: fresh ones from the OS). */
  allocate?: (count: number) => Promise<number[]>;
  attempts?: number;
  log?: (line: string) => void;
}

/**
 * Programs that take their ports on the command line cannot bind port 0 and report it back, so a
 * port found free can be taken by someone else before they bind it. Such a start is retried with
 * fresh ports when it failed because an address was in use (per `saysAddressInUse` on the error
 * message, which carries the program's last output); any other failure is thrown at once.
 */
export async function startWithPortRetry<T>(options: PortRetryOptions<T>): Promise<T> {
  const attempts = options.attempts ?? 3;
  const allocate = options.allocate ?? getFreePorts;
  for (let attempt = 1; ; attempt += 1) {
    const ports = await allocate(options.count);
    try {
      return await options.start(ports, attempt);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= attempts || !saysAddressInUse(message)) throw error;
      await options.cleanup();
      const line = message.split('\n').find((l) => saysAddressInUse(l)) ?? message.split('\n')[0];
      options.log?.(
        `an address was taken before it could be bound (${line?.trim()}); retrying with fresh ports`,
      );
    }
  }
}

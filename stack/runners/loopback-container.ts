import { GenericContainer } from 'testcontainers';

/**
 * A GenericContainer whose published ports bind to 127.0.0.1 only, whatever the daemon's default
 * (`dockerd --ip`): testcontainers publishes on every interface otherwise, and the stack's APIs
 * (logs, traces, metrics of the run) must not be reachable from the network.
 */
export class LoopbackContainer extends GenericContainer {
  override withExposedPorts(...ports: Parameters<GenericContainer['withExposedPorts']>): this {
    super.withExposedPorts(...ports);
    this.hostConfig.PortBindings = publishOnLoopback(this.hostConfig.PortBindings);
    return this;
  }
}

type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[]>;

/** Each binding with `HostIp: 127.0.0.1` (a pure function, for the test). */
export function publishOnLoopback(bindings: PortBindings | undefined): PortBindings {
  return Object.fromEntries(
    Object.entries(bindings ?? {}).map(([port, list]) => [
      port,
      list.map((b) => ({ ...b, HostIp: '127.0.0.1' })),
    ]),
  );
}

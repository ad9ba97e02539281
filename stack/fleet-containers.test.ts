import { describe, expect, it } from 'vitest';
import { fleetServiceContainer } from './fleet-containers.ts';
import { FLEET_CONTAINER_PORT } from './spec/prometheus.ts';

describe('a fleet service container', () => {
  const container = fleetServiceContainer({
    image: 'phoenix-harness/mock-fleet:x',
    runId: 'run-1',
    network: 'phoenix-harness-run-1',
    service: 'data-router',
    otlp: [],
    logDir: '/tmp/fleet-logs',
    startupTimeoutMs: 1_000,
  }) as unknown as {
    hostConfig: { PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[]> };
    createOpts: { Cmd?: string[] };
  };

  it('publishes its port on 127.0.0.1 only, whatever the daemon would default to', () => {
    expect(container.hostConfig.PortBindings).toEqual({
      [`${FLEET_CONTAINER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }],
    });
  });

  it('listens on every interface inside the container only because it says so (--host 0.0.0.0)', () => {
    const cmd = container.createOpts.Cmd ?? [];
    expect(cmd.slice(cmd.indexOf('--host'), cmd.indexOf('--host') + 2)).toEqual(['--host', '0.0.0.0']);
  });
});

import { describe, expect, it } from 'vitest';
import { LoopbackContainer, publishOnLoopback } from './loopback-container.ts';

describe('publishing container ports on loopback only', () => {
  it('binds every published port to 127.0.0.1, keeping its host port', () => {
    expect(
      publishOnLoopback({
        '9428/tcp': [{ HostPort: '0' }],
        '4317/tcp': [{ HostIp: '0.0.0.0', HostPort: '0' }],
      }),
    ).toEqual({
      '9428/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }],
      '4317/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }],
    });
  });

  it('is what LoopbackContainer sends to Docker for its exposed ports', () => {
    class Inspect extends LoopbackContainer {
      bindings() {
        return this.hostConfig.PortBindings;
      }
    }
    const container = new Inspect('phoenix-harness/victorialogs:x').withExposedPorts(9428, 9090);
    expect(container.bindings()).toEqual({
      '9428/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }],
      '9090/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }],
    });
  });
});

import { describe, expect, it } from 'vitest';
import { HarnessError } from '../core/index.ts';
import { PhoenixFleet } from './phoenix-fleet.ts';

describe('PhoenixFleet', () => {
  it('refuses an unknown service or fault in withFaults, naming the option', () => {
    const unknownService = () =>
      new PhoenixFleet().withFaults({ service: 'ghost-service' as 'executor', name: 'down' });
    expect(unknownService).toThrow(HarnessError);
    expect(unknownService).toThrow('withFaults: unknown service "ghost-service"');
    expect(() => new PhoenixFleet().withFaults({ service: 'executor', name: 'melt' as 'down' })).toThrow(
      'withFaults: unknown fault "melt"',
    );
    expect(() => new PhoenixFleet().withScrapeTimeout(0)).toThrow('withScrapeTimeout(0): not a valid value');
  });

  it('starts once, switches its faults on, and stops once however often it is asked', async () => {
    const builder = new PhoenixFleet().withFaults({
      service: 'data-router',
      name: 'latency',
      params: { ms: 5 },
    });
    const fleet = await builder.start();
    try {
      await expect(builder.start()).rejects.toThrow('PhoenixFleet.start() was already called');
      expect(fleet.entryUrl).toBe(fleet.services.get('orchestrator-service')?.url);
      expect(await fleet.handle.activeFaults('data-router')).toEqual([{ name: 'latency', ms: 5 }]);
      expect(fleet.baselineScraped).toBeUndefined();
    } finally {
      await Promise.all([fleet.stop(), fleet.stop()]);
      await fleet[Symbol.asyncDispose]();
    }
    await expect(fetch(`${fleet.entryUrl}/healthz`)).rejects.toThrow();
  });

  it('stops the services and rejects naming the field when a service refuses a fault', async () => {
    const start = new PhoenixFleet()
      .withFaults({ service: 'data-router', name: 'latency', params: { ms: -5 } })
      .start();
    await expect(start).rejects.toThrow('bad parameters for fault "latency": ms:');
  });
});

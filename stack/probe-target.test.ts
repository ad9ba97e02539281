import { describe, expect, it } from 'vitest';
import { HarnessError } from '../core/index.ts';
import { startProbeTarget } from './probe-target.ts';

describe('the pipeline probe target', () => {
  it('serves the series of each marked probe id, and only while marked', async () => {
    await using target = await startProbeTarget();
    expect(target.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const scrape = async () => (await fetch(`http://${target.address}/metrics`)).text();
    target.mark('run-1-abc');
    expect(await scrape()).toContain('harness_pipeline_probe_info{probe_id="run-1-abc"} 1');
    expect(target.series('run-1-abc')).toBe('harness_pipeline_probe_info{probe_id="run-1-abc"}');
    target.unmark('run-1-abc');
    expect(await scrape()).not.toContain('run-1-abc');
    expect(target.errors).toEqual([]);
  });

  it('stops listening when disposed', async () => {
    const target = await startProbeTarget();
    const url = `http://${target.address}/metrics`;
    await target[Symbol.asyncDispose]();
    await expect(fetch(url)).rejects.toThrow('fetch failed');
  });

  it('is a HarnessError naming the address when it cannot listen (not an uncaught exception)', async () => {
    // TEST-NET-1 (RFC 5737): no interface of this machine has it.
    const starting = startProbeTarget({ host: '192.0.2.1' });
    await expect(starting).rejects.toBeInstanceOf(HarnessError);
    await expect(starting).rejects.toThrow(
      "the pipeline probe's metrics listener could not listen on 192.0.2.1: listen EADDRNOTAVAIL: address not available 192.0.2.1",
    );
  });
});

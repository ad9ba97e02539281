import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { loadConfig, parseConfig } from './config.ts';

describe('harness config', () => {
  it('defaults every field', () => {
    const config = parseConfig({});
    expect(config.stack.runner).toBe('local');
    expect(config.phases).toEqual([1, 2, 3, 4]);
    expect(config.load.scenario).toBe('smoke');
    expect(config.baseline.p95IncreasePct).toBe(10);
  });

  it('names the field and the allowed values of an invalid enum', () => {
    expect(() => parseConfig({ stack: { runner: 'podman' } })).toThrowError(
      /stack\.runner: must be one of "local", "docker", "external"/,
    );
  });

  it('names unknown fields', () => {
    expect(() => parseConfig({ stak: {} })).toThrowError(/unknown field\(s\) stak/);
  });

  it('rejects a phase outside 1..4', () => {
    let error: unknown;
    try {
      parseConfig({ phases: [5] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/phases\.0/);
  });

  it('loads harness.config.ts and validates it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-config-'));
    writeFileSync(join(dir, 'harness.config.ts'), `export default { load: { rate: 50 } };\n`);
    const config = await loadConfig(undefined, dir);
    expect(config.load.rate).toBe(50);
  });

  it('uses defaults when there is no config file, but an explicit missing file is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phx-config-'));
    await expect(loadConfig(undefined, dir)).resolves.toMatchObject({ outDir: 'out' });
    await expect(loadConfig('nope.config.ts', dir)).rejects.toThrowError(/config file not found/);
  });
});

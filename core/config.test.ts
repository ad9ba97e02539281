import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { assertStackChoice, loadConfig, parseConfig } from './config.ts';

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

  it('defaults to the embedded log store and the automatic load engine', () => {
    const config = parseConfig({});
    expect(config.stack.logStore).toBe('victorialogs');
    expect(config.stack.traceStore).toBe('memory');
    expect(config.stack.grafana).toBe(false);
    expect(config.load.engine).toBe('auto');
    expect(config.load.segment).toBeUndefined();
  });

  it('names the allowed log stores, load engines and segment form', () => {
    expect(() => parseConfig({ stack: { logStore: 'elastic' } })).toThrowError(
      /stack\.logStore: must be one of "victorialogs", "loki"/,
    );
    expect(() => parseConfig({ stack: { traceStore: 'cassandra' } })).toThrowError(
      /stack\.traceStore: must be one of "memory", "badger"/,
    );
    expect(() => parseConfig({ load: { engine: 'jmeter' } })).toThrowError(
      /load\.engine: must be one of "auto", "node", "k6"/,
    );
    expect(() => parseConfig({ load: { segment: 'half' } })).toThrowError(
      /load\.segment: an execution segment/,
    );
    expect(parseConfig({ load: { segment: '1/4:2/4' } }).load.segment).toBe('1/4:2/4');
  });

  it('refuses Loki or Grafana on a stack the harness would have to build them for', () => {
    const base = { runner: 'local', images: 'auto', logStore: 'victorialogs', grafana: false } as const;
    expect(() => assertStackChoice(base)).not.toThrow();
    expect(() => assertStackChoice({ ...base, logStore: 'loki' })).toThrowError(
      /stack\.logStore "loki" cannot run on --stack local: Loki and Grafana are AGPL/,
    );
    expect(() =>
      assertStackChoice({ ...base, runner: 'docker', images: 'local', grafana: true }),
    ).toThrowError(/stack\.grafana true cannot run on --stack docker --images local/);
    expect(() =>
      assertStackChoice({ ...base, runner: 'docker', images: 'official', logStore: 'loki', grafana: true }),
    ).not.toThrow();
    expect(() => assertStackChoice({ ...base, runner: 'external', logStore: 'loki' })).not.toThrow();
    expect(() =>
      assertStackChoice({ ...base, runner: 'docker', images: 'official', grafana: true }),
    ).toThrowError(/stack\.grafana true needs stack\.logStore "loki" on --stack docker/);
  });

  it('takes waivers as check id (or `prefix.*`) → non-empty reason, and rejects an empty reason', () => {
    const waive = { 'alerts.drill.X': 'no such fault on staging', 'alerts.drill.*': 'no fleet' };
    expect(parseConfig({ waive }).waive).toEqual(waive);
    expect(parseConfig({}).waive).toEqual({});
    expect(() => parseConfig({ waive: { 'alerts.drill.X': '  ' } })).toThrowError(
      /waive\.alerts\.drill\.X: a waiver needs a reason/,
    );
    expect(() => parseConfig({ waive: { 'alerts.*.X': 'why' } })).toThrowError(
      /waive\.alerts\.\*\.X: not a check id, nor a prefix ending in \.\* \(alerts\.drill\.\*\)/,
    );
  });

  it("takes staging's scrape job names, and rejects an unknown one", () => {
    const external = { prometheus: 'http://127.0.0.1:9', jobs: { collector: 'otel-gateway' } };
    expect(parseConfig({ stack: { external } }).stack.external?.jobs).toEqual({ collector: 'otel-gateway' });
    expect(() => parseConfig({ stack: { external: { ...external, jobs: { otel: 'x' } } } })).toThrowError(
      /stack\.external\.jobs: unknown field\(s\) otel/,
    );
  });
});

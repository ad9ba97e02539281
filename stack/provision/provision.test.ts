import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { OTELCOL_COMPONENTS } from '../versions.ts';
import { componentDir } from './cache.ts';
import { firstVersionLine, isProvisioned, listProvisioned, requireProvisioned } from './provision.ts';
import { otelcolBuilderManifest, RECIPES } from './recipes.ts';

describe('provisioning', () => {
  it('reads the version line of each banner style', () => {
    expect(firstVersionLine('prometheus, version 2.42.0+ds (branch: debian/sid)\n  build user: x')).toBe(
      'prometheus, version 2.42.0+ds (branch: debian/sid)',
    );
    expect(
      firstVersionLine('{"gitCommit":"","gitVersion":"v2.13.0","buildDate":""}2026/11/23 log line'),
    ).toBe('jaeger v2.13.0');
    expect(firstVersionLine('k6 v1.8.1 (go1.26.8, linux/amd64)')).toBe('k6 v1.8.1 (go1.26.8, linux/amd64)');
  });

  it('builds the Collector from exactly the components the config uses, at one version', () => {
    const manifest = parse(otelcolBuilderManifest('/tmp/out')) as Record<string, { gomod: string }[]>;
    const all = [
      ...OTELCOL_COMPONENTS.receivers,
      ...OTELCOL_COMPONENTS.processors,
      ...OTELCOL_COMPONENTS.exporters,
      ...OTELCOL_COMPONENTS.extensions,
    ];
    const listed = ['receivers', 'processors', 'exporters', 'extensions'].flatMap((k) =>
      (manifest[k] ?? []).map((e) => e.gomod),
    );
    expect(listed.map((g) => g.split(' ')[0]).sort()).toEqual([...all].sort());
    expect(new Set(listed.map((g) => g.split(' ')[1])).size).toBe(1);
  });

  it('says what to run when a component is not provisioned', () => {
    const empty = mkdtempSync(join(tmpdir(), 'phx-cache-'));
    expect(() => requireProvisioned('loki', empty)).toThrowError(
      /loki 3\.7\.8 is not provisioned in .*phx-cache-/,
    );
  });

  it('lists every binary of every component, provisioned or not', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'phx-cache-'));
    const rows = await listProvisioned(empty);
    expect(rows.map((r) => r.binary)).toEqual([
      'prometheus',
      'promtool',
      'alertmanager',
      'amtool',
      'k6',
      'otelcol-phoenix',
      'jaeger',
      'loki',
      'grafana',
      'grafana-static',
    ]);
    expect(rows.every((r) => !r.provisioned && r.reported === 'not provisioned')).toBe(true);
  });

  it('counts Grafana as provisioned only with its home/ (conf and public) beside the binaries', () => {
    const root = mkdtempSync(join(tmpdir(), 'phx-cache-'));
    const recipe = RECIPES.grafana;
    const dir = componentDir('grafana', recipe.version, root);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    for (const binary of recipe.binaries) {
      writeFileSync(join(dir, 'bin', binary), '#!/bin/sh\n');
      chmodSync(join(dir, 'bin', binary), 0o755);
    }
    expect(isProvisioned(recipe, root)).toBe(false);
    mkdirSync(join(dir, 'home', 'conf'), { recursive: true });
    mkdirSync(join(dir, 'home', 'public'), { recursive: true });
    writeFileSync(join(dir, 'home', 'conf', 'defaults.ini'), '');
    expect(isProvisioned(recipe, root)).toBe(true);
  });
});

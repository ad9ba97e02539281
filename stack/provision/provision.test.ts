import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../core/index.ts';
import { OTELCOL_COMPONENTS } from '../versions.ts';
import { assertPermittedLicence, type LicensedRecipe } from './licence.ts';
import { firstVersionLine, listProvisioned, provision, requireProvisioned } from './provision.ts';
import {
  APT_GO_MODULES,
  chooseAptSource,
  isPinnedDebianVersion,
  otelcolBuilderManifest,
  RECIPES,
} from './recipes.ts';
import { STACK_VERSIONS } from '../versions.ts';

/** The error assertPermittedLicence throws for a recipe, or undefined when it is accepted. */
function refusal(recipe: LicensedRecipe): HarnessError | undefined {
  try {
    assertPermittedLicence(recipe);
    return undefined;
  } catch (error) {
    if (error instanceof HarnessError) return error;
    throw error;
  }
}

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
    expect(() => requireProvisioned('victorialogs', empty)).toThrowError(
      /victorialogs 1\.52\.1 is not provisioned in .*phx-cache-/,
    );
  });

  it('lists every binary of every component with its licence, provisioned or not', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'phx-cache-'));
    const rows = await listProvisioned(empty);
    expect(rows.map((r) => r.binary)).toEqual([
      'prometheus',
      'promtool',
      'alertmanager',
      'amtool',
      'otelcol-phoenix',
      'jaeger',
      'victoria-logs',
    ]);
    expect(rows.every((r) => !r.provisioned && r.reported === 'not provisioned')).toBe(true);
    expect(new Set(rows.map((r) => r.licence))).toEqual(new Set(['Apache-2.0']));
  });

  it('has no recipe for k6, Loki, Grafana or Tempo, and every recipe passes the licence gate', () => {
    expect(Object.keys(RECIPES).sort()).toEqual([
      'alertmanager',
      'jaeger',
      'otelcol',
      'prometheus',
      'victorialogs',
    ]);
    for (const recipe of Object.values(RECIPES)) expect(refusal(recipe), recipe.name).toBeUndefined();
  });
});

describe('the licence gate', () => {
  const recipe = (licence: string, modules: string[] = []): LicensedRecipe => ({
    name: 'thing',
    version: '1.0.0',
    licence,
    modules,
  });

  it.each([
    ['AGPL-3.0-only', 'the GNU Affero GPL'],
    ['AGPL-3.0-or-later', 'the GNU Affero GPL'],
    ['SSPL-1.0', 'the Server Side Public License'],
    ['BUSL-1.1', 'the Business Source License'],
  ])('refuses a recipe licensed %s, naming it and what to do', (licence, family) => {
    const error = refusal(recipe(licence));
    expect(error?.message).toBe(
      `refusing to provision thing 1.0.0: its licence ${licence} is ${family}, which this project never fetches, builds or runs`,
    );
    expect(error?.hint).toContain('--stack docker --images official');
  });

  it.each(['', 'UNKNOWN', 'GPL-2.0-only', 'proprietary'])('refuses an unknown licence %j', (licence) => {
    expect(refusal(recipe(licence))?.message).toBe(
      `refusing to provision thing 1.0.0: licence ${JSON.stringify(licence)} is not one of Apache-2.0, MIT, BSD-2-Clause, BSD-3-Clause, ISC, MPL-2.0`,
    );
  });

  it.each([
    'go.k6.io/k6',
    'github.com/grafana/loki/v3',
    'github.com/grafana/grafana/apps/dashboard',
    'github.com/grafana/tempo',
  ])('refuses an Apache-2.0 recipe that would fetch the AGPL module %s', (module) => {
    expect(
      refusal(recipe('Apache-2.0', ['github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs', module]))
        ?.message,
    ).toBe(`refusing to provision thing 1.0.0: it would fetch the AGPL module(s) ${module}`);
  });

  it('accepts a permitted licence whose module path only looks alike', () => {
    expect(
      refusal(recipe('Apache-2.0', ['github.com/grafana/lokistack-tools', 'github.com/grafana/loki-like'])),
    ).toBeUndefined();
  });

  it('stops provisioning before anything is fetched when a recipe is refused', async () => {
    const saved = RECIPES.victorialogs;
    const root = mkdtempSync(join(tmpdir(), 'phx-cache-'));
    let built = false;
    RECIPES.victorialogs = {
      ...saved,
      licence: 'AGPL-3.0-only',
      build: () => {
        built = true;
        return Promise.resolve();
      },
    };
    try {
      await expect(
        provision({ components: ['victorialogs'], root, log: () => undefined }),
      ).rejects.toThrowError(
        /^refusing to provision victorialogs 1\.52\.1: its licence AGPL-3\.0-only is the GNU Affero GPL/,
      );
      expect(built).toBe(false);
    } finally {
      RECIPES.victorialogs = saved;
    }
  });
});

describe('Debian packages, else their Go modules (promtool and amtool on Ubuntu too)', () => {
  const prometheus = (installed: string | undefined, candidate: string | undefined, root = true) =>
    chooseAptSource({ package: 'prometheus', pinned: '2.42.0', installed, candidate, root });

  it('recognises the pinned upstream version inside Debian version strings', () => {
    expect(isPinnedDebianVersion('2.42.0+ds-5+b5', '2.42.0')).toBe(true);
    expect(isPinnedDebianVersion('1:0.25.0-1', '0.25.0')).toBe(true);
    expect(isPinnedDebianVersion('2.42.0', '2.42.0')).toBe(true);
    expect(isPinnedDebianVersion('2.42.01-1', '2.42.0')).toBe(false);
    expect(isPinnedDebianVersion('2.45.3+ds-2build1', '2.42.0')).toBe(false);
  });

  it('keeps Debian first: the installed pinned package, or apt-get install when apt offers it', () => {
    expect(prometheus('2.42.0+ds-5+b5', undefined)).toEqual({ via: 'apt', install: false });
    expect(prometheus('2.42.0+ds-5+b5', undefined, false)).toEqual({ via: 'apt', install: false });
    expect(prometheus(undefined, '2.42.0+ds-5+b5')).toEqual({ via: 'apt', install: true });
  });

  it('asks for sudo apt-get when apt offers the pinned version but provisioning is not root', () => {
    expect(() => prometheus(undefined, '2.42.0+ds-5+b5', false)).toThrow(
      /the Debian package prometheus is not installed/,
    );
  });

  it('builds from the Go module when the package is at another version or apt cannot provide the pinned one', () => {
    // Ubuntu 24.04 (noble) ships prometheus 2.45.3 and prometheus-alertmanager 0.26.0.
    expect(prometheus('2.45.3+ds-2build1', undefined)).toEqual({
      via: 'go-module',
      reason: 'prometheus 2.45.3+ds-2build1 is installed, not 2.42.0',
    });
    expect(prometheus(undefined, '2.45.3+ds-2build1', false)).toEqual({
      via: 'go-module',
      reason: 'apt offers prometheus 2.45.3+ds-2build1, not 2.42.0',
    });
    expect(prometheus(undefined, undefined)).toEqual({
      via: 'go-module',
      reason: 'apt offers no prometheus package here',
    });
  });

  it('builds each Debian program from the Apache-2.0 module of the pinned release, listed for the licence gate', () => {
    // Prometheus tags its Go module v0.<minor>.<patch> for release 2.<minor>.<patch>.
    expect(APT_GO_MODULES.prometheus.moduleVersion).toBe(
      `v0.${STACK_VERSIONS.prometheus.version.split('.').slice(1).join('.')}`,
    );
    expect(APT_GO_MODULES.alertmanager.moduleVersion).toBe(`v${STACK_VERSIONS.alertmanager.version}`);
    for (const name of ['prometheus', 'alertmanager'] as const) {
      expect(Object.keys(APT_GO_MODULES[name].packages)).toEqual(
        Object.keys(STACK_VERSIONS[name].apt.binaries),
      );
      expect(RECIPES[name].modules).toEqual([APT_GO_MODULES[name].module]);
      expect(RECIPES[name].licence).toBe('Apache-2.0');
      expect(refusal(RECIPES[name])).toBeUndefined();
    }
  });
});

import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { childEnv, HarnessError } from '../../core/index.ts';
import type { ComponentName } from '../versions.ts';
import { cacheRoot, componentDir, goModCache, sourceDir } from './cache.ts';
import { assertPermittedLicence } from './licence.ts';
import { COMPONENT_ORDER, RECIPES, type ComponentRecipe } from './recipes.ts';
import { runCommand } from './run-command.ts';

/** Free space a cold build needs: Go's build cache and module downloads (Jaeger and the Collector are large). */
const MIN_FREE_BYTES_FOR_BUILD = 4 * 1024 ** 3;
const MIN_GO_MINOR = 24;

export interface ProvisionedComponent {
  name: ComponentName;
  version: string;
  dir: string;
  binaries: Record<string, string>;
  /** Set when this call built it; absent when it was already cached. */
  buildSeconds?: number;
}

interface Manifest {
  name: string;
  version: string;
  source: string;
  builtAt: string;
  buildSeconds: number | null;
  fingerprint?: string;
}

function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, 'manifest.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Manifest) : undefined;
}

export function isProvisioned(recipe: ComponentRecipe, root = cacheRoot()): boolean {
  const dir = componentDir(recipe.name, recipe.version, root);
  if (recipe.fingerprint !== undefined && readManifest(dir)?.fingerprint !== recipe.fingerprint) return false;
  return binariesPresent(recipe, root);
}

function binariesPresent(recipe: ComponentRecipe, root: string): boolean {
  const dir = componentDir(recipe.name, recipe.version, root);
  const executable = recipe.binaries.every((b) => {
    try {
      accessSync(join(dir, 'bin', b), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return executable && (recipe.requiredFiles ?? []).every((f) => existsSync(join(dir, f)));
}

function binariesOf(recipe: ComponentRecipe, root: string): Record<string, string> {
  const dir = componentDir(recipe.name, recipe.version, root);
  return Object.fromEntries(recipe.binaries.map((b) => [b, join(dir, 'bin', b)]));
}

/** Paths of a provisioned component's binaries; a clear error when it is not provisioned. */
export function requireProvisioned(name: ComponentName, root = cacheRoot()): ProvisionedComponent {
  const recipe = RECIPES[name];
  if (!isProvisioned(recipe, root)) {
    throw new HarnessError(`${name} ${recipe.version} is not provisioned in ${root}`, {
      hint: 'run: npm run stack:provision',
    });
  }
  return {
    name,
    version: recipe.version,
    dir: componentDir(name, recipe.version, root),
    binaries: binariesOf(recipe, root),
  };
}

async function checkGo(): Promise<void> {
  let out: string;
  try {
    out = await runCommand('go', ['version']);
  } catch {
    throw new HarnessError(
      'Go is required to build the Collector, Jaeger and VictoriaLogs, and `go` is not on PATH',
      {
        hint: `install Go 1.${MIN_GO_MINOR} or newer (https://go.dev/doc/install or your distro), then re-run npm run stack:provision`,
      },
    );
  }
  const minor = Number(/go1\.(\d+)/.exec(out)?.[1] ?? 0);
  if (minor < MIN_GO_MINOR) {
    throw new HarnessError(`Go 1.${MIN_GO_MINOR}+ is required, found: ${out.trim()}`, { hint: 'upgrade Go' });
  }
}

function checkDisk(root: string): void {
  mkdirSync(root, { recursive: true });
  const stats = statfsSync(root);
  const free = stats.bavail * stats.bsize;
  if (free < MIN_FREE_BYTES_FOR_BUILD) {
    throw new HarnessError(
      `not enough disk space to build the stack: ${(free / 1024 ** 3).toFixed(1)} GiB free in ${root}, need ${MIN_FREE_BYTES_FOR_BUILD / 1024 ** 3} GiB`,
      { hint: 'free some space, or point PHX_HARNESS_CACHE at a larger disk' },
    );
  }
}

/**
 * Makes every pinned component available in the cache; idempotent (cached components are
 * reused), with progress lines on `log`.
 */
export async function provision(
  options: { components?: readonly ComponentName[]; root?: string; log?: (line: string) => void } = {},
): Promise<ProvisionedComponent[]> {
  const root = options.root ?? cacheRoot();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const names = options.components ?? COMPONENT_ORDER;
  // Before anything is fetched: a recipe with a refused or unknown licence stops the whole run.
  for (const name of names) assertPermittedLicence(RECIPES[name]);
  const missing = names.filter((n) => !isProvisioned(RECIPES[n], root));
  if (missing.some((n) => n !== 'prometheus' && n !== 'alertmanager')) {
    await checkGo();
  }
  if (missing.length > 0) checkDisk(root);
  log(`cache: ${root}`);
  for (const removed of removeRetiredComponents(root))
    log(`removed ${removed} (AGPL: no longer built or kept)`);
  const result: ProvisionedComponent[] = [];
  for (const [index, name] of names.entries()) {
    const recipe = RECIPES[name];
    const step = `[${index + 1}/${names.length}] ${name} ${recipe.version}`;
    if (!missing.includes(name)) {
      log(`${step}: cached`);
      result.push({
        name,
        version: recipe.version,
        dir: componentDir(name, recipe.version, root),
        binaries: binariesOf(recipe, root),
      });
      continue;
    }
    log(
      `${step}: ${recipe.source.startsWith('Debian') ? 'installing' : 'building'} from ${recipe.source} (${recipe.coldEstimate} cold)`,
    );
    const started = Date.now();
    await recipe.build({ root, log });
    const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
    if (!binariesPresent(recipe, root)) {
      const outputs = [...recipe.binaries, ...(recipe.requiredFiles ?? [])];
      throw new HarnessError(`${name}: the build finished but ${outputs.join(', ')} did not all appear`, {
        where: componentDir(name, recipe.version, root),
      });
    }
    const manifest: Manifest = {
      name,
      version: recipe.version,
      source: recipe.source,
      builtAt: new Date().toISOString(),
      buildSeconds,
      ...(recipe.fingerprint === undefined ? {} : { fingerprint: recipe.fingerprint }),
    };
    writeFileSync(
      join(componentDir(name, recipe.version, root), 'manifest.json'),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    // The writable source copy (Jaeger) is only needed to build.
    rmSync(sourceDir(name, recipe.version, root), { recursive: true, force: true });
    log(`${step}: done in ${buildSeconds}s`);
    result.push({
      name,
      version: recipe.version,
      dir: componentDir(name, recipe.version, root),
      binaries: binariesOf(recipe, root),
      buildSeconds,
    });
  }
  await removeBuildDownloads(root, log);
  return result;
}

/**
 * Deletes the private Go module cache the builds filled (several GiB of sources, read-only files):
 * the binaries are all a run needs, and nothing fetched to build them is kept.
 */
async function removeBuildDownloads(root: string, log: (line: string) => void): Promise<void> {
  const modCache = goModCache(root);
  if (!existsSync(modCache)) return;
  await runCommand('go', ['clean', '-modcache'], { env: childEnv(['go'], { GOMODCACHE: modCache }) });
  rmSync(modCache, { recursive: true, force: true });
  log(`removed the Go module downloads of the builds (${modCache})`);
}

/** Cache entries earlier harness versions built from AGPL modules (k6, Loki, Grafana): removed on sight. */
const RETIRED_PREFIXES = ['k6-', 'loki-', 'grafana-', 'tempo-', 'wire-'] as const;

/**
 * Deletes what an earlier harness version left in the cache from AGPL modules (binaries, module
 * source copies, Grafana's wire tool); returns the paths it removed. The Go module cache is the
 * user's: `.ci/run` checks it, and the README says how to clean it.
 */
export function removeRetiredComponents(root: string): string[] {
  const removed: string[] = [];
  for (const dir of [root, join(root, 'src'), join(root, 'tools')]) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir)) {
      if (!RETIRED_PREFIXES.some((p) => entry.startsWith(p))) continue;
      rmSync(join(dir, entry), { recursive: true, force: true });
      removed.push(join(dir, entry));
    }
  }
  return removed;
}

export interface ListedBinary {
  component: ComponentName;
  binary: string;
  pinned: string;
  licence: string;
  /** First line the binary prints for its version flag, or why it could not be asked. */
  reported: string;
  path: string;
  provisioned: boolean;
  buildSeconds: number | null;
}

/** What `stack:provision -- --list` prints: each binary, the version it reports itself, its path. */
export async function listProvisioned(root = cacheRoot()): Promise<ListedBinary[]> {
  const rows: ListedBinary[] = [];
  for (const name of COMPONENT_ORDER) {
    const recipe = RECIPES[name];
    const dir = componentDir(name, recipe.version, root);
    const manifest = readManifest(dir);
    for (const binary of recipe.binaries) {
      const path = join(dir, 'bin', binary);
      let reported = existsSync(path) ? 'stale: rebuild with npm run stack:provision' : 'not provisioned';
      const provisioned = isProvisioned(recipe, root);
      if (provisioned) {
        reported = await runCommand(path, recipe.versionArgs[binary] ?? ['--version'])
          .then((out) => firstVersionLine(out))
          .catch((error: Error) => `error: ${error.message.split('\n')[0]}`);
      }
      rows.push({
        component: name,
        binary,
        pinned: recipe.version,
        licence: recipe.licence,
        reported,
        path,
        provisioned,
        buildSeconds: manifest?.buildSeconds ?? null,
      });
    }
  }
  return rows;
}

/** The line of a version banner that carries the version (Jaeger prints JSON, others a banner). */
export function firstVersionLine(output: string): string {
  // Jaeger prints a JSON banner (and a log line); the others print a one-line banner.
  const gitVersion = /"gitVersion":"([^"]+)"/.exec(output)?.[1];
  if (gitVersion) return `jaeger ${gitVersion}`;
  const lines = output
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /\d+\.\d+\.\d+/.test(l)) ?? lines[0] ?? '(no output)';
}

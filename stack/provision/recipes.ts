import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { childEnv, HarnessError } from '../../core/index.ts';
import { OTELCOL_COMPONENTS, STACK_VERSIONS, type ComponentName } from '../versions.ts';
import { componentDir, goModCache, sourceDir } from './cache.ts';
import { runCommand } from './run-command.ts';

export interface BuildContext {
  root: string;
  log: (line: string) => void;
}

export interface ComponentRecipe {
  name: ComponentName;
  version: string;
  /** SPDX id of the component's licence: provisioning refuses anything not in PERMITTED_LICENCES. */
  licence: string;
  /** Go modules the build fetches (checked against FORBIDDEN_MODULES before anything is fetched). */
  modules?: readonly string[];
  /** Executables placed in `<cache>/<name>-<version>/bin/`. */
  binaries: readonly string[];
  /** Other files (relative to `<cache>/<name>-<version>/`) the component needs at run time, e.g. Grafana's home/. */
  requiredFiles?: readonly string[];
  /** Where the binaries come from, for progress output and the README. */
  source: string;
  /** Rough cold build time on the 2-core build machine, shown before a build starts. */
  coldEstimate: string;
  /** Changes when the recipe's inputs change beyond the version (e.g. the Collector's component list). */
  fingerprint?: string;
  /** How to ask each binary for its own version. */
  versionArgs: Record<string, string[]>;
  build(ctx: BuildContext): Promise<void>;
}

/**
 * Builds use a module cache of their own under the harness cache (not the user's GOMODCACHE), which
 * provisioning deletes once the binaries are built: nothing fetched for a build outlives it.
 */
const goEnv = (ctx: BuildContext, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
  childEnv(['go'], {
    CGO_ENABLED: '0',
    GOFLAGS: '-buildvcs=false',
    GOMODCACHE: goModCache(ctx.root),
    ...extra,
  });

/** `go mod download -json mod@version` and return the module's directory in the module cache. */
async function downloadModule(module: string, version: string, ctx: BuildContext): Promise<string> {
  ctx.log(`  downloading ${module}@${version} from the Go module proxy`);
  const out = await runCommand('go', ['mod', 'download', '-json', `${module}@${version}`], {
    env: goEnv(ctx),
    heartbeatLabel: `downloading ${module}`,
    log: ctx.log,
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new HarnessError(`go mod download ${module}@${version} returned no Dir: ${info.Error ?? out}`);
  return info.Dir;
}

/** Copy a module out of the read-only module cache so `go build` can run in it (for replace lines). */
function writableCopy(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  chmodRecursive(to);
}

/** `chmod -R u+w`: the module cache is read-only. */
function chmodRecursive(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    chmodSync(path, entry.isDirectory() ? 0o755 : 0o644);
  }
}

/**
 * The Apache-2.0 Go modules the Debian packages are built from, at the pinned versions: the fallback
 * where apt cannot provide the pinned version (Ubuntu 24.04 ships other ones). Prometheus tags its
 * Go module v0.<minor>.<patch> for release 2.<minor>.<patch>; its go.mod has replace lines, so both
 * are built in a writable copy of the module.
 */
export const APT_GO_MODULES = {
  prometheus: {
    module: 'github.com/prometheus/prometheus',
    moduleVersion: 'v0.42.0',
    packages: { prometheus: './cmd/prometheus', promtool: './cmd/promtool' },
  },
  alertmanager: {
    module: 'github.com/prometheus/alertmanager',
    moduleVersion: 'v0.25.0',
    packages: { alertmanager: './cmd/alertmanager', amtool: './cmd/amtool' },
  },
} as const;

/** Where a Debian-packaged component comes from on this machine. */
export type AptSource = { via: 'apt'; install: boolean } | { via: 'go-module'; reason: string };

/** Whether a Debian version string (`2.42.0+ds-5+b5`, `1:0.25.0-1`) is the pinned upstream version. */
export function isPinnedDebianVersion(version: string, pinned: string): boolean {
  const upstream = version.replace(/^\d+:/, '');
  if (!upstream.startsWith(pinned)) return false;
  const rest = upstream.slice(pinned.length);
  return rest === '' || /^[+~-]/.test(rest);
}

/**
 * Debian first: the installed package when it is the pinned version, else apt-get install when apt
 * offers the pinned version (root only; otherwise say what to run). When the package is at another
 * version, or apt cannot provide the pinned one, the programs are built from their Go modules.
 */
export function chooseAptSource(state: {
  package: string;
  pinned: string;
  /** The installed package's version, if any (dpkg-query). */
  installed: string | undefined;
  /** The version apt would install, if any (apt-cache policy). */
  candidate: string | undefined;
  root: boolean;
}): AptSource {
  const { package: pkg, pinned, installed, candidate } = state;
  if (installed !== undefined && isPinnedDebianVersion(installed, pinned))
    return { via: 'apt', install: false };
  if (installed !== undefined)
    return { via: 'go-module', reason: `${pkg} ${installed} is installed, not ${pinned}` };
  if (candidate !== undefined && isPinnedDebianVersion(candidate, pinned)) {
    if (state.root) return { via: 'apt', install: true };
    throw new HarnessError(`the Debian package ${pkg} is not installed`, {
      hint: `run: sudo apt-get install -y ${pkg}   (then re-run npm run stack:provision)`,
    });
  }
  return {
    via: 'go-module',
    reason:
      candidate === undefined
        ? `apt offers no ${pkg} package here`
        : `apt offers ${pkg} ${candidate}, not ${pinned}`,
  };
}

function aptRecipe(name: 'prometheus' | 'alertmanager'): ComponentRecipe {
  const spec = STACK_VERSIONS[name];
  const fallback = APT_GO_MODULES[name];
  const binaries = Object.keys(spec.apt.binaries);
  return {
    name,
    version: spec.version,
    licence: 'Apache-2.0',
    modules: [fallback.module],
    binaries,
    source: `Debian package ${spec.apt.package} (else go build ${Object.values(fallback.packages).join(' ')} in ${fallback.module}@${fallback.moduleVersion})`,
    coldEstimate: 'under a minute (apt-get); several minutes when built from its Go module',
    versionArgs: Object.fromEntries(binaries.map((b) => [b, ['--version']])),
    async build(ctx) {
      const root = process.getuid?.() === 0;
      const installed = await debianVersion(spec.apt.package);
      let candidate = installed === undefined ? await aptCandidate(spec.apt.package) : undefined;
      if (installed === undefined && candidate === undefined && root) {
        // A fresh machine may not have read the package lists yet.
        await runCommand('apt-get', ['update', '-qq'], { log: ctx.log }).catch(() => undefined);
        candidate = await aptCandidate(spec.apt.package);
      }
      const source = chooseAptSource({
        package: spec.apt.package,
        pinned: spec.version,
        installed,
        candidate,
        root,
      });
      if (source.via === 'go-module') {
        ctx.log(
          `  ${source.reason}: building ${binaries.join(' and ')} ${spec.version} from the Go module ${fallback.module}@${fallback.moduleVersion} (Apache-2.0) instead`,
        );
        await buildAptProgramsFromModule(ctx, name);
        return;
      }
      if (source.install) {
        ctx.log(`  apt-get install -y ${spec.apt.package}`);
        await runCommand('apt-get', ['install', '-y', '--no-install-recommends', spec.apt.package], {
          env: childEnv(['apt'], { DEBIAN_FRONTEND: 'noninteractive' }),
          heartbeatLabel: `installing ${spec.apt.package}`,
          log: ctx.log,
        });
      }
      const version = await debianVersion(spec.apt.package);
      if (version === undefined || !isPinnedDebianVersion(version, spec.version)) {
        throw new HarnessError(
          `${spec.apt.package} ${version ?? '(missing)'} is installed, but the harness pins ${spec.version}`,
          { hint: `install ${spec.apt.package} ${spec.version} (Debian 12 "bookworm" ships it)` },
        );
      }
      const bin = join(componentDir(name, spec.version, ctx.root), 'bin');
      mkdirSync(bin, { recursive: true });
      for (const [binary, path] of Object.entries(spec.apt.binaries)) {
        if (!existsSync(path))
          throw new HarnessError(`${spec.apt.package} is installed but ${path} is missing`);
        copyFileSync(path, join(bin, binary));
        chmodSync(join(bin, binary), 0o755);
      }
      // Files the binary reads at run time keep their absolute path under rootfs/ (for local images).
      const extraFiles: readonly string[] = 'extraFiles' in spec.apt ? spec.apt.extraFiles : [];
      for (const file of extraFiles) {
        const target = join(componentDir(name, spec.version, ctx.root), 'rootfs', file);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(file, target);
      }
    },
  };
}

/**
 * The Debian package's programs built from their upstream Go module (static, CGO off), with the
 * version stamped as upstream's release builds do. Upstream Alertmanager embeds its templates, so
 * no extra files are needed.
 */
async function buildAptProgramsFromModule(
  ctx: BuildContext,
  name: 'prometheus' | 'alertmanager',
): Promise<void> {
  const spec = STACK_VERSIONS[name];
  const fallback = APT_GO_MODULES[name];
  const src = await prepareModuleCopy(ctx, {
    name,
    version: spec.version,
    module: fallback.module,
    moduleVersion: fallback.moduleVersion,
  });
  for (const [output, pkg] of Object.entries(fallback.packages)) {
    await goBuild(ctx, src, {
      name,
      version: spec.version,
      pkg,
      output,
      ldflags: `-s -w -X github.com/prometheus/common/version.Version=${spec.version} -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildUser=phoenix-harness`,
    });
  }
}

async function debianVersion(pkg: string): Promise<string | undefined> {
  try {
    const out = await runCommand('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg]);
    const match = /install ok installed (\S+)/.exec(out);
    return match?.[1];
  } catch {
    return undefined;
  }
}

/** The version `apt-get install` would pick (`apt-cache policy`), or undefined. */
async function aptCandidate(pkg: string): Promise<string | undefined> {
  try {
    const out = await runCommand('apt-cache', ['policy', pkg]);
    const candidate = /Candidate:\s*(\S+)/.exec(out)?.[1];
    return candidate === undefined || candidate === '(none)' ? undefined : candidate;
  } catch {
    return undefined;
  }
}

/** The OpenTelemetry Collector Builder manifest: exactly the components the generated config uses. */
export function otelcolBuilderManifest(outputPath: string): string {
  const v = `v${STACK_VERSIONS.otelcol.version}`;
  const entries = (mods: readonly string[]) => mods.map((gomod) => ({ gomod: `${gomod} ${v}` }));
  return stringify({
    dist: {
      name: 'otelcol-phoenix',
      description: 'OpenTelemetry Collector for the Phoenix Observability Harness',
      output_path: outputPath,
      version: STACK_VERSIONS.otelcol.version,
    },
    receivers: entries(OTELCOL_COMPONENTS.receivers),
    processors: entries(OTELCOL_COMPONENTS.processors),
    exporters: entries(OTELCOL_COMPONENTS.exporters),
    extensions: entries(OTELCOL_COMPONENTS.extensions),
  });
}

const otelcol: ComponentRecipe = {
  name: 'otelcol',
  version: STACK_VERSIONS.otelcol.version,
  licence: 'Apache-2.0',
  modules: [
    STACK_VERSIONS.otelcol.builderModule,
    ...OTELCOL_COMPONENTS.receivers,
    ...OTELCOL_COMPONENTS.processors,
    ...OTELCOL_COMPONENTS.exporters,
    ...OTELCOL_COMPONENTS.extensions,
  ],
  binaries: ['otelcol-phoenix'],
  source: `OpenTelemetry Collector Builder ${STACK_VERSIONS.otelcol.version} (otlp, filelog, batch, memory_limiter, resource, otlp/otlphttp/prometheusremotewrite, health_check)`,
  coldEstimate: 'about 6 minutes',
  versionArgs: { 'otelcol-phoenix': ['--version'] },
  fingerprint: createHash('sha256').update(otelcolBuilderManifest('build')).digest('hex').slice(0, 12),
  async build(ctx) {
    const spec = STACK_VERSIONS.otelcol;
    const src = sourceDir('otelcol', spec.version, ctx.root);
    mkdirSync(src, { recursive: true });
    await runCommand('go', ['install', `${spec.builderModule}@v${spec.version}`], {
      env: goEnv(ctx, { GOBIN: src }),
      heartbeatLabel: 'building the collector builder',
      log: ctx.log,
    });
    const manifest = join(src, 'builder.yaml');
    writeFileSync(manifest, otelcolBuilderManifest(join(src, 'build')));
    await runCommand(join(src, 'builder'), ['--config', manifest], {
      env: goEnv(ctx),
      heartbeatLabel: 'building otelcol-phoenix',
      log: ctx.log,
    });
    const bin = join(componentDir('otelcol', spec.version, ctx.root), 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(join(src, 'build', 'otelcol-phoenix'), join(bin, 'otelcol-phoenix'));
    chmodSync(join(bin, 'otelcol-phoenix'), 0o755);
  },
};

interface ModuleCopyOptions {
  name: ComponentName;
  version: string;
  module: string;
  moduleVersion: string;
  nested?: readonly { module: string; version: string; dir: string }[];
}

/** A fresh writable copy of a module (and its nested modules) under `<cache>/src/`; returns its path. */
async function prepareModuleCopy(ctx: BuildContext, options: ModuleCopyOptions): Promise<string> {
  const dir = await downloadModule(options.module, options.moduleVersion, ctx);
  const src = sourceDir(options.name, options.version, ctx.root);
  writableCopy(dir, src);
  for (const nested of options.nested ?? []) {
    const nestedDir = await downloadModule(nested.module, nested.version, ctx);
    writableCopy(nestedDir, join(src, nested.dir));
  }
  return src;
}

/** `go build -trimpath` of one package of a module copy into the component's `bin/`. */
async function goBuild(
  ctx: BuildContext,
  src: string,
  options: {
    name: ComponentName;
    version: string;
    pkg: string;
    output: string;
    ldflags: string;
    tags?: string;
    env?: NodeJS.ProcessEnv;
  },
): Promise<void> {
  const bin = join(componentDir(options.name, options.version, ctx.root), 'bin');
  mkdirSync(bin, { recursive: true });
  const args = ['build', '-trimpath', '-ldflags', options.ldflags, '-o', join(bin, options.output)];
  if (options.tags) args.push('-tags', options.tags);
  args.push(options.pkg);
  await runCommand('go', args, {
    cwd: src,
    env: goEnv(ctx, options.env),
    heartbeatLabel: `building ${options.output}`,
    log: ctx.log,
  });
}

/** Build `./cmd/<x>` inside a writable copy of a module whose go.mod has replace lines. */
async function buildFromModuleCopy(
  ctx: BuildContext,
  options: ModuleCopyOptions & { pkg: string; output: string; ldflags: string; tags?: string },
): Promise<void> {
  const src = await prepareModuleCopy(ctx, options);
  await goBuild(ctx, src, options);
}

const jaeger: ComponentRecipe = {
  name: 'jaeger',
  version: STACK_VERSIONS.jaeger.version,
  licence: 'Apache-2.0',
  modules: [STACK_VERSIONS.jaeger.module],
  binaries: ['jaeger'],
  source: `go build ./cmd/jaeger in ${STACK_VERSIONS.jaeger.module}@${STACK_VERSIONS.jaeger.moduleVersion} (= Jaeger v${STACK_VERSIONS.jaeger.version})`,
  coldEstimate: 'about 8 minutes',
  versionArgs: { jaeger: ['version'] },
  build: (ctx) =>
    buildFromModuleCopy(ctx, {
      name: 'jaeger',
      version: STACK_VERSIONS.jaeger.version,
      module: STACK_VERSIONS.jaeger.module,
      moduleVersion: STACK_VERSIONS.jaeger.moduleVersion,
      pkg: './cmd/jaeger',
      output: 'jaeger',
      ldflags: `-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=v${STACK_VERSIONS.jaeger.version}`,
    }),
};

/** VictoriaLogs' own Makefile stamps its version this way; without it `-version` prints nothing. */
const VICTORIALOGS_LDFLAGS = `-s -w -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-v${STACK_VERSIONS.victorialogs.version}`;

/**
 * VictoriaLogs, the embedded log store: one `go install` of its Apache-2.0 module (no replace lines),
 * static (CGO off), about 30 s cold.
 */
const victorialogs: ComponentRecipe = {
  name: 'victorialogs',
  version: STACK_VERSIONS.victorialogs.version,
  licence: 'Apache-2.0',
  modules: [STACK_VERSIONS.victorialogs.module],
  binaries: ['victoria-logs'],
  source: `go install ${STACK_VERSIONS.victorialogs.module}@${STACK_VERSIONS.victorialogs.moduleVersion}`,
  coldEstimate: 'about 30 seconds',
  versionArgs: { 'victoria-logs': ['-version'] },
  fingerprint: createHash('sha256').update(VICTORIALOGS_LDFLAGS).digest('hex').slice(0, 12),
  async build(ctx) {
    const spec = STACK_VERSIONS.victorialogs;
    const bin = join(componentDir('victorialogs', spec.version, ctx.root), 'bin');
    mkdirSync(bin, { recursive: true });
    await runCommand(
      'go',
      ['install', '-trimpath', '-ldflags', VICTORIALOGS_LDFLAGS, `${spec.module}@${spec.moduleVersion}`],
      { env: goEnv(ctx, { GOBIN: bin }), heartbeatLabel: 'building victoria-logs', log: ctx.log },
    );
  },
};

export const RECIPES: Record<ComponentName, ComponentRecipe> = {
  prometheus: aptRecipe('prometheus'),
  alertmanager: aptRecipe('alertmanager'),
  otelcol,
  jaeger,
  victorialogs,
};

export const COMPONENT_ORDER: readonly ComponentName[] = [
  'prometheus',
  'alertmanager',
  'otelcol',
  'jaeger',
  'victorialogs',
];

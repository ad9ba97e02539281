import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { which } from 'zx';
import { HarnessError } from '../../core/index.ts';
import { OTELCOL_COMPONENTS, STACK_VERSIONS, type ComponentName } from '../versions.ts';
import { componentDir, sourceDir } from './cache.ts';
import { runCommand } from './run-command.ts';

export interface BuildContext {
  root: string;
  log: (line: string) => void;
}

export interface ComponentRecipe {
  name: ComponentName;
  version: string;
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

const GO_ENV = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  CGO_ENABLED: '0',
  GOFLAGS: '-buildvcs=false',
  ...extra,
});

/** `go mod download -json mod@version` and return the module's directory in the module cache. */
async function downloadModule(module: string, version: string, ctx: BuildContext): Promise<string> {
  ctx.log(`  downloading ${module}@${version} from the Go module proxy`);
  const out = await runCommand('go', ['mod', 'download', '-json', `${module}@${version}`], {
    env: GO_ENV(),
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

function aptRecipe(name: 'prometheus' | 'alertmanager'): ComponentRecipe {
  const spec = STACK_VERSIONS[name];
  const binaries = Object.keys(spec.apt.binaries);
  return {
    name,
    version: spec.version,
    binaries,
    source: `Debian package ${spec.apt.package}`,
    coldEstimate: 'under a minute (apt-get)',
    versionArgs: Object.fromEntries(binaries.map((b) => [b, ['--version']])),
    async build(ctx) {
      const installed = await debianVersion(spec.apt.package);
      if (installed === undefined) {
        if (process.getuid?.() !== 0) {
          throw new HarnessError(`the Debian package ${spec.apt.package} is not installed`, {
            hint: `run: sudo apt-get install -y ${spec.apt.package}   (then re-run npm run stack:provision)`,
          });
        }
        ctx.log(`  apt-get install -y ${spec.apt.package}`);
        await runCommand('apt-get', ['install', '-y', '--no-install-recommends', spec.apt.package], {
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
          heartbeatLabel: `installing ${spec.apt.package}`,
          log: ctx.log,
        }).catch(async () => {
          await runCommand('apt-get', ['update', '-qq'], { log: ctx.log });
          await runCommand('apt-get', ['install', '-y', '--no-install-recommends', spec.apt.package], {
            env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
            log: ctx.log,
          });
        });
      }
      const version = await debianVersion(spec.apt.package);
      if (!version?.startsWith(spec.version)) {
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

async function debianVersion(pkg: string): Promise<string | undefined> {
  try {
    const out = await runCommand('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg]);
    const match = /install ok installed (\S+)/.exec(out);
    return match?.[1];
  } catch {
    return undefined;
  }
}

const k6: ComponentRecipe = {
  name: 'k6',
  version: STACK_VERSIONS.k6.version,
  binaries: ['k6'],
  source: `go install ${STACK_VERSIONS.k6.module}@${STACK_VERSIONS.k6.moduleVersion}`,
  coldEstimate: 'about 3 minutes',
  versionArgs: { k6: ['version'] },
  async build(ctx) {
    const spec = STACK_VERSIONS.k6;
    const bin = join(componentDir('k6', spec.version, ctx.root), 'bin');
    mkdirSync(bin, { recursive: true });
    await runCommand('go', ['install', '-trimpath', `${spec.module}@${spec.moduleVersion}`], {
      env: GO_ENV({ GOBIN: bin }),
      heartbeatLabel: 'building k6',
      log: ctx.log,
    });
  },
};

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
      env: GO_ENV({ GOBIN: src }),
      heartbeatLabel: 'building the collector builder',
      log: ctx.log,
    });
    const manifest = join(src, 'builder.yaml');
    writeFileSync(manifest, otelcolBuilderManifest(join(src, 'build')));
    await runCommand(join(src, 'builder'), ['--config', manifest], {
      env: GO_ENV(),
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
    env: GO_ENV(options.env),
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

const loki: ComponentRecipe = {
  name: 'loki',
  version: STACK_VERSIONS.loki.version,
  binaries: ['loki'],
  source: `go build ./cmd/loki in ${STACK_VERSIONS.loki.module}@${STACK_VERSIONS.loki.moduleVersion}`,
  coldEstimate: 'about 10 minutes',
  versionArgs: { loki: ['-version'] },
  build: (ctx) => {
    const v = STACK_VERSIONS.loki.version;
    const p = 'github.com/grafana/loki/v3/pkg/util/build';
    return buildFromModuleCopy(ctx, {
      name: 'loki',
      version: v,
      module: STACK_VERSIONS.loki.module,
      moduleVersion: STACK_VERSIONS.loki.moduleVersion,
      nested: STACK_VERSIONS.loki.nested,
      pkg: './cmd/loki',
      output: 'loki',
      tags: 'netgo',
      ldflags: `-s -w -X ${p}.Version=${v} -X ${p}.Branch=v${v} -X ${p}.Revision=v${v}`,
    });
  },
};

/** Grafana's build environment: cgo for sqlite (mattn/go-sqlite3); `-mod=mod` as in its own Makefile. */
const GRAFANA_GO_ENV: NodeJS.ProcessEnv = {
  CGO_ENABLED: '1',
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-mod=mod -buildvcs=false',
};

/** The directories of the module Grafana reads at run time (`--homepath`); the frontend is not built. */
export const GRAFANA_HOME_DIRS = ['conf', 'public'] as const;

/** Fails early, naming gcc, when cgo cannot work (or, for the static build, when libc.a is missing). */
async function checkCgoToolchain(): Promise<void> {
  if (!(await which('gcc', { nothrow: true }))) {
    throw new HarnessError(
      'building Grafana needs gcc (cgo, for its sqlite driver), and gcc is not on PATH',
      {
        hint: 'install a C toolchain: sudo apt-get install -y gcc libc6-dev   (then re-run npm run stack:provision)',
      },
    );
  }
  const libc = (await runCommand('gcc', ['-print-file-name=libc.a']).catch(() => '')).trim();
  if (!libc.startsWith('/') || !existsSync(libc)) {
    throw new HarnessError(
      "the static Grafana build (for FROM scratch images) needs glibc's libc.a, not found by gcc",
      {
        hint: 'sudo apt-get install -y libc6-dev   (then re-run npm run stack:provision)',
      },
    );
  }
}

/**
 * Grafana's backend from its Go module (no frontend build: the HTTP API works without it): the
 * module copy, `go mod download`, `wire gen` (Makefile `gen-go`; the CUE outputs are committed in
 * this version), then two builds with Grafana's own ldflags: `bin/grafana` (dynamic, libc only) for
 * the local runner and `bin/grafana-static` for FROM scratch images; plus `home/` (conf/ and public/).
 */
async function buildGrafana(ctx: BuildContext): Promise<void> {
  const spec = STACK_VERSIONS.grafana;
  await checkCgoToolchain();
  const wireDir = join(ctx.root, 'tools', `wire-${spec.wire.version}`);
  if (!existsSync(join(wireDir, 'wire'))) {
    ctx.log(`  installing wire ${spec.wire.version}`);
    await runCommand('go', ['install', `${spec.wire.module}@${spec.wire.version}`], {
      env: GO_ENV({ GOBIN: wireDir }),
      heartbeatLabel: 'building wire',
      log: ctx.log,
    });
  }
  const src = await prepareModuleCopy(ctx, {
    name: 'grafana',
    version: spec.version,
    module: spec.module,
    moduleVersion: spec.moduleVersion,
  });
  // Newer Grafana trees replace nested modules with local paths the module zip omits: say so plainly.
  const localReplaces = readFileSync(join(src, 'go.mod'), 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('//') && /=>\s*\.\.?\//.test(line));
  if (localReplaces.length > 0) {
    throw new HarnessError(
      `${spec.module}@${spec.moduleVersion} replaces modules with local paths; fetch them first:\n${localReplaces.join('\n')}`,
      { where: join(src, 'go.mod'), hint: 'add them as `nested` modules, as for Loki in stack/versions.ts' },
    );
  }
  ctx.log("  go mod download (all of Grafana's dependencies)");
  await runCommand('go', ['mod', 'download'], {
    cwd: src,
    env: GO_ENV(GRAFANA_GO_ENV),
    heartbeatLabel: "downloading Grafana's dependencies",
    log: ctx.log,
  });
  ctx.log('  wire gen -tags oss ./pkg/server');
  await runCommand(join(wireDir, 'wire'), ['gen', '-tags', 'oss', './pkg/server'], {
    cwd: src,
    env: GO_ENV(GRAFANA_GO_ENV),
    heartbeatLabel: 'generating wire_gen.go',
    log: ctx.log,
  });
  const ldflags = `-w -X main.version=${spec.version} -X main.commit=${spec.commit} -X main.buildstamp=${spec.buildstamp} -X main.buildBranch=${spec.branch}`;
  const common = {
    name: 'grafana' as const,
    version: spec.version,
    pkg: './pkg/cmd/grafana',
    env: GRAFANA_GO_ENV,
  };
  await goBuild(ctx, src, { ...common, output: 'grafana', ldflags });
  // Grafana's own static flags (pkg/build/grafana/variant.go); the linker's warning about sqlite's dlopen is harmless.
  await goBuild(ctx, src, {
    ...common,
    output: 'grafana-static',
    tags: 'netgo,osusergo',
    ldflags: `${ldflags} -linkmode=external -extldflags=-static`,
  });
  // home/ last and by rename, so a complete home/ means a complete build.
  const home = join(componentDir('grafana', spec.version, ctx.root), 'home');
  rmSync(`${home}.tmp`, { recursive: true, force: true });
  for (const dir of GRAFANA_HOME_DIRS) cpSync(join(src, dir), join(`${home}.tmp`, dir), { recursive: true });
  rmSync(home, { recursive: true, force: true });
  renameSync(`${home}.tmp`, home);
}

const grafana: ComponentRecipe = {
  name: 'grafana',
  version: STACK_VERSIONS.grafana.version,
  binaries: ['grafana', 'grafana-static'],
  requiredFiles: ['home/conf/defaults.ini', 'home/public'],
  source: `go build ./pkg/cmd/grafana in ${STACK_VERSIONS.grafana.module}@${STACK_VERSIONS.grafana.moduleVersion} (main commit ${STACK_VERSIONS.grafana.commit.slice(0, 8)}, cgo), dynamic and static`,
  coldEstimate: 'about 10 minutes',
  versionArgs: { grafana: ['--version'], 'grafana-static': ['--version'] },
  build: buildGrafana,
};

export const RECIPES: Record<ComponentName, ComponentRecipe> = {
  prometheus: aptRecipe('prometheus'),
  alertmanager: aptRecipe('alertmanager'),
  k6,
  otelcol,
  jaeger,
  loki,
  grafana,
};

export const COMPONENT_ORDER: readonly ComponentName[] = [
  'prometheus',
  'alertmanager',
  'k6',
  'otelcol',
  'jaeger',
  'loki',
  'grafana',
];

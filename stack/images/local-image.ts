import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GenericContainer, ImageName, getContainerRuntimeClient } from 'testcontainers';
import { HarnessError } from '../../core/index.ts';
import { requireProvisioned } from '../provision/provision.ts';
import { runCommand } from '../provision/run-command.ts';
import type { ComponentName } from '../versions.ts';

export const LOCAL_IMAGE_REPO = 'phoenix-harness';
/** v4: binaries, their shared libraries and the recorded rootfs only (no per-component directories). */
const IMAGE_RECIPE_VERSION = 'scratch-v4';

/** A provisioned `<x>-static` build goes into the image as `<x>`, instead of `<x>` and its libc. */
export function imageBinaries(binaries: Record<string, string>): [string, string][] {
  const chosen = new Map(Object.entries(binaries).filter(([name]) => !name.endsWith('-static')));
  for (const [name, path] of Object.entries(binaries))
    if (name.endsWith('-static')) chosen.set(name.slice(0, -'-static'.length), path);
  return [...chosen];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Shared libraries (and the loader) a dynamically linked binary needs, as absolute paths; [] when static. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const out = await runCommand('ldd', [binary]).catch((error: Error) => error.message);
  if (/not a dynamic executable|statically linked/.test(out)) return [];
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1]) libs.add(match[1]);
  }
  return [...libs];
}

/**
 * Builds (once per binary content) a `FROM scratch` image holding a provisioned component's
 * binaries under /bin (static variants preferred), the shared libraries they need (none for the
 * static Go builds: the Collector, Jaeger, VictoriaLogs), the run-time files provisioning recorded
 * (`rootfs/`), and writable /data and /tmp. Returns its tag. Used when no registry answers
 * (`--images local`): the image runs exactly the binary the local runner runs. Only components
 * provisioned here have one: Loki and Grafana never get a local image (AGPL).
 */
export async function ensureLocalImage(
  component: ComponentName,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const provisioned = requireProvisioned(component);
  const binaries = imageBinaries(provisioned.binaries);
  const digest = createHash('sha256');
  for (const [name, path] of binaries) digest.update(name).update(await sha256(path));
  const extraRoot = join(provisioned.dir, 'rootfs');
  if (existsSync(extraRoot)) {
    for (const path of filesUnder(extraRoot))
      digest.update(path.slice(extraRoot.length)).update(await sha256(path));
  }
  // The image layout itself is part of the identity: bump when the Dockerfile recipe changes.
  digest.update(IMAGE_RECIPE_VERSION);
  const tag = `${LOCAL_IMAGE_REPO}/${component}:${provisioned.version}-${digest.digest('hex').slice(0, 12)}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) return tag;

  log(`  building local image ${tag} (FROM scratch)`);
  const context = mkdtempSync(join(tmpdir(), `phx-image-${component}-`));
  try {
    const lines = ['FROM scratch'];
    const libs = new Set<string>();
    for (const [name, path] of binaries) {
      mkdirSync(join(context, 'bin'), { recursive: true });
      copyFileSync(path, join(context, 'bin', name));
      for (const lib of await sharedLibraries(path)) libs.add(lib);
    }
    lines.push('COPY bin/ /bin/');
    for (const lib of libs) {
      // Keep the library's path (the loader path is baked into the binary); copy the file behind symlinks.
      const target = join(context, 'rootfs', lib);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(realpathSync(lib), target);
    }
    // Run-time data files recorded by provisioning (e.g. Debian Alertmanager's default.tmpl).
    const extra = join(provisioned.dir, 'rootfs');
    if (existsSync(extra)) cpSync(extra, join(context, 'rootfs'), { recursive: true });
    if (existsSync(join(context, 'rootfs'))) lines.push('COPY rootfs/ /');
    // Empty directories to copy as the image's writable /data and /tmp (scratch has no mkdir).
    mkdirSync(join(context, 'dirs', 'data'), { recursive: true });
    mkdirSync(join(context, 'dirs', 'tmp'), { recursive: true });
    writeFileSync(join(context, 'dirs', 'data', '.keep'), '');
    writeFileSync(join(context, 'dirs', 'tmp', '.keep'), '');
    lines.push(
      'COPY dirs/ /',
      'WORKDIR /data',
      `LABEL org.opencontainers.image.title="${component}" phoenix-harness.component="${component}"`,
    );
    writeFileSync(join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
    await GenericContainer.fromDockerfile(context).build(tag, { deleteOnExit: false });
  } catch (error) {
    throw new HarnessError(`could not build the local image ${tag}: ${(error as Error).message}`, {
      where: context,
      hint: 'is the Docker daemon running (docker info)? see README, "Docker"',
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return tag;
}

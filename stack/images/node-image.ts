import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ImageName, getContainerRuntimeClient } from 'testcontainers';
import { bundleEsm, childEnv, HarnessError } from '../../core/index.ts';
import { LOCAL_IMAGE_REPO, sharedLibraries } from './local-image.ts';

/** Bump when the image layout below changes: it is part of the tag's content hash. */
const NODE_IMAGE_RECIPE_VERSION = 'node-scratch-v2';
/** Where the host's node binary goes in the image. */
export const NODE_IN_IMAGE = '/usr/local/bin/node';
/** Where the bundle goes in the image (the working directory). */
const APP_DIR = '/app';

/**
 * ESM bundles keep CommonJS dependencies (prom-client, protobufjs…) as `require()` calls of Node's
 * built-ins, which ESM lacks: give the bundle a real `require`.
 */
const REQUIRE_BANNER =
  "import { createRequire as __phoenixCreateRequire } from 'node:module';\n" +
  'const require = __phoenixCreateRequire(import.meta.url);';

export interface NodeImageOptions {
  /** Image name under `phoenix-harness/`, e.g. `mock-fleet`. */
  name: string;
  /** The TypeScript (or JavaScript) entry point to bundle, as an absolute path. */
  entry: string;
  log?: (line: string) => void;
}

/**
 * Bundles `entry` and everything it imports into one ES module for Node 20 (core's esbuild
 * helper), so the image needs no node_modules.
 */
export async function bundleForNode(entry: string): Promise<Uint8Array> {
  return bundleEsm(entry, {
    platform: 'node',
    target: 'node20',
    outfile: 'bundle.mjs',
    banner: REQUIRE_BANNER,
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Builds (once per content) a `FROM scratch` image that runs `entry` with this machine's own
 * Node: the `process.execPath` binary at /usr/local/bin/node, the shared libraries it needs at
 * their own paths (the loader path is baked into the binary), the bundle at /app/<name>.mjs and a
 * writable /tmp. The tag carries a hash of the bundle, node and the libraries, so the image is
 * rebuilt only when one of them changes. Its entrypoint is `node /app/<name>.mjs`: pass the
 * program's arguments as the container's command.
 */
export async function ensureNodeImage(options: NodeImageOptions): Promise<string> {
  const log = options.log ?? (() => undefined);
  const bundle = await bundleForNode(options.entry);
  const node = realpathSync(process.execPath);
  const libs = await sharedLibraries(node);
  const digest = createHash('sha256').update(NODE_IMAGE_RECIPE_VERSION).update(bundle);
  digest.update(await sha256File(node));
  for (const lib of libs) digest.update(lib).update(await sha256File(realpathSync(lib)));
  const tag = `${LOCAL_IMAGE_REPO}/${options.name}:node${process.versions.node}-${digest.digest('hex').slice(0, 12)}`;
  const client = await getContainerRuntimeClient();
  if (await client.image.exists(ImageName.fromString(tag))) return tag;

  log(`  building local image ${tag} (FROM scratch, node ${process.versions.node})`);
  const context = mkdtempSync(join(tmpdir(), `phx-image-${options.name}-`));
  try {
    const rootfs = join(context, 'rootfs');
    const copyTo = (source: string, target: string) => {
      mkdirSync(join(rootfs, dirname(target)), { recursive: true });
      copyFileSync(realpathSync(source), join(rootfs, target));
    };
    copyTo(node, NODE_IN_IMAGE);
    chmodSync(join(rootfs, NODE_IN_IMAGE), 0o755);
    for (const lib of libs) copyTo(lib, lib);
    mkdirSync(join(rootfs, APP_DIR), { recursive: true });
    writeFileSync(join(rootfs, APP_DIR, `${options.name}.mjs`), bundle);
    // Scratch has no mkdir: an empty directory in the context becomes /tmp, writable by any user
    // (the context goes to Docker as a tar that keeps modes: see buildImage).
    mkdirSync(join(rootfs, 'tmp'));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    const dockerfile = [
      'FROM scratch',
      'COPY rootfs/ /',
      `WORKDIR ${APP_DIR}`,
      `ENTRYPOINT ["${NODE_IN_IMAGE}", "${APP_DIR}/${options.name}.mjs"]`,
      `LABEL org.opencontainers.image.title="${options.name}" phoenix-harness.component="${options.name}"`,
    ];
    writeFileSync(join(context, 'Dockerfile'), `${dockerfile.join('\n')}\n`);
    await buildImage(context, tag);
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

/**
 * Builds `context` (with its Dockerfile) as `tag`. The context is packed by GNU tar, which keeps
 * file modes as they are: testcontainers' packer applies the process umask, which would turn the
 * sticky, world-writable /tmp into 1755 (and the classic builder has no `COPY --chmod`).
 */
async function buildImage(context: string, tag: string): Promise<void> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const tar = spawn('tar', ['-C', context, '-c', '.'], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tarError = '';
  tar.stderr.on('data', (chunk: Buffer) => (tarError += chunk.toString()));
  const tarExit = new Promise<number | null>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', resolve);
  });
  const progress = await docker.buildImage(tar.stdout, { t: tag });
  const messages = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>(
    (resolve, reject) =>
      docker.modem.followProgress(progress, (error, output) => (error ? reject(error) : resolve(output))),
  );
  const code = await tarExit;
  if (code !== 0) throw new Error(`tar -C ${context} exited with ${code}: ${tarError.trim()}`);
  const failed = messages.find((m) => m.error !== undefined || m.errorDetail !== undefined);
  if (failed) throw new Error(failed.errorDetail?.message ?? failed.error ?? 'docker build failed');
}

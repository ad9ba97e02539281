/**
 * k6 in its official image (`grafana/k6`, pulled by the user's own Docker) on the docker runner's
 * network, for `--stack docker --images official` when no k6 binary is found. The scenario files go
 * in read-only, k6 writes its summary and raw output to /out, the harness copies /out back after k6
 * exits and turns it into a ScenarioRun exactly as for the binary (k6-output.ts). This repo never
 * pulls or runs the image itself; tests check the definition the harness would start.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { describeError, HarnessError } from '../core/index.ts';
import { finishK6Run, k6Arguments, scenarioEnv, secretEnv, type SegmentArguments } from './k6-output.ts';
import { K6_THRESHOLDS_FAILED, type ScenarioRun } from './scenario-run.ts';

// Ryuk (testcontainers' reaper) may not be pullable; the docker runner removes its resources by label.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

/** Where k6 may run as a container: the image, the run's network, and the orchestrator's URL on it. */
export interface K6ContainerTarget {
  /** The pinned official image (stack's USER_IMAGES.k6.image), e.g. `grafana/k6:1.8.1`. */
  image: string;
  /** The run's Docker network (the docker runner's stack.dockerNetwork). */
  network: string;
  /** The orchestrator as k6 sees it on that network: `http://orchestrator-service:8080`. */
  baseUrl: string;
  /** Labels the runner removes its resources by (so a stopped stack takes k6 with it). */
  labels?: Readonly<Record<string, string>>;
}

/** Inside the container: the scenario files (read-only) and k6's output directory. */
export const K6_CONTAINER_SCENARIOS_DIR = '/scenarios';
export const K6_CONTAINER_OUT_DIR = '/out';
const SUMMARY_FILE = 'summary.json';
const RAW_FILE = 'raw.json.gz';
/** How long the log stream may lag behind the container's exit. */
const LOG_DRAIN_MS = 5_000;

export interface K6ContainerDefinitionOptions {
  target: K6ContainerTarget;
  scenario: string;
  runId: string;
  env?: Readonly<Record<string, string>>;
  segment?: SegmentArguments | undefined;
  /** Record the raw output for the ledger (default true). */
  ledger?: boolean;
  /** The repo's scenarios/ (k6 scripts, scenarios/k6/ glue, scenarios/lib/). */
  scenariosDir: string;
}

/** Everything the harness hands Docker for a k6 container (pure, so tests can check it). */
export interface K6ContainerDefinition {
  image: string;
  network: string;
  labels: Record<string, string>;
  /** The image's entrypoint is `k6`: this is `run …`. */
  command: string[];
  /** Only the secret variables (AUTH_TOKEN…): the others are `-e` arguments, as for the binary. */
  environment: Record<string, string>;
  directories: { source: string; target: string; mode: number }[];
  contents: { content: string; target: string; mode: number }[];
  /** k6 needs no inbound port: nothing is exposed or published (k6Container sets none). */
  exposedPorts: readonly [];
  summaryPath: string;
  rawOutputPath: string | undefined;
}

export function k6ContainerDefinition(options: K6ContainerDefinitionOptions): K6ContainerDefinition {
  const summaryPath = posix.join(K6_CONTAINER_OUT_DIR, SUMMARY_FILE);
  const rawOutputPath = (options.ledger ?? true) ? posix.join(K6_CONTAINER_OUT_DIR, RAW_FILE) : undefined;
  const env = scenarioEnv(options.env, {
    baseUrl: options.target.baseUrl,
    runId: options.runId,
    summaryPath,
  });
  return {
    image: options.target.image,
    network: options.target.network,
    labels: { ...options.target.labels },
    command: k6Arguments({
      script: posix.join(K6_CONTAINER_SCENARIOS_DIR, `${options.scenario}.ts`),
      rawOutputPath,
      env,
      ...(options.segment === undefined ? {} : { segment: options.segment }),
    }),
    environment: secretEnv(env),
    // r-x for everyone: k6 (a non-root user in its image) reads and traverses, nobody writes.
    directories: [{ source: resolve(options.scenariosDir), target: K6_CONTAINER_SCENARIOS_DIR, mode: 0o555 }],
    // The output directory, writable by k6's user (a tar directory entry: the trailing slash).
    contents: [{ content: '', target: `${K6_CONTAINER_OUT_DIR}/`, mode: 0o777 }],
    exposedPorts: [],
    summaryPath,
    rawOutputPath,
  };
}

/** The container as the harness starts it, not started (tests inspect what it would send Docker). */
export function k6Container(definition: K6ContainerDefinition): GenericContainer {
  return new GenericContainer(definition.image)
    .withNetworkMode(definition.network)
    .withLabels(definition.labels)
    .withEnvironment(definition.environment)
    .withCommand(definition.command)
    .withCopyDirectoriesToContainer(definition.directories)
    .withCopyContentToContainer(definition.contents);
}

/** `k6 v1.8.1 (grafana/k6:1.8.1)`: the version from the image tag. */
export function k6VersionFromImage(image: string): string {
  const tag = /:([^:/@]+)(?:@|$)/.exec(image)?.[1];
  return tag === undefined ? `k6 (${image})` : `k6 ${tag.startsWith('v') ? tag : `v${tag}`} (${image})`;
}

export interface K6ContainerRunOptions extends Omit<K6ContainerDefinitionOptions, 'segment'> {
  outDir: string;
  segment: SegmentArguments | undefined;
  keepRawOutput?: boolean;
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
  /** After SIGINT, k6 gets this long to write its summary before the container is killed. */
  stopGraceMs: number;
  outputTailLines: number;
}

/** Runs k6 in its container until it exits, copies /out back and converts it like the binary's output. */
export async function runK6Container(options: K6ContainerRunOptions): Promise<ScenarioRun> {
  const definition = k6ContainerDefinition(options);
  const runDir = resolve(options.outDir, options.runId);
  await mkdir(runDir, { recursive: true });
  const where = `k6 run scenarios/${options.scenario}.ts in ${definition.image} on network ${definition.network} against ${options.target.baseUrl}`;
  const tail: string[] = [];
  let output: Promise<void> = Promise.resolve();
  const container = k6Container(definition).withLogConsumer((stream: Readable) => {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      tail.push(line);
      if (tail.length > options.outputTailLines) tail.shift();
      options.onOutput?.(line);
    });
    output = new Promise((done) => lines.once('close', done));
  });

  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (error) {
    throw new HarnessError(`could not start k6 in ${definition.image}: ${describeError(error)}`, {
      where,
      hint: `the user's Docker pulls ${definition.image}; check \`docker pull ${definition.image}\`, or install k6 and set K6_BINARY, or use --load-engine node`,
      cause: error,
    });
  }
  const client = await getContainerRuntimeClient();
  const docker = client.container.getById(started.getId());
  const stop = (): void => {
    void docker.kill({ signal: 'SIGINT' }).catch(() => undefined);
    setTimeout(
      () => void docker.kill({ signal: 'SIGKILL' }).catch(() => undefined),
      options.stopGraceMs,
    ).unref();
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const { StatusCode } = (await docker.wait()) as { StatusCode: number };
    // The log stream ends with the container; its last lines carry k6's reason for a failure.
    await Promise.race([output, new Promise((done) => setTimeout(done, LOG_DRAIN_MS).unref())]);
    const local = {
      summaryPath: join(runDir, 'summary.json'),
      rawOutputPath: definition.rawOutputPath === undefined ? undefined : join(runDir, 'k6-raw.json.gz'),
    };
    // Only a run (0, or 99: thresholds failed) left output worth copying; finishK6Run explains the rest.
    if (StatusCode === 0 || StatusCode === K6_THRESHOLDS_FAILED) {
      await extractTarFiles(await started.copyArchiveFromContainer(K6_CONTAINER_OUT_DIR), {
        [SUMMARY_FILE]: local.summaryPath,
        ...(local.rawOutputPath === undefined ? {} : { [RAW_FILE]: local.rawOutputPath }),
      });
    }
    return await finishK6Run({
      exit: { code: StatusCode, signal: null },
      tail,
      where,
      runDir,
      summaryPath: local.summaryPath,
      rawOutputPath: local.rawOutputPath,
      keepRawOutput: options.keepRawOutput ?? false,
      k6Version: k6VersionFromImage(definition.image),
      segment: options.segment,
    });
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await started.stop({ remove: true, timeout: 0 }).catch(() => undefined);
  }
}

const BLOCK = 512;

/**
 * Writes the regular files of a tar stream whose base names are keys of `wanted` to the paths they
 * map to, streaming (the raw output can be large); returns the names written. Understands ustar,
 * PAX (`path=`) and GNU long names, which is what Docker's archive API sends.
 */
export async function extractTarFiles(
  archive: NodeJS.ReadableStream | AsyncIterable<Buffer | string> | Iterable<Buffer>,
  wanted: Readonly<Record<string, string>>,
): Promise<string[]> {
  const written: string[] = [];
  let pending = Buffer.alloc(0);
  let remaining = 0; // body bytes left in the current entry
  let padding = 0; // bytes after the body up to the next 512-byte boundary
  let sink: WriteStream | undefined;
  let collect: Buffer[] | undefined; // the body of a PAX or GNU long-name entry
  let collectType = '';
  let nextName: string | undefined;

  const closeSink = async (): Promise<void> => {
    const s = sink;
    sink = undefined;
    if (s)
      await new Promise<void>((done, fail) =>
        s.end((error?: Error | null) => (error ? fail(error) : done())),
      );
  };
  const endEntry = async (): Promise<void> => {
    await closeSink();
    if (collect) {
      const body = Buffer.concat(collect).toString('utf8');
      collect = undefined;
      if (collectType === 'L') nextName = body.replace(/\0.*$/s, '');
      else if (collectType === 'x') nextName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body)?.[1] ?? nextName;
    }
  };

  for await (const chunk of archive) {
    pending = Buffer.concat([pending, typeof chunk === 'string' ? Buffer.from(chunk, 'binary') : chunk]);
    for (;;) {
      if (remaining > 0) {
        if (pending.length === 0) break;
        const part = pending.subarray(0, Math.min(remaining, pending.length));
        pending = pending.subarray(part.length);
        remaining -= part.length;
        if (sink && !sink.write(part)) {
          const s = sink;
          await new Promise<void>((drained) => s.once('drain', drained));
        }
        collect?.push(Buffer.from(part));
        if (remaining === 0) await endEntry();
        continue;
      }
      if (padding > 0) {
        const skip = Math.min(padding, pending.length);
        pending = pending.subarray(skip);
        padding -= skip;
        if (padding > 0) break;
        continue;
      }
      if (pending.length < BLOCK) break;
      const header = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (header.every((b) => b === 0)) continue; // end-of-archive blocks
      const field = (start: number, length: number): string =>
        header
          .subarray(start, start + length)
          .toString('utf8')
          .replace(/\0.*$/s, '');
      const size = tarSize(header.subarray(124, 136));
      const type = field(156, 1) || '0';
      const prefix = field(345, 155);
      const name = nextName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      if (type !== 'x' && type !== 'L') nextName = undefined;
      remaining = size;
      padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (type === 'x' || type === 'L') {
        collect = [];
        collectType = type;
      } else if (type === '0' || type === '7') {
        const target = wanted[posix.basename(name)];
        if (target !== undefined) {
          sink = createWriteStream(target);
          written.push(posix.basename(name));
        }
      }
      if (size === 0) await endEntry();
    }
  }
  await closeSink();
  if (remaining > 0) throw new Error(`the archive ended inside an entry (${remaining} bytes missing)`);
  return written;
}

/** A tar size field: octal text, or base-256 when the high bit of the first byte is set. */
function tarSize(field: Buffer): number {
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = field.toString('ascii').replace(/[\0 ]+/g, '');
  return text === '' ? 0 : parseInt(text, 8);
}

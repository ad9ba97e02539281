import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  ImageName,
  Wait,
  getContainerRuntimeClient,
  type ContainerRuntimeClient,
  type StartedTestContainer,
} from 'testcontainers';
import { HarnessError, newRunId } from '../../core/index.ts';
import { ensureLocalImage } from '../images/local-image.ts';
import { onShutdown } from '../lifecycle.ts';
import { RunJournalWriter } from '../run-journal.ts';
import {
  COMPONENT_SPECS,
  componentVersion,
  HARNESS_TIMING,
  officialImage,
  selectComponents,
  type ProgramSource,
  type StackComponentName,
} from '../spec/index.ts';
import { prometheusDockerSpec, probeTargetsFile } from '../spec/prometheus.ts';
import type { RenderContext } from '../spec/types.ts';
import { WebhookSink } from '../webhook-sink.ts';
import { LABEL, ownerLabels, removeByLabel } from './docker-cleanup.ts';
import { holdLease } from './docker-lease.ts';
import { DEFAULT_RULE_GLOBS, type LocalStackOptions } from './local.ts';
import { LoopbackContainer } from './loopback-container.ts';
import { declaredHostDir, RunSecrets } from './run-secrets.ts';
import {
  flatEndpoints,
  sharedStackMethods,
  writeTargetsFile,
  type StartedComponent,
  type StartedStack,
} from './types.ts';

// Ryuk (testcontainers' reaper) cannot be pulled here; the runner removes its resources by label instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
// Published ports are bound to 127.0.0.1 (LoopbackContainer); "localhost" may resolve to ::1 first.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

export type ImageSource = 'official' | 'local' | 'auto';

export interface DockerStackOptions extends LocalStackOptions {
  images?: ImageSource;
}

const PROGRAM_SOURCE: Record<ImageSource, ProgramSource> = {
  official: 'official-images',
  local: 'local-images',
  auto: 'auto-images',
};

/** Where each official image keeps its writable data (they differ; local images use /data). */
const OFFICIAL_DATA_DIR: Record<StackComponentName, string> = {
  prometheus: '/prometheus',
  alertmanager: '/alertmanager',
  victorialogs: '/victoria-logs-data',
  loki: '/loki',
  jaeger: '/tmp',
  'otel-collector': '/tmp',
  grafana: '/var/lib/grafana',
};

const CONFIG_DIR = '/etc/phoenix';
const RULES_DIR = '/etc/phoenix/rules';
const TARGETS_DIR = '/etc/phoenix/targets';
/** The seed's Vector path for service log files (the Collector reads it; fleet containers write it). */
export const FLEET_LOG_DIR = '/var/log/phoenix';

class DockerComponent implements StartedComponent {
  readonly pid = undefined;
  constructor(
    readonly name: StackComponentName,
    readonly version: string,
    private readonly container: StartedTestContainer,
    private readonly endpointSpec: Record<string, { port: string; path?: string; scheme: 'http' | 'grpc' }>,
    private readonly containerPorts: Record<string, number>,
    private readonly healthPath: { port: string; path: string },
    readonly readyMs: number,
    readonly logFile: string,
  ) {}

  private hostPort(port: string): string {
    const containerPort = this.containerPorts[port];
    if (containerPort === undefined) throw new HarnessError(`${this.name} has no port ${port}`);
    return `127.0.0.1:${this.container.getMappedPort(containerPort)}`;
  }

  getUrl(): string {
    return this.getEndpoints().url ?? '';
  }

  getHealthUrl(): string {
    return `http://${this.hostPort(this.healthPath.port)}${this.healthPath.path}`;
  }

  getEndpoints(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.endpointSpec).map(([name, e]) => [
        name,
        e.scheme === 'grpc' ? this.hostPort(e.port) : `http://${this.hostPort(e.port)}${e.path ?? ''}`,
      ]),
    );
  }

  getContainerId(): string {
    return this.container.getId();
  }

  async stop(): Promise<void> {
    await this.container.stop({ timeout: 5_000 }).catch(() => undefined);
  }
}

async function runtimeClient(): Promise<ContainerRuntimeClient> {
  try {
    return await getContainerRuntimeClient();
  } catch (error) {
    throw new HarnessError(`no Docker daemon answers: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'start Docker (e.g. `sudo dockerd --ip=127.0.0.1 &`), or use --stack local',
    });
  }
}

/**
 * Chooses each component's image: official pinned tags, or local FROM-scratch images of the
 * provisioned binaries. Loki and Grafana have official images only (selectComponents has refused
 * them with any other source).
 */
async function resolveImage(
  client: ContainerRuntimeClient,
  name: StackComponentName,
  source: ImageSource,
  log: (line: string) => void,
): Promise<{ image: string; official: boolean }> {
  const spec = COMPONENT_SPECS[name];
  const official = officialImage(spec);
  if (source === 'official' || !('provisioned' in spec.source)) return { image: official, official: true };
  const provisioned = spec.source.provisioned;
  if (source === 'auto') {
    if (await client.image.exists(ImageName.fromString(official))) return { image: official, official: true };
    const pulled = await Promise.race([
      client.image.pull(ImageName.fromString(official)).then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref()),
    ]);
    if (pulled) return { image: official, official: true };
    log(`  ${official} cannot be pulled: using a local image built from the provisioned binary`);
  }
  return { image: await ensureLocalImage(provisioned, log), official: false };
}

/**
 * Starts the monitoring stack as containers on a Docker network of its own, with the seed's
 * service names as network aliases, from the same component specs as the local runner.
 */
export async function startDockerStack(options: DockerStackOptions = {}): Promise<StartedStack> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runId = options.runId ?? newRunId();
  const runDir = resolve(options.outDir ?? 'out', runId);
  const dir = join(runDir, 'stack');
  const images = options.images ?? 'auto';
  // Before anything is created: Loki and Grafana run only from their official images.
  const { names, logStore } = selectComponents(options, PROGRAM_SOURCE[images]);
  const fleetLogDir = options.fleetLogDir ?? join(runDir, 'fleet-logs');
  const targetsDir = join(dir, 'prometheus', 'targets');
  for (const d of [dir, fleetLogDir, targetsDir]) mkdirSync(d, { recursive: true });
  chmodSync(targetsDir, 0o755);
  const scrapeTargetsFile = join(targetsDir, 'phoenix-services.json');
  writeTargetsFile(scrapeTargetsFile, []);
  writeTargetsFile(probeTargetsFile(scrapeTargetsFile), []);

  const client = await runtimeClient();
  await removeByLabel(client, { log });
  // The lease (renewed while this process runs) and the journal exist before anything is created.
  const lease = holdLease(runId);
  const journal = await RunJournalWriter.open(runId, options.role ?? 'validate');
  const labels = ownerLabels(runId);
  const networkName = `phoenix-harness-${runId}`;
  const network = await client.network.create({
    Name: networkName,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: labels,
  });
  const ipam = ((await network.inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } })
    .IPAM?.Config?.[0];
  const gateway = ipam?.Gateway;
  await journal.setDocker({ runLabel: `${LABEL.runId}=${runId}`, networkId: network.id, networkName });
  if (!gateway) throw new HarnessError(`the Docker network ${networkName} has no gateway address`);

  // The sink runs in the harness; containers reach it on the gateway of the harness's own network.
  // Only they (and the harness, whose address there is the gateway) may call it: the network's subnet.
  const sink = await new WebhookSink({
    host: gateway,
    ...(ipam?.Subnet ? { allowedSubnets: [ipam.Subnet] } : {}),
    journalFile: join(dir, 'webhook-sink.jsonl'),
  }).start();
  const components = new Map<StackComponentName, DockerComponent>();
  const secrets = new RunSecrets();
  let disposed = false;
  const stopAll = async () => {
    if (disposed) return;
    disposed = true;
    await Promise.all([...components.values()].map((c) => c.stop()));
    await removeByLabel(client, { runId });
    await sink[Symbol.asyncDispose]();
    await journal.remove();
    lease.release();
  };
  const unregister = onShutdown(stopAll);

  try {
    const ruleFiles = collectRuleFiles(options.ruleFiles ?? DEFAULT_RULE_GLOBS);
    await Promise.all(
      names.map(async (name) => {
        // Prometheus finds a containerised fleet by the seed's DNS names (stack/fleet-containers.ts).
        const spec = name === 'prometheus' ? prometheusDockerSpec : COMPONENT_SPECS[name];
        const { image, official } = await resolveImage(client, name, images, log);
        const ctx: RenderContext = {
          bindHost: '0.0.0.0',
          port: (p) => {
            const port = spec.containerPorts[p];
            if (port === undefined) throw new HarnessError(`${name} has no port ${p}`);
            return port;
          },
          peer: (component, p) => {
            if (component === 'webhook-sink') return `${gateway}:${sink.getPort()}`;
            return `${component}:${COMPONENT_SPECS[component].containerPorts[p] ?? 1}`;
          },
          configDir: CONFIG_DIR,
          dataDir: official ? OFFICIAL_DATA_DIR[name] : '/data',
          fleetLogDir: FLEET_LOG_DIR,
          ruleFiles: [`${RULES_DIR}/*.yml`],
          scrapeTargetsFile: `${TARGETS_DIR}/phoenix-services.json`,
          timing: options.timing ?? HARNESS_TIMING,
          environment: options.environment ?? 'harness',
          logStore,
          traceStore: options.traceStore ?? 'memory',
          hostDir: (n) => {
            declaredHostDir(name, spec.hostDirs, n);
            return `${CONFIG_DIR}/${n}`;
          },
          secret: secrets.forComponent(name),
        };
        const rendered = spec.render(ctx);
        secrets.setClientHeaders(name, rendered.clientHeaders);
        const logFile = join(dir, `${name}.log`);
        const files = Object.entries(rendered.files).map(([file, content]) => ({
          content,
          target: `${CONFIG_DIR}/${file}`,
        }));
        if (name === 'prometheus')
          files.push(...ruleFiles.map((r) => ({ content: r.content, target: `${RULES_DIR}/${r.name}` })));
        const command = official && rendered.imageArgs ? rendered.imageArgs : rendered.args;
        // rendered.env may hold secrets (Grafana's admin password): the container's environment only.
        let container = new LoopbackContainer(image)
          .withNetworkMode(networkName)
          .withNetworkAliases(name)
          .withLabels(labels)
          .withEnvironment({ GODEBUG: 'netdns=go', ...rendered.env })
          .withCopyContentToContainer(files)
          .withCopyDirectoriesToContainer(
            Object.entries(spec.hostDirs ?? {}).map(([n, source]) => ({
              source,
              target: `${CONFIG_DIR}/${n}`,
            })),
          )
          .withExposedPorts(...Object.values(spec.containerPorts))
          .withWaitStrategy(
            Wait.forHttp(rendered.readiness.path, ctx.port(rendered.readiness.port)).forStatusCode(200),
          )
          .withStartupTimeout(options.startupTimeoutMs ?? 60_000)
          .withLogConsumer((stream: Readable) => stream.pipe(createWriteStream(logFile, { flags: 'a' })));
        if (command.length > 0) container = container.withCommand(command);
        if (!official)
          container = container
            .withEntrypoint([`/bin/${rendered.binary}`])
            .withPullPolicy({ shouldPull: () => false });
        if (name === 'prometheus')
          container = container.withBindMounts([{ source: targetsDir, target: TARGETS_DIR, mode: 'ro' }]);
        if (name === 'otel-collector')
          container = container.withBindMounts([{ source: fleetLogDir, target: FLEET_LOG_DIR, mode: 'ro' }]);
        let startedContainer: StartedTestContainer;
        try {
          startedContainer = await container.start();
          await journal.addContainer(startedContainer.getId(), name);
        } catch (error) {
          const tail = existsSync(logFile)
            ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n')
            : '';
          throw new HarnessError(
            `${name} (${image}) did not become ready: ${(error as Error).message}\n--- last lines of ${logFile} ---\n${tail}`,
            {
              where: logFile,
              hint: `check the rendered config; docker logs of the container are in ${logFile}`,
            },
          );
        }
        components.set(
          name,
          new DockerComponent(
            name,
            componentVersion(spec),
            startedContainer,
            rendered.endpoints,
            spec.containerPorts,
            rendered.readiness,
            Date.now() - started,
            logFile,
          ),
        );
      }),
    );
  } catch (error) {
    await stopAll();
    unregister();
    throw error;
  }

  const endpoints = (): Record<string, string> =>
    flatEndpoints(
      names.flatMap((n) => components.get(n) ?? []),
      sink.getUrl(),
    );
  await warnIfPublishedBeyondLoopback(client, [...components.values()][0]?.getContainerId(), log);
  const endpointsFile = join(dir, 'endpoints.json');
  writeFileSync(endpointsFile, `${JSON.stringify(endpoints(), null, 2)}\n`);

  return {
    runId,
    runner: 'docker',
    dir,
    endpointsFile,
    components,
    sink,
    readyMs: Date.now() - started,
    scrapeTargetHost: gateway,
    dockerNetwork: networkName,
    fleetLogDir,
    endpoints,
    credentials: () => secrets.credentials(),
    ...sharedStackMethods({
      components,
      scrapeTargetsFile,
      probeTargetsFile: probeTargetsFile(scrapeTargetsFile),
      stopAll,
      unregister,
    }),
  };
}

/** Reads the rule files matching simple `dir/*.yml` globs, to copy them into the Prometheus container. */
export function collectRuleFiles(globs: string[]): { name: string; content: string }[] {
  const files: { name: string; content: string }[] = [];
  for (const glob of globs) {
    // A plain path (the time-compressed profile's files) is taken as it is.
    if (!glob.includes('*')) {
      if (!existsSync(glob)) throw new HarnessError(`rule file not found: ${glob}`);
      files.push({ name: basename(glob), content: readFileSync(glob, 'utf8') });
      continue;
    }
    const folder = dirname(glob);
    const suffix = glob.slice(glob.lastIndexOf('*') + 1);
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder)
      .filter((f) => f.endsWith(suffix))
      .sort()) {
      files.push({ name: file, content: readFileSync(join(folder, file), 'utf8') });
    }
  }
  return files;
}

/** Loopback only: dockerd publishes on every interface unless started with --ip=127.0.0.1. */
export async function warnIfPublishedBeyondLoopback(
  client: ContainerRuntimeClient,
  containerId: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (!containerId) return;
  const info = (await client.container.dockerode.getContainer(containerId).inspect()) as {
    NetworkSettings: { Ports: Record<string, { HostIp: string }[] | null> };
  };
  const hostIps = Object.values(info.NetworkSettings.Ports).flatMap((b) => (b ?? []).map((x) => x.HostIp));
  if (hostIps.some((ip) => ip !== '127.0.0.1' && ip !== '::1')) {
    log(
      `WARNING: Docker publishes the harness's ports on ${[...new Set(hostIps)].join(', ')}, not only loopback; ` +
        'start dockerd with --ip=127.0.0.1 (see README, "Docker")',
    );
  }
}

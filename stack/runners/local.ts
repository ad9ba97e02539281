import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import {
  HarnessError,
  LOOPBACK,
  childEnv,
  describeLast,
  newRunId,
  pollUntil,
  startWithPortRetry,
} from '../../core/index.ts';
import { requireProvisioned } from '../provision/provision.ts';
import {
  COMPONENT_SPECS,
  componentVersion,
  HARNESS_TIMING,
  selectComponents,
  type StackComponentName,
  type StackSelection,
  type StackTiming,
} from '../spec/index.ts';
import { probeTargetsFile } from '../spec/prometheus.ts';
import type { RenderContext } from '../spec/types.ts';
import { WebhookSink } from '../webhook-sink.ts';
import { onShutdown, reapOrphans, trackProcessGroup } from '../lifecycle.ts';
import { listensOn } from '../process-identity.ts';
import { RunJournalWriter, type RunRole } from '../run-journal.ts';
import { declaredHostDir, RunSecrets } from './run-secrets.ts';
import {
  flatEndpoints,
  sharedStackMethods,
  writeTargetsFile,
  type StartedComponent,
  type StartedStack,
} from './types.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_RULE_GLOBS = [join(REPO_ROOT, 'stack/prometheus/rules/*.yml')];

export interface LocalStackOptions extends StackSelection {
  runId?: string;
  /** Run artifacts root; the stack writes under `<outDir>/<runId>/stack/`. */
  outDir?: string;
  timing?: StackTiming;
  ruleFiles?: string[];
  fleetLogDir?: string;
  environment?: string;
  startupTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * Tests only: rewrites a component's rendered config files (by file name) before it starts, e.g. an
   * Alertmanager route sending critical alerts to the wrong receiver, to prove a check notices.
   */
  editConfig?: Partial<Record<StackComponentName, (files: Record<string, string>) => Record<string, string>>>;
  /** Who owns the run, for `stack down` (default `validate`: stopped only when named with `--run`). */
  role?: RunRole;
  /** Tests only: where the components' ports come from (default: fresh ones from the OS). */
  allocatePorts?: (count: number) => Promise<number[]>;
}

const STOP_GRACE_MS = 5_000;

class LocalComponent implements StartedComponent {
  readyMs = 0;
  /** The port the readiness probe asks (checked to be this process's own socket). */
  readinessPort = 0;
  private exited: Promise<void>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private untrack: () => void;

  constructor(
    readonly name: StackComponentName,
    readonly version: string,
    private readonly child: ResultPromise,
    private readonly ports: Record<string, number>,
    private readonly endpointSpec: Record<string, { port: string; path?: string; scheme: 'http' | 'grpc' }>,
    readonly logFile: string,
    private readonly healthUrl: string,
  ) {
    this.untrack = trackProcessGroup(child.pid ?? -1);
    // From execa's result promise, not an 'exit' listener: the component is built after awaits (the
    // journal's lock), and a program that died in between (a port taken) has already emitted 'exit'.
    this.exited = child.then(
      (r) => {
        this.exitInfo = {
          code: r.exitCode ?? null,
          signal: (r.signal as NodeJS.Signals | undefined) ?? null,
        };
        this.untrack();
      },
      () => {
        this.exitInfo = { code: null, signal: null };
        this.untrack();
      },
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  describeExit(): string {
    return this.exitInfo
      ? `exited (code ${this.exitInfo.code ?? '-'}, signal ${this.exitInfo.signal ?? '-'})`
      : 'running';
  }

  getUrl(): string {
    return this.getEndpoints().url ?? '';
  }

  getHealthUrl(): string {
    return this.healthUrl;
  }

  getEndpoints(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.endpointSpec).map(([name, e]) => {
        const hostPort = `${LOOPBACK}:${this.ports[e.port]}`;
        return [name, e.scheme === 'grpc' ? hostPort : `http://${hostPort}${e.path ?? ''}`];
      }),
    );
  }

  onExit(): Promise<void> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.hasExited || this.child.pid === undefined) return;
    // execa sends SIGKILL if SIGTERM has not ended it within STOP_GRACE_MS (forceKillAfterDelay).
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no output)';
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n') || '(no output)';
}

/**
 * Starts the monitoring stack as child processes on 127.0.0.1: free ports chosen at start,
 * each in its own process group, output under `<out>/<run-id>/stack/`, torn down in reverse
 * order on dispose, on Ctrl-C/SIGTERM, and (for groups left by a SIGKILLed run) on the next start.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<StartedStack> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runId = options.runId ?? newRunId();
  const runDir = resolve(options.outDir ?? 'out', runId);
  const dir = join(runDir, 'stack');
  mkdirSync(dir, { recursive: true });
  // Loki and Grafana are refused here, with what to do instead: they never run from a local binary.
  const { names, logStore } = selectComponents(options, 'local-binaries');
  const timing = options.timing ?? HARNESS_TIMING;
  const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
  const fleetLogDir = options.fleetLogDir ?? join(runDir, 'fleet-logs');
  mkdirSync(fleetLogDir, { recursive: true });

  await reapOrphans(log);
  const binaries = Object.fromEntries(
    names.map((n) => {
      const source = COMPONENT_SPECS[n].source;
      return [n, 'provisioned' in source ? requireProvisioned(source.provisioned) : undefined];
    }),
  );

  // Ports for every component first, so all configs can be rendered and all processes started at once.
  const portNames = names.flatMap((n) =>
    Object.keys(COMPONENT_SPECS[n].containerPorts).map((p) => [n, p] as const),
  );
  const ports: Record<string, Record<string, number>> = {};

  const sink = await new WebhookSink({ journalFile: join(dir, 'webhook-sink.jsonl') }).start();
  const secrets = new RunSecrets();
  const scrapeTargetsFile = join(dir, 'prometheus', 'config', 'phoenix-services.json');

  const components = new Map<StackComponentName, LocalComponent>();
  const journal = await RunJournalWriter.open(runId, options.role ?? 'validate');
  let disposed = false;
  const stopComponents = async () => {
    for (const name of [...names].reverse()) await components.get(name)?.stop();
    components.clear();
  };
  const stopAll = async () => {
    if (disposed) return;
    disposed = true;
    await stopComponents();
    await sink[Symbol.asyncDispose]();
    await journal.remove();
  };
  const unregister = onShutdown(stopAll);

  // The programs take their ports on the command line: a port found free may be taken by another
  // process before they bind it; such a start is retried with fresh ports (core/ports.ts).
  const startAll = async (free: number[]) => {
    for (const key of Object.keys(ports)) delete ports[key];
    portNames.forEach(([n, p], i) => ((ports[n] ??= {})[p] = free[i] ?? 0));
    for (const name of names) {
      const spec = COMPONENT_SPECS[name];
      const configDir = join(dir, name, 'config');
      const dataDir = join(dir, name, 'data');
      mkdirSync(configDir, { recursive: true });
      mkdirSync(dataDir, { recursive: true });
      const provisioned = binaries[name];
      const ctx: RenderContext = {
        bindHost: LOOPBACK,
        port: (p) => requirePort(ports, name, p),
        peer: (component, p) => {
          if (component === 'webhook-sink') return `${LOOPBACK}:${sink.getPort()}`;
          // A peer left out of a partial stack gets an address that refuses connections (port 1).
          return `${LOOPBACK}:${names.includes(component) ? requirePort(ports, component, p) : 1}`;
        },
        configDir,
        dataDir,
        fleetLogDir,
        ruleFiles: options.ruleFiles ?? DEFAULT_RULE_GLOBS,
        scrapeTargetsFile,
        timing,
        environment: options.environment ?? 'harness',
        logStore,
        traceStore: options.traceStore ?? 'memory',
        // The checkout's own directories, read in place (edits show up in the running component).
        hostDir: (n) => declaredHostDir(name, spec.hostDirs, n),
        secret: secrets.forComponent(name),
      };
      const rendered = spec.render(ctx);
      const files = options.editConfig?.[name]?.(rendered.files) ?? rendered.files;
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(dirname(join(configDir, file)), { recursive: true });
        writeFileSync(join(configDir, file), content);
      }
      secrets.setClientHeaders(name, rendered.clientHeaders);
      if (name === 'prometheus') {
        writeTargetsFile(scrapeTargetsFile, []);
        writeTargetsFile(probeTargetsFile(scrapeTargetsFile), []);
      }
      const binary = provisioned?.binaries[rendered.binary];
      if (!binary) throw new HarnessError(`${name}: provisioned component has no binary ${rendered.binary}`);
      const logFile = join(dir, `${name}.log`);
      // Each attempt's output alone (truncated), so a retry is judged on its own lines.
      const fd = openSync(logFile, 'w');
      // rendered.env may hold secrets: it goes to the child only, never to a log or file.
      const child = execa(binary, rendered.args, {
        cwd: dataDir,
        // What the component needs, not the harness's whole environment (execa would merge it in).
        env: childEnv([], rendered.env),
        extendEnv: false,
        stdin: 'ignore',
        // A file descriptor goes to the child as it is (no piping through this process). execa passes
        // any integer to spawn natively; its types list only the literals 3–9, hence the cast.
        stdout: fd as 3,
        stderr: fd as 3,
        detached: true,
        cleanup: false,
        reject: false,
        forceKillAfterDelay: STOP_GRACE_MS,
      });
      closeSync(fd);
      if (child.pid === undefined) throw new HarnessError(`${name}: could not start ${binary}`);
      await journal.addProcess(name, child.pid, [binary, ...rendered.args]);
      const version = componentVersion(spec);
      const readinessPort = requirePort(ports, name, rendered.readiness.port);
      const healthUrl = `http://${LOOPBACK}:${readinessPort}${rendered.readiness.path}`;
      const component = new LocalComponent(
        name,
        version,
        child,
        ports[name] ?? {},
        rendered.endpoints,
        logFile,
        healthUrl,
      );
      component.readinessPort = readinessPort;
      components.set(name, component);
    }

    await Promise.all(
      names.map(async (name) => {
        const component = components.get(name);
        if (!component) return;
        const url = component.getHealthUrl();
        const exited = new AbortController();
        void component.onExit().then(() => exited.abort());
        const outcome = await pollUntil({
          description: `${name} ready at ${url}`,
          probe: async () => {
            const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
            const body = (await res.text()).slice(0, 200).trim();
            // An answer from another process that took the port first is not this component's.
            const ours = component.pid !== undefined && listensOn(component.pid, component.readinessPort);
            return { status: res.status, body, ours };
          },
          until: (r) => r.status === 200 && r.ours,
          timeoutMs: startupTimeoutMs,
          intervalMs: 100,
          signal: exited.signal,
        });
        if (!outcome.ok) {
          const last = describeLast(
            outcome,
            (r) => `${r.status} ${JSON.stringify(r.body)}${r.ours ? '' : ', served by another process'}`,
          );
          const why = component.hasExited
            ? `${name} ${component.describeExit()} before it became ready at ${url}`
            : `${name} not ready at ${url} after ${outcome.elapsedMs}ms (last: ${last})`;
          throw new HarnessError(
            `${why}\n--- last lines of ${component.logFile} ---\n${tail(component.logFile)}`,
            {
              where: component.logFile,
              hint: `check the config under ${join(dir, name, 'config')}; raise stack.startupTimeoutMs if the machine is slow`,
            },
          );
        }
        component.readyMs = Date.now() - started;
      }),
    );
  };

  try {
    await startWithPortRetry({
      count: portNames.length,
      start: startAll,
      cleanup: stopComponents,
      log,
      ...(options.allocatePorts ? { allocate: options.allocatePorts } : {}),
    });
  } catch (error) {
    await stopAll();
    unregister();
    throw error;
  }

  const endpoints = (): Record<string, string> => flatEndpoints(components.values(), sink.getUrl());
  const endpointsFile = join(dir, 'endpoints.json');
  writeFileSync(endpointsFile, `${JSON.stringify(endpoints(), null, 2)}\n`);
  const readyMs = Date.now() - started;

  return {
    runId,
    runner: 'local',
    dir,
    endpointsFile,
    components,
    sink,
    readyMs,
    scrapeTargetHost: LOOPBACK,
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

function requirePort(ports: Record<string, Record<string, number>>, component: string, port: string): number {
  const value = ports[component]?.[port];
  if (value === undefined) {
    throw new HarnessError(`no port "${port}" allocated for ${component}`, {
      hint: `is ${component} part of the started components?`,
    });
  }
  return value;
}

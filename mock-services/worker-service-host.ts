import { Worker } from 'node:worker_threads';
import type { ServiceName } from '../catalog/index.ts';
import { HarnessError } from '../core/index.ts';
import type { Fault, FaultName, FaultParseResult } from './fault-set.ts';
import type { HostSettings, ServiceHost, ServiceInfo } from './service-host.ts';

/** Calls the main thread makes on a worker's host, each answered by one WorkerReply with the same id. */
export type WorkerRequest = { id: number } & (
  | { op: 'setPeerPorts'; ports: Partial<Record<ServiceName, number>> }
  | { op: 'setFault'; service: ServiceName; fault: unknown }
  | { op: 'clearFaults'; service: ServiceName | undefined; name: FaultName | undefined }
  | { op: 'activeFaults'; service: ServiceName }
  | { op: 'flush' }
  | { op: 'stopServing'; services: readonly ServiceName[] }
  | { op: 'shutdownTelemetry'; flushTimeoutMs: number }
);

/** A request before it is given its id (Omit distributed over the union). */
type WorkerCall = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

interface ErrorText {
  message: string;
  where?: string | undefined;
  hint?: string | undefined;
}

export type WorkerReply = { id: number } & ({ ok: true; value: unknown } | { ok: false; error: ErrorText });

type StartMessage =
  { ready: true; services: Record<string, ServiceInfo> } | { ready: false; error: ErrorText };

const toError = (e: ErrorText) =>
  new HarnessError(e.message, {
    ...(e.where ? { where: e.where } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  });

/**
 * Starts the worker module. Run from TypeScript sources, a worker thread does not inherit the tsx
 * loader on Node 20, so a two-line bootstrap registers it before importing the worker module.
 */
function spawnWorker(settings: HostSettings): Worker {
  const entry = new URL(`./fleet-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: settings });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

/** A group of services in a worker thread, driven by messages (same calls as LocalServiceHost). */
export class WorkerServiceHost implements ServiceHost {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    readonly services: ReadonlyMap<ServiceName, ServiceInfo>,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(toError(reply.error));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new Error(`fleet worker exited with code ${code}`));
    });
  }

  static start(settings: HostSettings): Promise<WorkerServiceHost> {
    const worker = spawnWorker(settings);
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      worker.once('error', onError);
      worker.once('message', (message: StartMessage) => {
        worker.off('error', onError);
        if (message.ready) {
          const services = new Map(Object.entries(message.services) as [ServiceName, ServiceInfo][]);
          resolve(new WorkerServiceHost(worker, services));
        } else {
          void worker.terminate();
          reject(toError(message.error));
        }
      });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private call<T>(request: WorkerCall): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  setPeerPorts(ports: Partial<Record<ServiceName, number>>): Promise<void> {
    return this.call({ op: 'setPeerPorts', ports });
  }

  setFault(service: ServiceName, fault: unknown): Promise<FaultParseResult> {
    return this.call({ op: 'setFault', service, fault });
  }

  clearFaults(service: ServiceName | undefined, name: FaultName | undefined): Promise<void> {
    return this.call({ op: 'clearFaults', service, name });
  }

  activeFaults(service: ServiceName): Promise<Fault[]> {
    return this.call({ op: 'activeFaults', service });
  }

  flush(): Promise<void> {
    return this.call({ op: 'flush' });
  }

  stopServing(services: readonly ServiceName[]): Promise<void> {
    return this.call({ op: 'stopServing', services });
  }

  shutdownTelemetry(flushTimeoutMs: number): Promise<void> {
    return this.call({ op: 'shutdownTelemetry', flushTimeoutMs });
  }

  async close(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
  }
}

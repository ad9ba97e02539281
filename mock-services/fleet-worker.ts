/**
 * Worker-thread entry of a multi-threaded fleet: runs a LocalServiceHost for the services it was
 * given and answers the main thread's calls (see WorkerServiceHost for the protocol).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HarnessError } from '../core/index.ts';
import { LocalServiceHost, type HostSettings } from './service-host.ts';
import type { WorkerReply, WorkerRequest } from './worker-service-host.ts';

const port = parentPort;
if (!port) throw new Error('fleet-worker.ts runs only as a worker thread');

const errorReply = (error: unknown) =>
  error instanceof HarnessError
    ? { message: error.message, where: error.where, hint: error.hint }
    : { message: error instanceof Error ? error.message : String(error) };

try {
  const host = await LocalServiceHost.start(workerData as HostSettings);
  port.on('message', (request: WorkerRequest) => {
    const run = async (): Promise<unknown> => {
      switch (request.op) {
        case 'setPeerPorts':
          return host.setPeerPorts(request.ports);
        case 'setFault':
          return host.setFault(request.service, request.fault);
        case 'clearFaults':
          return host.clearFaults(request.service, request.name);
        case 'activeFaults':
          return host.activeFaults(request.service);
        case 'flush':
          return host.flush();
        case 'stopServing':
          return host.stopServing(request.services);
        case 'shutdownTelemetry':
          return host.shutdownTelemetry(request.flushTimeoutMs);
      }
    };
    run().then(
      (value) => port.postMessage({ id: request.id, ok: true, value } satisfies WorkerReply),
      (error: unknown) =>
        port.postMessage({ id: request.id, ok: false, error: errorReply(error) } satisfies WorkerReply),
    );
  });
  port.postMessage({ ready: true, services: Object.fromEntries(host.services) });
} catch (error) {
  port.postMessage({ ready: false, error: errorReply(error) });
}

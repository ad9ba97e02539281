import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { HarnessError, LOOPBACK } from '../core/index.ts';

/** The gauge the probe target exposes: one series per probe id marked. */
const PROBE_METRIC = 'harness_pipeline_probe_info';

export interface ProbeTargetOptions {
  /** Address it binds to and advertises: 127.0.0.1, or the Docker network gateway (the stack's `scrapeTargetHost`). */
  host?: string;
}

/**
 * The scrape target of the pipeline probe's metric leg (validators/pipeline-probe.ts): a listener
 * on port 0 serving its own prom-client registry (never the global one). The orchestration starts
 * and disposes it and hands it to the checks (`ctx.probeTarget`); the check only marks a probe id
 * and registers the address with Prometheus.
 */
export class StartedProbeTarget implements AsyncDisposable {
  /** Errors of the listener after it started (the check names them when the metric never arrives). */
  readonly errors: string[] = [];
  private readonly registry = new Registry();
  private readonly gauge = new Gauge({
    name: PROBE_METRIC,
    help: 'Pipeline probe marker',
    labelNames: ['probe_id'],
    registers: [this.registry],
  });

  private constructor(
    private readonly server: Server,
    private readonly host: string,
  ) {}

  /** Binds port 0 on `host`; a failure to listen is a HarnessError naming the address. */
  static async start(options: ProbeTargetOptions = {}): Promise<StartedProbeTarget> {
    const host = options.host ?? LOOPBACK;
    const server = createServer();
    const target = new StartedProbeTarget(server, host);
    server.on('request', (_req, res) => {
      target.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': target.registry.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        // An error after start is recorded for the check, never an uncaught 'error' event.
        server.on('error', (error) => target.errors.push(error.message));
        resolve();
      });
    }).catch((error: Error) => {
      throw new HarnessError(
        `the pipeline probe's metrics listener could not listen on ${host}: ${error.message}`,
        {
          where: `stack/probe-target.ts, host ${host}`,
          hint: "the stack's scrape target host must be an address of this machine (127.0.0.1, or the Docker network's gateway)",
          cause: error,
        },
      );
    });
    return target;
  }

  /** `host:port`, for Prometheus to scrape. */
  get address(): string {
    return `${this.host}:${(this.server.address() as AddressInfo).port}`;
  }

  /** The PromQL selector of the series `mark(probeId)` exposes. */
  series(probeId: string): string {
    return `${PROBE_METRIC}{probe_id="${probeId}"}`;
  }

  /** Exposes `harness_pipeline_probe_info{probe_id="<id>"} 1` until unmarked. */
  mark(probeId: string): void {
    this.gauge.set({ probe_id: probeId }, 1);
  }

  unmark(probeId: string): void {
    this.gauge.remove({ probe_id: probeId });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts the pipeline probe's scrape target (see StartedProbeTarget). */
export function startProbeTarget(options: ProbeTargetOptions = {}): Promise<StartedProbeTarget> {
  return StartedProbeTarget.start(options);
}

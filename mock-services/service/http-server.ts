import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServiceName } from '../../catalog/index.ts';
import { HarnessError, LOOPBACK } from '../../core/index.ts';

/** A service's keep-alive node:http server: binding its port and closing gracefully. */
export class HttpServer {
  private readonly server: Server;
  private boundPort: number;

  constructor(
    private readonly service: ServiceName,
    private readonly host: string,
    private readonly requestedPort: number,
    onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  ) {
    this.boundPort = requestedPort;
    this.server = createServer({ keepAlive: true }, onRequest);
    this.server.keepAliveTimeout = 65_000;
  }

  /** The bound port (the OS's choice once listening, when asked for port 0). */
  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Its base URL (over loopback when it listens on every interface). */
  get url(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? LOOPBACK : this.host;
    return `http://${host}:${this.boundPort}`;
  }

  /** Binds the port; a taken one is a HarnessError naming the service and the address. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        reject(
          new HarnessError(
            `${this.service} cannot listen on ${this.host}:${this.requestedPort}: ${error.code === 'EADDRINUSE' ? 'the port is taken' : error.message}`,
            {
              where: 'mock-services',
              hint: 'free the port or let the fleet choose one (omit it from `ports`)',
              cause: error,
            },
          ),
        );
      };
      const onListening = () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address && typeof address === 'object') this.boundPort = address.port;
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(this.requestedPort, this.host);
    });
  }

  /** Stops accepting and waits for in-flight requests (up to `graceMs`, then cuts the connections). */
  async close(graceMs: number): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }
}

/**
 * The worker's operations port: GET /metrics answers in Prometheus text with the Temporal SDK's metrics and
 * ebpm's (both come out of the SDK's exporter, which listens on a loopback port of its own and is relayed
 * here), GET /healthz with 200 or 503 and a small JSON body. The SDK's exporter serves only /metrics, so
 * this small server is what puts the health check on the same port.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { WorkerHealth } from './health.js';

export interface MetricsServerOptions {
  /** The port to listen on (all interfaces, so that a Prometheus in another container can scrape it). */
  readonly port: number;
  readonly host?: string;
  /** Where the SDK's Prometheus exporter listens (host:port on the loopback interface). */
  readonly exporterAddress: string;
  readonly health: () => Promise<WorkerHealth>;
}

export class MetricsPortInUseError extends Error {
  constructor(readonly port: number, cause: unknown) {
    super(`cannot serve metrics on port ${port}: ${cause instanceof Error ? cause.message : String(cause)}; give --metrics-port (or EBPM_METRICS_PORT) a free port`, { cause });
    this.name = 'MetricsPortInUseError';
  }
}

/** A loopback port nothing listens on now, for the SDK's exporter (which must be told a port, not given one). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('the system gave no port'))));
    });
  });
}

const EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function startMetricsServer(options: MetricsServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'text/plain', 'only GET\n');
    if (path === '/metrics') {
      fetch(`http://${options.exporterAddress}/metrics`, { signal: AbortSignal.timeout(5_000) })
        .then(async (exported) => answer(exported.status, exported.headers.get('content-type') ?? EXPOSITION_TYPE, await exported.text()))
        .catch((error: unknown) => answer(502, 'text/plain', `the Temporal SDK's metrics exporter at ${options.exporterAddress} did not answer: ${error instanceof Error ? error.message : String(error)}\n`));
      return;
    }
    if (path === '/healthz') {
      options
        .health()
        .then((health) => answer(health.healthy ? 200 : 503, 'application/json', `${JSON.stringify(health)}\n`))
        .catch((error: unknown) => answer(503, 'application/json', `${JSON.stringify({ healthy: false, error: error instanceof Error ? error.message : String(error) })}\n`));
      return;
    }
    answer(404, 'text/plain', 'ebpm worker: GET /metrics (Prometheus text) or /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new MetricsPortInUseError(options.port, error)));
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}

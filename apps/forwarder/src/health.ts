import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthPortError } from './errors.js';

export interface HealthServerOptions {
  port: number;
  /** Default all interfaces: the kubelet probes the pod IP. */
  host?: string;
  /** The /healthz body. */
  status: () => Record<string, unknown>;
  /** The /metrics body (Prometheus text). */
  metrics: () => string;
}

/** `/healthz` (liveness: the process and its event loop answer) and `/metrics` on LOGTAP_HEALTH_PORT. */
export async function startHealthServer(
  opts: HealthServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      const body = JSON.stringify({ status: 'ok', ...opts.status() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(opts.metrics());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) => reject(new HealthPortError(opts.port, { cause })));
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

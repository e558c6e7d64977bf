import type { Server } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { ListenError } from './errors.js';

/** Whether a listen host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/**
 * Warnings to show before serving: a bind reachable from other machines without TLS or without a
 * token exposes the push endpoint (and the logs in transit) to the network.
 */
export function listenWarnings(opts: { host: string; tls: boolean; authToken: boolean }): string[] {
  if (isLoopbackHost(opts.host)) return [];
  const missing: string[] = [];
  if (!opts.tls) missing.push('TLS (--tls-cert/--tls-key): logs cross the network in clear text');
  if (!opts.authToken) missing.push('a token (--auth-token): anyone who can reach the port can push');
  return missing.map((m) => `listening on ${opts.host}, reachable from other machines, without ${m}`);
}

/** Binds `server` to host:port; a failure becomes a ListenError that says how to fix it. */
export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new ListenError(host, port, describeListenError(err), { cause: err }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port });
  });
}

function describeListenError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'the address is already in use; stop the other process or pick another --listen port';
    case 'EACCES':
      return 'permission denied; ports below 1024 need privileges, use a higher port';
    case 'EADDRNOTAVAIL':
      return 'no local interface has this address; use 127.0.0.1, 0.0.0.0 or an address of this machine';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    default:
      return err.message;
  }
}

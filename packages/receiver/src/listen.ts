import { isIP } from 'node:net';

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

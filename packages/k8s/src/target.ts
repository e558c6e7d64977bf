import { InvalidOptionError } from './errors.js';

/** Where the forwarder pushes, as the pod sees it. */
export interface Target {
  /** Base URL with scheme, no trailing slash: `http://logtap-receiver.logtap:3100`. */
  url: string;
  host: string;
  port: number;
  tls: boolean;
}

const HOST =
  /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;

/**
 * Parses `--target`: `host:port`, or an `http://` / `https://` URL (default port 80 / 443). A path is
 * kept (a receiver behind a path-routing ingress); query strings and credentials are refused.
 */
export function parseTarget(text: string): Target {
  const raw = text.trim();
  const expected =
    'expected host:port or an http(s):// URL reachable from the pods, e.g. logtap-receiver.logtap:3100';
  if (raw === '') throw new InvalidOptionError('--target', text, expected);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new InvalidOptionError('--target', text, expected);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InvalidOptionError('--target', text, `scheme ${u.protocol} is not supported; ${expected}`);
  }
  if (u.username || u.password || u.search || u.hash) {
    throw new InvalidOptionError(
      '--target',
      text,
      'credentials, query strings and fragments are not allowed in a target',
    );
  }
  if (!HOST.test(u.hostname)) throw new InvalidOptionError('--target', text, expected);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/:\d+$/.test(raw.replace(/\/.*$/, ''))) {
    throw new InvalidOptionError('--target', text, `a port is required without a scheme; ${expected}`);
  }
  const tls = u.protocol === 'https:';
  const port = u.port ? Number(u.port) : tls ? 443 : 80;
  const path = u.pathname.replace(/\/+$/, '');
  return { url: `${u.protocol}//${u.host}${path}`, host: u.hostname, port, tls };
}

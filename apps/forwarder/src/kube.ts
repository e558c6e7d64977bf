import { readFile, stat } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { KubeApiError, KubeConfigError, KubeUnreachableError } from './errors.js';

/**
 * Where the Kubernetes API is and how to authenticate to it. Two sources: the pod's service account
 * (in-cluster, the normal case) and a kubeconfig file (running outside a cluster, and the tests).
 */
export interface KubeEndpoint {
  /** Base URL, no trailing slash. */
  readonly server: string;
  readonly dispatcher: Dispatcher;
  /** Headers carrying the credentials; `refresh` forces re-reading them (after a 401). */
  authHeaders(refresh?: boolean): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** The service-account files the kubelet mounts into every pod that has a token. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  /** `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`. */
  host: string | undefined;
  port: string | undefined;
  /** Directory with `token` and `ca.crt` (default the standard mount). */
  dir?: string;
  /** Re-read the token file at least this often (the kubelet rotates projected tokens; client-go: 1 min). */
  tokenMaxAgeMs?: number;
  now?: () => number;
}

/**
 * The in-cluster endpoint: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the cluster CA and
 * the projected token, re-read every minute and after a 401 so rotation never breaks a long-lived stream.
 * (Loading @kubernetes/client-node's KubeConfig costs ~60 MB of RSS for its generated API models; the
 * forwarder runs in every pod of a load test, so the in-cluster path needs only undici.)
 */
export async function inClusterEndpoint(opts: InClusterOptions): Promise<KubeEndpoint> {
  const dir = opts.dir ?? SERVICE_ACCOUNT_DIR;
  if (!opts.host || !opts.port)
    throw new KubeConfigError(
      'not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset (set KUBECONFIG to run the forwarder outside a cluster)',
    );
  let ca: Buffer;
  try {
    ca = await readFile(`${dir}/ca.crt`);
  } catch (cause) {
    throw new KubeConfigError(
      `cannot read the cluster CA ${dir}/ca.crt: ${(cause as Error).message} (is the service-account token mounted? \`logtap tap\` mounts one when automounting is off)`,
      { cause },
    );
  }
  const host = isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
  const tokenFile = `${dir}/token`;
  const maxAge = opts.tokenMaxAgeMs ?? 60_000;
  const now = opts.now ?? Date.now;
  let token = '';
  let readAt = Number.NEGATIVE_INFINITY;
  let mtime = 0;
  const dispatcher = new Agent({ connect: { ca }, keepAliveTimeout: 30_000 });
  return {
    server: `https://${host}:${opts.port}`,
    dispatcher,
    async authHeaders(refresh = false) {
      if (refresh || now() - readAt >= maxAge || token === '') {
        try {
          const st = await stat(tokenFile);
          if (refresh || token === '' || st.mtimeMs !== mtime || now() - readAt >= maxAge) {
            token = (await readFile(tokenFile, 'utf8')).trim();
            mtime = st.mtimeMs;
          }
          readAt = now();
        } catch (cause) {
          throw new KubeConfigError(
            `cannot read the service-account token ${tokenFile}: ${(cause as Error).message}`,
            {
              cause,
            },
          );
        }
      }
      return { authorization: `Bearer ${token}` };
    },
    close: () => dispatcher.close(),
  };
}

/**
 * An endpoint from a kubeconfig file, resolved by @kubernetes/client-node (every auth method it supports:
 * tokens, client certificates, exec plugins, OIDC). Loaded only in this mode; proxies are not supported.
 */
export async function kubeconfigEndpoint(path: string, context?: string): Promise<KubeEndpoint> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
    if (context) kc.setCurrentContext(context);
  } catch (cause) {
    throw new KubeConfigError(`cannot load kubeconfig ${path}: ${(cause as Error).message}`, { cause });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server)
    throw new KubeConfigError(`kubeconfig ${path}: the current context names no cluster with a server`);
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify)
    throw new KubeConfigError(
      `kubeconfig ${path}: refusing plain http to ${cluster.server} without insecure-skip-tls-verify`,
    );
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string } =
    {};
  const probe: Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(probe);
  for (const k of ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername'] as const)
    if (probe[k] !== undefined) (tls as Record<string, unknown>)[k] = probe[k];
  const dispatcher = new Agent({ connect: tls, keepAliveTimeout: 30_000 });
  return {
    server: cluster.server.replace(/\/+$/, ''),
    dispatcher,
    async authHeaders() {
      const opts: { headers?: Record<string, string>; auth?: string } = {};
      // client-node re-evaluates exec plugins and token files here, so rotated credentials are picked up.
      await kc.applyToHTTPSOptions(opts as Record<string, unknown>);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = String(v);
      if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      return headers;
    },
    close: () => dispatcher.close(),
  };
}

export interface LogRequest {
  container: string;
  follow: boolean;
  sinceTime?: string | undefined;
  previous?: boolean;
}

export interface KubeClientOptions {
  /** Timeout of ordinary requests and of a log stream's response headers (default 30 s). */
  requestTimeoutMs?: number;
  /** A follow stream silent this long is reconnected (default 5 min; resuming loses nothing). */
  streamIdleTimeoutMs?: number;
}

/** The two API calls the forwarder makes: GET its pod, GET a container's log (streaming). */
export class KubeClient {
  readonly #requestTimeoutMs: number;
  readonly #idleMs: number;
  readonly #origin: string;
  readonly #base: string;

  constructor(
    readonly endpoint: KubeEndpoint,
    opts: KubeClientOptions = {},
  ) {
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.#idleMs = opts.streamIdleTimeoutMs ?? 300_000;
    const url = new URL(endpoint.server);
    this.#origin = url.origin;
    // An API server behind a path prefix (`https://host/k8s`) keeps it in front of every request path.
    this.#base = url.pathname.replace(/\/+$/, '');
  }

  /** GET /api/v1/namespaces/{ns}/pods/{name} as plain JSON. */
  async getPod(namespace: string, name: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const what = `get pod ${namespace}/${name}`;
    const body = await this.#send(
      what,
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
      signal,
      this.#requestTimeoutMs,
    );
    try {
      const text = await body.text();
      return JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new KubeUnreachableError(what, this.endpoint.server, { cause });
    }
  }

  /**
   * Opens `pods/{name}/log` with timestamps; resolves once the API server answered 200 with the body as a
   * byte stream (ends at the end of the log, or errors when the connection breaks).
   */
  async openLog(namespace: string, pod: string, req: LogRequest, signal?: AbortSignal): Promise<Readable> {
    const q = new URLSearchParams({ container: req.container, timestamps: 'true' });
    if (req.follow) q.set('follow', 'true');
    if (req.previous) q.set('previous', 'true');
    if (req.sinceTime !== undefined) q.set('sinceTime', req.sinceTime);
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q}`;
    const body = await this.#send(
      `stream the log of container ${req.container}${req.previous ? ' (previous run)' : ''}`,
      path,
      signal,
      req.follow ? this.#idleMs : this.#requestTimeoutMs,
    );
    return body as unknown as Readable;
  }

  async #send(
    what: string,
    path: string,
    signal: AbortSignal | undefined,
    bodyTimeout: number,
  ): Promise<Dispatcher.ResponseData['body']> {
    for (let attempt = 0; ; attempt++) {
      let res: Dispatcher.ResponseData;
      try {
        res = await this.endpoint.dispatcher.request({
          origin: this.#origin,
          path: this.#base + path,
          method: 'GET',
          headers: { ...(await this.endpoint.authHeaders(attempt > 0)), accept: 'application/json, */*' },
          headersTimeout: this.#requestTimeoutMs,
          bodyTimeout,
          signal: signal ?? null,
        });
      } catch (cause) {
        if (signal?.aborted) throw cause;
        if (cause instanceof KubeConfigError) throw cause;
        throw new KubeUnreachableError(what, this.endpoint.server, { cause });
      }
      if (res.statusCode === 200) return res.body;
      let text = '';
      try {
        text = await res.body.text();
      } catch {
        // The error body is only for the message; the status says enough without it.
      }
      // A rotated token: read it again once before giving up.
      if (res.statusCode === 401 && attempt === 0) continue;
      let reason = '';
      let message = text.slice(0, 500);
      try {
        const status = JSON.parse(text) as { reason?: string; message?: string };
        reason = status.reason ?? '';
        message = status.message ?? message;
      } catch {
        // Not a Status object (a proxy's HTML page, say): keep the raw text.
      }
      throw new KubeApiError(what, res.statusCode, reason, message);
    }
  }
}

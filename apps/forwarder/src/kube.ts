import { access } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import {
  type ConfigurationOptions,
  CoreV1Api,
  KubeConfig,
  Log,
  Observable,
  type RequestContext,
} from '@kubernetes/client-node';
import { KubeApiError, KubeConfigError, KubeUnreachableError } from './errors.js';

/**
 * A loaded @kubernetes/client-node configuration with the two API objects the forwarder uses. Two sources:
 * the pod's service account (in-cluster, the normal case) and a kubeconfig file (outside a cluster, tests).
 */
export interface KubeEndpoint {
  /** Base URL of the API server, no trailing slash. */
  readonly server: string;
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly log: Log;
  close(): Promise<void>;
}

/** The service-account files the kubelet mounts into every pod that has a token. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  /** `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT`, checked here; client-node reads them itself. */
  host: string | undefined;
  port: string | undefined;
  /**
   * Prefix of the service-account mount (`KubeConfig.loadFromCluster(pathPrefix)`): the files are read from
   * `${pathPrefix}/var/run/secrets/kubernetes.io/serviceaccount`. Empty (the default) in a pod.
   */
  pathPrefix?: string;
}

function endpointOf(kc: KubeConfig): KubeEndpoint {
  const server = (kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
  return {
    server,
    config: kc,
    core: kc.makeApiClient(CoreV1Api),
    log: new Log(kc),
    // client-node opens its connections per request (node-fetch with its own agents): nothing to close.
    close: async () => {},
  };
}

/**
 * The in-cluster endpoint through `KubeConfig.loadFromCluster()`: `https://$KUBERNETES_SERVICE_HOST:$PORT`,
 * the cluster CA and the projected token, which client-node re-reads every minute (as client-go does), so
 * the kubelet's token rotation never breaks a long-lived stream.
 */
export async function inClusterEndpoint(opts: InClusterOptions): Promise<KubeEndpoint> {
  const prefix = opts.pathPrefix ?? '';
  if (!opts.host || !opts.port)
    throw new KubeConfigError(
      'not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset (set KUBECONFIG to run the forwarder outside a cluster)',
    );
  const dir = `${prefix}${SERVICE_ACCOUNT_DIR}`;
  for (const file of ['ca.crt', 'token'])
    try {
      await access(`${dir}/${file}`);
    } catch (cause) {
      throw new KubeConfigError(
        `cannot read ${dir}/${file}: ${(cause as Error).message} (is the service-account token mounted? \`logtap tap\` mounts one when automounting is off)`,
        { cause },
      );
    }
  const kc = new KubeConfig();
  kc.loadFromCluster(prefix);
  return endpointOf(kc);
}

/**
 * An endpoint from a kubeconfig file, resolved by @kubernetes/client-node (every auth method it supports:
 * tokens, client certificates, exec plugins, OIDC).
 */
export async function kubeconfigEndpoint(path: string, context?: string): Promise<KubeEndpoint> {
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
  return endpointOf(kc);
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

/** What client-node throws for an error status (`ApiException`), recognised without importing it. */
interface ApiExceptionLike {
  code: number;
  body: unknown;
  headers: Record<string, string>;
  message: string;
}

function isApiException(e: unknown): e is ApiExceptionLike {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'number' && 'headers' in e;
}

/** `reason` and `message` of a Status body (a JSON string or object), or the raw text. */
function statusOf(body: unknown): { reason: string; message: string } {
  let status: unknown = body;
  if (typeof body === 'string')
    try {
      status = JSON.parse(body);
    } catch {
      // Not a Status object (a proxy's HTML page, say): keep the raw text.
      return { reason: '', message: body.slice(0, 500) };
    }
  if (status && typeof status === 'object') {
    const s = status as { reason?: unknown; message?: unknown };
    return {
      reason: typeof s.reason === 'string' ? s.reason : '',
      message: typeof s.message === 'string' ? s.message : '',
    };
  }
  return { reason: '', message: '' };
}

function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'ETIMEDOUT' });
}

/**
 * The two API calls the forwarder makes, through @kubernetes/client-node: `CoreV1Api.readNamespacedPod`
 * and a container's log streamed by its `Log` class.
 */
export class KubeClient {
  readonly #requestTimeoutMs: number;
  readonly #idleMs: number;

  constructor(
    readonly endpoint: KubeEndpoint,
    opts: KubeClientOptions = {},
  ) {
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.#idleMs = opts.streamIdleTimeoutMs ?? 300_000;
  }

  /** GET /api/v1/namespaces/{ns}/pods/{name} as plain JSON (the API's field names and string timestamps). */
  async getPod(namespace: string, name: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const what = `get pod ${namespace}/${name}`;
    let pod: unknown;
    try {
      pod = await this.endpoint.core.readNamespacedPod({ name, namespace }, this.#withSignal(signal));
    } catch (cause) {
      throw this.#translate(what, cause, signal);
    }
    // client-node hands back model objects with Date fields; JSON gives the wire shape podView reads.
    return JSON.parse(JSON.stringify(pod)) as Record<string, unknown>;
  }

  /**
   * Opens `pods/{name}/log` with timestamps; resolves once the API server answered 200 with the body as a
   * byte stream, which ends at the end of the log and errors when the connection breaks, when `signal`
   * aborts, or when a follow stream stays silent for the idle timeout.
   */
  async openLog(namespace: string, pod: string, req: LogRequest, signal?: AbortSignal): Promise<Readable> {
    const what = `stream the log of container ${req.container}${req.previous ? ' (previous run)' : ''}`;
    signal?.throwIfAborted();
    const out = new PassThrough();
    // client-node pipes node-fetch's body into `out` with `pipe()`, which forwards neither an error nor a
    // premature close: a connection broken mid-stream would leave `out` open forever. The 'pipe' event
    // hands us the body so both end `out` with an error the reader treats as a reconnect.
    out.once('pipe', (src: Readable) => {
      src.once('error', (err) => out.destroy(err));
      src.once('close', () => {
        if (!src.readableEnded) out.destroy(new Error(`${what}: the connection closed before the log's end`));
      });
      src.on('data', arm);
    });
    const idleMs = req.follow ? this.#idleMs : this.#requestTimeoutMs;
    let controller: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    function arm() {
      if (timer) timer.refresh();
    }
    const stop = (err: Error) => {
      // `out` first, so its error is ours and not the abort's echo from the body.
      if (!out.destroyed) out.destroy(err);
      controller?.abort();
    };
    const onAbort = () => stop(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    const started = this.endpoint.log.log(namespace, pod, req.container, out, {
      follow: req.follow,
      previous: req.previous ?? false,
      timestamps: true,
      ...(req.sinceTime !== undefined ? { sinceTime: req.sinceTime } : {}),
    });
    // Log.log resolves only once the response headers arrived and cannot be cancelled before: bound the
    // wait, and abort a response that arrives after we gave up.
    let giveUp: ((e: Error) => void) | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      giveUp = reject;
    });
    const headersTimer = setTimeout(
      () => giveUp?.(timeoutError(what, this.#requestTimeoutMs)),
      this.#requestTimeoutMs,
    );
    const abortWait = () => giveUp?.(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', abortWait, { once: true });
    try {
      controller = await Promise.race([started, gaveUp]);
    } catch (cause) {
      started.then(
        (c) => c.abort(),
        () => {
          // The request failed after we stopped waiting for it: nothing is open.
        },
      );
      out.destroy();
      if (signal?.aborted) throw cause;
      throw await this.#logError(what, namespace, pod, req, cause);
    } finally {
      clearTimeout(headersTimer);
      signal?.removeEventListener('abort', abortWait);
    }
    if (out.destroyed) return out; // a short body already came and went while Log.log returned
    signal?.addEventListener('abort', onAbort, { once: true });
    // Silent for `idleMs` while nothing waits unread in `out` (a paused reader is not a silent server).
    timer = setTimeout(function idle() {
      if (out.readableLength > 0 || out.writableLength > 0) timer = setTimeout(idle, idleMs);
      else stop(Object.assign(new Error(`${what}: no data for ${idleMs} ms`), { code: 'ETIMEDOUT' }));
    }, idleMs);
    out.once('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
    });
    return out;
  }

  /**
   * Turns what `Log.log` threw into a typed error. It hides the Status of non-500 answers (its message is
   * "Error occurred in log request"), so the same request is re-issued without follow and limited to one
   * byte through `readNamespacedPodLog` (which has no sinceTime; the refusals do not depend on it), whose
   * error carries the body; a network failure (reported as a 500
   * without headers) is re-tried as a cheap `readNamespacedPod` to learn the cause.
   */
  async #logError(
    what: string,
    namespace: string,
    pod: string,
    req: LogRequest,
    cause: unknown,
  ): Promise<Error> {
    if (!isApiException(cause)) return this.#translate(what, cause, undefined);
    const fromNetwork = cause.code === 500 && Object.keys(cause.headers ?? {}).length === 0;
    if (fromNetwork) {
      try {
        await this.endpoint.core.readNamespacedPod({ name: pod, namespace }, this.#withSignal(undefined));
      } catch (probe) {
        if (!isApiException(probe))
          return new KubeUnreachableError(what, this.endpoint.server, { cause: probe });
      }
      return new KubeUnreachableError(what, this.endpoint.server, { cause });
    }
    if (cause.code === 500) {
      const s = statusOf(cause.body);
      return new KubeApiError(what, 500, s.reason, s.message || cause.message, { cause });
    }
    try {
      await this.endpoint.core.readNamespacedPodLog(
        {
          name: pod,
          namespace,
          container: req.container,
          previous: req.previous ?? false,
          limitBytes: 1,
          timestamps: true,
        },
        this.#withSignal(undefined),
      );
    } catch (probe) {
      if (isApiException(probe) && probe.code === cause.code) {
        const s = statusOf(probe.body);
        if (s.message) return new KubeApiError(what, cause.code, s.reason, s.message, { cause });
      }
    }
    return new KubeApiError(what, cause.code, '', 'the API server gave no reason', { cause });
  }

  #translate(what: string, cause: unknown, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return cause as Error;
    if (cause instanceof KubeConfigError) return cause;
    if (isApiException(cause)) {
      const s = statusOf(cause.body);
      return new KubeApiError(what, cause.code, s.reason, s.message || 'the API server gave no reason', {
        cause,
      });
    }
    return new KubeUnreachableError(what, this.endpoint.server, { cause });
  }

  /** Request options carrying the caller's signal and the request timeout to client-node's fetch. */
  #withSignal(signal: AbortSignal | undefined): ConfigurationOptions {
    const timeout = AbortSignal.timeout(this.#requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return {
      middleware: [
        {
          pre: (ctx: RequestContext) => {
            ctx.setSignal(combined);
            return new Observable(Promise.resolve(ctx));
          },
          post: (res) => new Observable(Promise.resolve(res)),
        },
      ],
      middlewareMergeStrategy: 'append',
    };
  }
}

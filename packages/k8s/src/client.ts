import {
  type ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  createConfiguration,
  PatchStrategy,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  setHeaderOptions,
  VersionApi,
} from '@kubernetes/client-node';
import type { WorkloadKind, WorkloadRef } from './constants.js';
import {
  ClusterUnreachableError,
  ConflictError,
  ForbiddenError,
  K8sError,
  KubeApiError,
  NotFoundError,
  UnauthorizedError,
} from './errors.js';
import type { KubeConnection } from './kubeconfig.js';
import type { JsonObject, PodTemplate } from './patch.js';

/** A JSON Patch operation (RFC 6902). */
export interface PatchOp {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
}

/** A workload as plain JSON (nothing the client library does not model is dropped from what we show). */
export interface Workload extends WorkloadRef {
  object: JsonObject;
  template: PodTemplate;
  resourceVersion: string;
  labels: Record<string, string>;
  /** spec.replicas (default 1); for a DaemonSet, status.desiredNumberScheduled. */
  replicas: number;
  selector: { matchLabels?: Record<string, string>; matchExpressions?: JsonObject[] } | undefined;
}

export interface KubeClientOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Plain JSON of a client-node model (its field names equal the wire names for the types used here). */
export function toPlain<T = JsonObject>(o: unknown): T {
  return JSON.parse(JSON.stringify(o ?? null)) as T;
}

function statusOf(e: ApiException<unknown>): { message: string; reason: string } {
  const raw = e.body;
  let body: { message?: string; reason?: string } | undefined;
  if (typeof raw === 'string') {
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      body = { message: raw.slice(0, 300) };
    }
  } else if (raw && typeof raw === 'object') body = raw as typeof body;
  return { message: body?.message ?? `HTTP ${e.code}`, reason: body?.reason ?? '' };
}

/**
 * The Kubernetes calls logtap makes, through @kubernetes/client-node, with errors translated into
 * @logtap/k8s errors: network failures → ClusterUnreachableError, 403 → ForbiddenError, 404 →
 * NotFoundError, 409 → ConflictError, other statuses → KubeApiError.
 */
export class KubeClient {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly authz: AuthorizationV1Api;
  readonly versionApi: VersionApi;

  constructor(
    readonly connection: KubeConnection,
    opts: KubeClientOptions = {},
  ) {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const config = createConfiguration({
      baseServer: new ServerConfiguration(connection.server, {}),
      authMethods: { default: connection.kubeConfig },
      promiseMiddleware: [
        {
          pre: async (ctx) => {
            ctx.setSignal(AbortSignal.timeout(timeoutMs));
            return ctx;
          },
          post: async (res) => res,
        },
      ],
    });
    this.core = new CoreV1Api(config);
    this.apps = new AppsV1Api(config);
    this.rbac = new RbacAuthorizationV1Api(config);
    this.authz = new AuthorizationV1Api(config);
    this.versionApi = new VersionApi(config);
  }

  /** Runs one API call, translating its failure; `what` names it in messages (`patch deployment/api`). */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.translate(what, err);
    }
  }

  translate(what: string, err: unknown): Error {
    if (err instanceof K8sError) return err;
    const e = err as {
      code?: unknown;
      body?: unknown;
      name?: string;
      type?: string;
      errno?: string;
      message?: string;
      cause?: { code?: string };
    };
    if (typeof e.code === 'number' && 'body' in (e as object)) {
      const { message, reason } = statusOf(e as ApiException<unknown>);
      const text = `${what}: ${message}`;
      switch (e.code) {
        case 401:
          return new UnauthorizedError(
            `${text} (the API server rejected the kubeconfig's credentials for ${this.connection.server}; log in again or refresh the token)`,
            401,
            reason || 'Unauthorized',
            { cause: err },
          );
        case 403:
          return new ForbiddenError(text, 403, reason || 'Forbidden', { cause: err });
        case 404:
          return new NotFoundError(text, 404, reason || 'NotFound', { cause: err });
        case 409:
          return new ConflictError(text, 409, reason || 'Conflict', { cause: err });
        default:
          return new KubeApiError(text, e.code, reason, { cause: err });
      }
    }
    const netCode = typeof e.code === 'string' ? e.code : (e.errno ?? e.cause?.code);
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.type === 'aborted') {
      return new ClusterUnreachableError(this.connection.server, `${what} timed out`, { cause: err });
    }
    if (e.name === 'FetchError' || (netCode && NETWORK_CODES.has(netCode))) {
      return new ClusterUnreachableError(this.connection.server, `${what}: ${e.message ?? netCode}`, {
        cause: err,
      });
    }
    return err instanceof Error ? err : new Error(String(err));
  }

  async version(): Promise<{ gitVersion: string; major: string; minor: string; platform: string }> {
    const v = await this.call('get server version', () => this.versionApi.getCode());
    return { gitVersion: v.gitVersion, major: v.major, minor: v.minor, platform: v.platform };
  }

  async readNamespace(name: string): Promise<JsonObject> {
    return toPlain(await this.call(`get namespace/${name}`, () => this.core.readNamespace({ name })));
  }

  async readWorkload(ref: WorkloadRef): Promise<Workload> {
    const what = `get ${ref.kind.toLowerCase()}/${ref.name} in namespace ${ref.namespace}`;
    const p = { name: ref.name, namespace: ref.namespace };
    const o =
      ref.kind === 'Deployment'
        ? await this.call(what, () => this.apps.readNamespacedDeployment(p))
        : ref.kind === 'StatefulSet'
          ? await this.call(what, () => this.apps.readNamespacedStatefulSet(p))
          : await this.call(what, () => this.apps.readNamespacedDaemonSet(p));
    return toWorkload(ref.kind, toPlain(o));
  }

  /** Workloads of every kind in a namespace (all namespaces when `namespace` is undefined). */
  async listWorkloads(namespace: string | undefined, labelSelector?: string): Promise<Workload[]> {
    const out: Workload[] = [];
    const q = labelSelector ? { labelSelector } : {};
    const where = namespace ? `in namespace ${namespace}` : 'in all namespaces';
    const lists: [WorkloadKind, () => Promise<{ items: unknown[] }>][] = namespace
      ? [
          ['Deployment', () => this.apps.listNamespacedDeployment({ namespace, ...q })],
          ['StatefulSet', () => this.apps.listNamespacedStatefulSet({ namespace, ...q })],
          ['DaemonSet', () => this.apps.listNamespacedDaemonSet({ namespace, ...q })],
        ]
      : [
          ['Deployment', () => this.apps.listDeploymentForAllNamespaces(q)],
          ['StatefulSet', () => this.apps.listStatefulSetForAllNamespaces(q)],
          ['DaemonSet', () => this.apps.listDaemonSetForAllNamespaces(q)],
        ];
    for (const [kind, list] of lists) {
      const res = await this.call(`list ${kind.toLowerCase()}s ${where}`, list);
      for (const item of res.items) out.push(toWorkload(kind, toPlain(item)));
    }
    return out;
  }

  /** Applies a JSON Patch to a workload and returns the result. */
  async patchWorkload(ref: WorkloadRef, ops: readonly PatchOp[], dryRun = false): Promise<Workload> {
    const what = `patch ${ref.kind.toLowerCase()}/${ref.name} in namespace ${ref.namespace}`;
    const p = {
      name: ref.name,
      namespace: ref.namespace,
      body: ops as object[],
      ...(dryRun ? { dryRun: 'All' } : {}),
    };
    const h = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    const o =
      ref.kind === 'Deployment'
        ? await this.call(what, () => this.apps.patchNamespacedDeployment(p, h))
        : ref.kind === 'StatefulSet'
          ? await this.call(what, () => this.apps.patchNamespacedStatefulSet(p, h))
          : await this.call(what, () => this.apps.patchNamespacedDaemonSet(p, h));
    return toWorkload(ref.kind, toPlain(o));
  }

  /** Pods matching a label selector in a namespace, as plain JSON. */
  async listPods(namespace: string, labelSelector: string): Promise<JsonObject[]> {
    const res = await this.call(`list pods in namespace ${namespace}`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector }),
    );
    return res.items.map((p) => toPlain(p));
  }
}

/** Builds a Workload from a plain workload object. */
export function toWorkload(kind: WorkloadKind, o: JsonObject): Workload {
  const meta = (o.metadata ?? {}) as {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
  };
  const spec = (o.spec ?? {}) as {
    replicas?: number;
    template?: PodTemplate;
    selector?: Workload['selector'];
  };
  const status = (o.status ?? {}) as { desiredNumberScheduled?: number };
  return {
    kind,
    name: meta.name ?? '',
    namespace: meta.namespace ?? '',
    object: o,
    template: spec.template ?? {},
    resourceVersion: meta.resourceVersion ?? '',
    labels: meta.labels ?? {},
    replicas: kind === 'DaemonSet' ? (status.desiredNumberScheduled ?? 1) : (spec.replicas ?? 1),
    selector: spec.selector,
  };
}

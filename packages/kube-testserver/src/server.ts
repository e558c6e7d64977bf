import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Authorizer, forbiddenMessage, type RequestAttributes } from './authz.js';
import { type ControllerOptions, Controllers } from './controllers.js';
import { Faults } from './faults.js';
import { applyPatchBody } from './patch.js';
import { PodLogs } from './pod-logs.js';
import {
  findType,
  groupVersion,
  qualifiedName,
  RESOURCE_TYPES,
  type ResourceType,
  typeOfKind,
  verbsOf,
} from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selector.js';
import { ApiStatusError, type StatusBody, statusErrors, successStatus } from './status.js';
import { type KubeObject, ObjectStore } from './store.js';
import { PodStreams } from './streams.js';

export interface KubeTestServerOptions {
  /** Bearer tokens the server accepts and the user each one authenticates (default `test-token` → `test-user`). */
  tokens?: Record<string, string>;
  /** Answer 401 to requests without a known bearer token (default true, as a real cluster). */
  requireAuth?: boolean;
  /** What `/version` reports. */
  version?: Partial<VersionInfo>;
  controllers?: ControllerOptions;
  now?: () => Date;
  /** Clock of container log lines in ns since the epoch (default: wall clock with ns resolution). */
  logClock?: () => bigint;
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** One served request, for tests that assert what a client did (e.g. "no PUT on deployments"). */
export interface RequestRecord {
  method: string;
  path: string;
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  contentType: string;
  status: number;
}

/** A resolved resource request: what the URL names. */
export interface ResourceRequest {
  type: ResourceType;
  namespace: string;
  name: string;
  subresource: string;
  attrs: RequestAttributes;
  query: URLSearchParams;
}

/** Handler of a subresource the generic code does not serve (the forwarder issue adds `pods/log`). */
export type SubresourceHandler = (
  r: ResourceRequest,
  req: IncomingMessage,
  res: ServerResponse,
  server: KubeTestServer,
) => Promise<void> | void;

export interface KubeconfigOptions {
  context?: string;
  namespace?: string;
  token?: string;
}

const json = (res: ServerResponse, code: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

async function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw statusErrors.custom(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a create/update body; only JSON is spoken here (no protobuf, no CBOR): anything else is a 415. */
async function readJsonBody(req: IncomingMessage): Promise<string> {
  const type = String(req.headers['content-type'] ?? 'application/json')
    .split(';')[0]!
    .trim();
  if (type !== 'application/json' && type !== '*/*') throw statusErrors.unsupportedMediaType(type);
  return readBody(req);
}

function parseJson(text: string): KubeObject {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as KubeObject;
  } catch (err) {
    throw statusErrors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

/** Answers an upgrade request with a Status error instead of switching protocols. */
function rejectUpgrade(socket: Duplex, status: StatusBody): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Wall-clock time in ns with the resolution of the monotonic clock (Date.now() alone has ms). */
function wallClockNs(): () => bigint {
  const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => origin + process.hrtime.bigint();
}

const VERB_OF_METHOD: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * A small Kubernetes API server on 127.0.0.1 for tests: discovery, namespaced and cluster-scoped
 * resources with get/list/create/update/patch/delete, label and field selectors, resourceVersion
 * conflicts, JSON / merge / strategic merge patch, dryRun, Status error bodies, bearer-token
 * authentication, an RBAC-like authorizer with SelfSubjectAccessReview, fault injection and a rollout
 * controller. Start it with {@link startKubeTestServer}.
 */
export class KubeTestServer {
  readonly store: ObjectStore;
  readonly authz = new Authorizer();
  readonly faults = new Faults();
  readonly controllers: Controllers;
  readonly requests: RequestRecord[] = [];
  /** Subresource handlers keyed `pods/log`; extend the server by adding to it. */
  readonly subresources = new Map<string, SubresourceHandler>();
  /** Container logs behind `pods/log`: tests start containers, append lines, cut streams. */
  readonly logs: PodLogs;
  /** `pods/exec` and `pods/portforward` over WebSocket: tests say what an exec runs, where a port goes. */
  readonly streams = new PodStreams();
  private readonly tokens: Record<string, string>;
  private readonly requireAuth: boolean;
  private readonly versionInfo: VersionInfo;
  private server: Server | undefined;
  url = '';
  port = 0;

  constructor(opts: KubeTestServerOptions = {}) {
    this.store = new ObjectStore(opts.now);
    this.controllers = new Controllers(this.store, {
      ...(opts.now ? { now: opts.now } : {}),
      ...opts.controllers,
    });
    this.logs = new PodLogs(this.store, opts.logClock ?? wallClockNs());
    this.subresources.set('pods/log', this.logs.handler);
    this.tokens = opts.tokens ?? { 'test-token': 'test-user' };
    this.requireAuth = opts.requireAuth ?? true;
    this.versionInfo = {
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.0-logtap-testserver',
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2026-01-01T00:00:00Z',
      goVersion: 'go1.23.0',
      compiler: 'gc',
      platform: 'linux/amd64',
      ...opts.version,
    };
  }

  async listen(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        const status =
          err instanceof ApiStatusError ? err.status : statusErrors.internal((err as Error).message).status;
        rejectUpgrade(socket, status);
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.streams.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** A kubeconfig (JSON, which every kubeconfig reader accepts as YAML) pointing at this server. */
  kubeconfig(opts: KubeconfigOptions = {}): string {
    const context = opts.context ?? 'logtap-test';
    const ctx: Record<string, string> = { cluster: 'logtap-test', user: 'logtap-test' };
    if (opts.namespace) ctx.namespace = opts.namespace;
    return JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'logtap-test', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
        users: [
          { name: 'logtap-test', user: { token: opts.token ?? Object.keys(this.tokens)[0] ?? 'test-token' } },
        ],
        contexts: [{ name: context, context: ctx }],
        'current-context': context,
      },
      null,
      2,
    );
  }

  // ---- seeding helpers for tests -------------------------------------------------------------------

  /** Creates a namespace with labels / annotations. */
  createNamespace(
    name: string,
    labels: Record<string, string> = {},
    annotations?: Record<string, string>,
  ): KubeObject {
    const metadata: Record<string, unknown> = { name, labels };
    if (annotations) metadata.annotations = annotations;
    return this.store.create(typeOfKind('Namespace'), { metadata });
  }

  /** Creates an object from a manifest (kind picks the resource), or replaces it if it exists. */
  apply(obj: KubeObject): KubeObject {
    const t = typeOfKind(String(obj.kind));
    const m = obj.metadata ?? {};
    const existing = this.store.get(t, m.namespace ?? '', m.name ?? '');
    if (!existing) return this.store.create(t, obj);
    const { resourceVersion: _rv, ...meta } = m;
    return this.store.replace(t, { ...obj, metadata: meta });
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.store.get(typeOfKind(kind), namespace, name);
  }

  list(kind: string, namespace?: string): KubeObject[] {
    return this.store.list(typeOfKind(kind), namespace);
  }

  // ---- request handling ------------------------------------------------------------------------------

  /** WebSocket upgrades: `pods/exec` and `pods/portforward` (authorized as `create`, as the real server). */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: RequestRecord = {
      method: 'GET',
      path: url.pathname + url.search,
      verb: 'create',
      resource: '',
      namespace: '',
      name: '',
      contentType: '',
      status: 101,
    };
    this.requests.push(record);
    const user = this.user(req);
    if (!user) {
      record.status = 401;
      throw statusErrors.custom(401, 'Unauthorized', 'Unauthorized');
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward|attach)$/.exec(url.pathname);
    if (!m) {
      record.status = 404;
      throw statusErrors.notFoundPath();
    }
    const [, namespace, name, sub] = m as unknown as [
      string,
      string,
      string,
      'exec' | 'portforward' | 'attach',
    ];
    Object.assign(record, { resource: `pods/${sub}`, namespace, name });
    const attrs = {
      user,
      verb: 'create',
      group: '',
      resource: 'pods',
      subresource: sub,
      namespace,
      name,
    };
    const decision = this.authz.check(attrs);
    if (!decision.allowed) {
      record.status = 403;
      throw statusErrors.forbidden(forbiddenMessage(attrs, 'pods'), typeOfKind('Pod'), name);
    }
    const pod = this.store.get(typeOfKind('Pod'), namespace, name);
    if (!pod) {
      record.status = 404;
      throw statusErrors.notFound(typeOfKind('Pod'), name);
    }
    if (sub === 'attach') {
      record.status = 400;
      throw statusErrors.badRequest('attach is not served by the test server');
    }
    if (sub === 'exec') {
      const container = url.searchParams.get('container') ?? '';
      const statuses = ((pod.status as Record<string, unknown> | undefined)?.containerStatuses ??
        []) as Array<Record<string, unknown>>;
      const st = statuses.find((c) => c.name === container);
      if (container && !(st?.state as Record<string, unknown> | undefined)?.running) {
        record.status = 400;
        throw statusErrors.badRequest(
          `unable to upgrade connection: container not found ("${container}") or not running`,
        );
      }
    }
    this.streams.accept(sub, namespace, name, url.searchParams, req, socket, head);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const status: StatusBody =
      err instanceof ApiStatusError
        ? err.status
        : statusErrors.internal((err as Error)?.message ?? String(err)).status;
    if (!res.headersSent) json(res, status.code, status);
    else res.destroy();
  }

  private user(req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m) return this.tokens[m[1]!.trim()];
    return this.requireAuth ? undefined : 'system:anonymous';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const record: RequestRecord = {
      method,
      path: url.pathname + url.search,
      verb: '',
      resource: '',
      namespace: '',
      name: '',
      contentType: String(req.headers['content-type'] ?? ''),
      status: 0,
    };
    this.requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const user = this.user(req);
    if (!user) {
      json(res, 401, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      return;
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET' && this.discovery(path, res)) return;
    const r = this.resolve(path, method, url.searchParams, user);
    if (!r) throw statusErrors.notFoundPath();
    Object.assign(record, {
      verb: r.attrs.verb,
      resource: r.attrs.subresource ? `${r.attrs.resource}/${r.attrs.subresource}` : r.attrs.resource,
      namespace: r.namespace,
      name: r.name,
    });
    if (r.type.kind === 'SelfSubjectAccessReview') {
      if (method !== 'POST')
        throw statusErrors.methodNotAllowed(
          `the server does not allow this method on the requested resource`,
        );
      json(res, 201, this.selfSubjectAccessReview(parseJson(await readJsonBody(req)), user));
      return;
    }
    const decision = this.authz.check(r.attrs);
    if (!decision.allowed)
      throw statusErrors.forbidden(forbiddenMessage(r.attrs, qualifiedName(r.type)), r.type, r.name);
    for (const fault of this.faults.take(r.attrs)) {
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.before) await fault.before(this.store, r.attrs);
      if (fault.respond) {
        const { code, reason = 'InternalError', message = 'injected fault' } = fault.respond;
        throw statusErrors.custom(code, reason, message);
      }
    }
    const custom = r.subresource ? this.subresources.get(`${r.type.plural}/${r.subresource}`) : undefined;
    if (custom) {
      await custom(r, req, res, this);
      return;
    }
    if (r.subresource && !r.type.subresources.includes(r.subresource)) throw statusErrors.notFoundPath();
    await this.serve(r, method, req, res);
  }

  private async serve(
    r: ResourceRequest,
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { type: t, namespace: ns, name } = r;
    const dryRun = r.query.getAll('dryRun').includes('All');
    if (
      t.namespaced &&
      ns &&
      t.kind !== 'Namespace' &&
      !this.store.get(typeOfKind('Namespace'), '', ns) &&
      method !== 'GET'
    ) {
      throw statusErrors.notFound(typeOfKind('Namespace'), ns);
    }
    switch (r.attrs.verb) {
      case 'get':
        json(res, 200, this.store.mustGet(t, ns, name));
        return;
      case 'list': {
        if (r.query.get('watch') === 'true' || r.query.get('watch') === '1') {
          throw statusErrors.methodNotAllowed('watch is not implemented by the test server yet');
        }
        const labels = parseLabelSelector(r.query.get('labelSelector') ?? '');
        const fields = parseFieldSelector(r.query.get('fieldSelector') ?? '', t.kind);
        const items = this.store
          .list(t, t.namespaced && ns ? ns : undefined)
          .filter((o) => matchesLabels(labels, o.metadata?.labels) && matchesFields(fields, o))
          .map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
        json(res, 200, {
          kind: `${t.kind}List`,
          apiVersion: groupVersion(t),
          metadata: { resourceVersion: this.store.resourceVersion() },
          items,
        });
        return;
      }
      case 'create': {
        const body = parseJson(await readJsonBody(req));
        if (body.kind && body.kind !== t.kind)
          throw statusErrors.badRequest(
            `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${groupVersion(t)})`,
          );
        const meta = { ...(body.metadata ?? {}) };
        if (t.namespaced) {
          if (meta.namespace && meta.namespace !== ns)
            throw statusErrors.badRequest(
              'the namespace of the provided object does not match the namespace sent on the request',
            );
          meta.namespace = ns;
        }
        json(res, 201, this.store.create(t, { ...body, metadata: meta }, { dryRun }));
        return;
      }
      case 'update': {
        const body = parseJson(await readJsonBody(req));
        json(
          res,
          200,
          this.store.replace(t, body, { dryRun, subresource: r.subresource, namespace: ns, name }),
        );
        return;
      }
      case 'patch': {
        const current = this.store.mustGet(t, ns, name);
        const patched = applyPatchBody(
          current,
          String(req.headers['content-type'] ?? ''),
          await readBody(req),
        );
        const pm = patched.metadata ?? {};
        if (pm.name !== name || (t.namespaced && pm.namespace !== ns)) {
          throw statusErrors.badRequest('metadata.name and metadata.namespace cannot be changed by a patch');
        }
        // The patched object carries a resourceVersion: if the patch set it to something else than the
        // current one, the update below is a 409 Conflict (optimistic concurrency, as the real server).
        json(
          res,
          200,
          this.store.replace(t, patched, { dryRun, subresource: r.subresource, namespace: ns, name }),
        );
        return;
      }
      case 'delete': {
        const deleted = this.store.delete(t, ns, name, { dryRun });
        json(
          res,
          200,
          t.kind === 'Namespace' || t.kind === 'Pod'
            ? deleted
            : successStatus(t, name, deleted.metadata?.uid),
        );
        return;
      }
      default:
        throw statusErrors.methodNotAllowed(
          `the server does not allow this method on the requested resource`,
        );
    }
  }

  private selfSubjectAccessReview(body: KubeObject, user: string): KubeObject {
    const spec = (body.spec ?? {}) as {
      resourceAttributes?: Record<string, string>;
      nonResourceAttributes?: Record<string, string>;
    };
    const ra = spec.resourceAttributes;
    let status: { allowed: boolean; denied?: boolean; reason: string };
    if (ra) {
      const d = this.authz.check({
        user,
        verb: ra.verb ?? '',
        group: ra.group ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource ?? '',
        namespace: ra.namespace ?? '',
        name: ra.name ?? '',
      });
      status = d.allowed
        ? { allowed: true, reason: d.reason }
        : { allowed: false, denied: true, reason: d.reason };
    } else {
      status = { allowed: true, reason: 'non-resource URLs are allowed by the test server' };
    }
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec,
      status,
    };
  }

  /** Maps a URL onto a resource request, or undefined when it names none. */
  private resolve(
    path: string,
    method: string,
    query: URLSearchParams,
    user: string,
  ): ResourceRequest | undefined {
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (seg[0] === 'api' && seg.length >= 2) {
      group = '';
      version = seg[1]!;
      rest = seg.slice(2);
    } else if (seg[0] === 'apis' && seg.length >= 3) {
      group = seg[1]!;
      version = seg[2]!;
      rest = seg.slice(3);
    } else return undefined;
    let namespace = '';
    let plural: string | undefined;
    let name = '';
    let subresource = '';
    const nsType = findType(group, version, rest[2] ?? '');
    if (rest[0] === 'namespaces' && rest.length >= 3 && nsType?.namespaced) {
      namespace = rest[1]!;
      plural = rest[2]!;
      name = rest[3] ?? '';
      subresource = rest[4] ?? '';
      if (rest.length > 5) return undefined;
    } else {
      plural = rest[0];
      name = rest[1] ?? '';
      subresource = rest[2] ?? '';
      if (rest.length > 3) return undefined;
    }
    const type = plural === undefined ? undefined : findType(group, version, plural);
    if (!type) return undefined;
    if (type.kind === 'Namespace' && name) namespace = name;
    let verb = VERB_OF_METHOD[method] ?? 'get';
    if (method === 'GET') verb = name ? 'get' : query.get('watch') === 'true' ? 'watch' : 'list';
    if (method === 'DELETE' && !name) verb = 'deletecollection';
    return {
      type,
      namespace,
      name,
      subresource,
      query,
      attrs: {
        user,
        verb,
        group,
        resource: type.plural,
        subresource,
        namespace: type.namespaced || type.kind === 'Namespace' ? namespace : '',
        name,
      },
    };
  }

  /** Serves /version, /api, /apis and the group-version resource lists; false if `path` is none of them. */
  private discovery(path: string, res: ServerResponse): boolean {
    if (path === '/version') {
      json(res, 200, this.versionInfo);
      return true;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return true;
    }
    const groups = new Map<string, ResourceType[]>();
    for (const t of RESOURCE_TYPES) {
      const gv = groupVersion(t);
      groups.set(gv, [...(groups.get(gv) ?? []), t]);
    }
    if (path === '/api') {
      json(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }],
      });
      return true;
    }
    if (path === '/apis') {
      const list = [...groups.keys()]
        .filter((gv) => gv.includes('/'))
        .map((gv) => {
          const [name, version] = gv.split('/') as [string, string];
          return {
            name,
            versions: [{ groupVersion: gv, version }],
            preferredVersion: { groupVersion: gv, version },
          };
        });
      json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
      return true;
    }
    const m = /^\/api\/(v1)$|^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) {
      const gv = m[1] ?? `${m[2]}/${m[3]}`;
      const types = groups.get(gv);
      if (!types) return false;
      const resources = types.flatMap((t) => [
        {
          name: t.plural,
          singularName: t.singular,
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: verbsOf(t),
          ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        },
        ...t.subresources.map((s) => ({
          name: `${t.plural}/${s}`,
          singularName: '',
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['get', 'patch', 'update'],
        })),
      ]);
      json(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
      return true;
    }
    if (/^\/apis\/[^/]+$/.test(path)) {
      const g = path.slice('/apis/'.length);
      const gv = [...groups.keys()].find((k) => k.startsWith(`${g}/`));
      if (!gv) return false;
      const version = gv.split('/')[1]!;
      json(res, 200, {
        kind: 'APIGroup',
        apiVersion: 'v1',
        name: g,
        versions: [{ groupVersion: gv, version }],
        preferredVersion: { groupVersion: gv, version },
      });
      return true;
    }
    return false;
  }
}

/** Starts a test API server on 127.0.0.1 with an ephemeral port. */
export async function startKubeTestServer(opts: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  return new KubeTestServer(opts).listen();
}

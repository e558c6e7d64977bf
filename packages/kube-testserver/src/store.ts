import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { groupVersion, type ResourceType, typeOfKind } from './resources.js';
import { statusErrors } from './status.js';
import { validateObject } from './validate.js';

/** Any API object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** What a watch would see; emitted on `store.events` as 'event'. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceType;
  object: KubeObject;
}

export interface WriteOptions {
  /** `dryRun=All`: validate and answer, but keep nothing. */
  dryRun?: boolean;
}

const keyOf = (t: ResourceType, ns: string, name: string) => `${t.group}/${t.plural}/${ns}/${name}`;

/**
 * JSON with sorted keys: equality of API objects as the server sees them. (Not util.isDeepStrictEqual,
 * which also compares prototypes and so tells apart equal objects made in different realms.)
 */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function stripForGeneration(o: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

/**
 * The object store: one global resourceVersion counter, uid and creationTimestamp on create,
 * metadata.generation for workloads, status preserved across main-resource writes, no-op writes that do
 * not bump the resourceVersion, and optimistic concurrency on resourceVersion (409 Conflict).
 */
export class ObjectStore {
  private seq = 1000;
  private readonly objects = new Map<string, KubeObject>();
  /** Emits 'event' with a StoreEvent after every change. */
  readonly events = new EventEmitter();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The latest resourceVersion handed out (what a list reports). */
  resourceVersion(): string {
    return String(this.seq);
  }

  get(t: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(keyOf(t, t.namespaced ? namespace : '', name));
    return o ? structuredClone(o) : undefined;
  }

  mustGet(t: ResourceType, namespace: string, name: string): KubeObject {
    const o = this.get(t, namespace, name);
    if (!o) throw statusErrors.notFound(t, name);
    return o;
  }

  /** Objects of a type, in one namespace or all (`undefined`), sorted by namespace then name. */
  list(t: ResourceType, namespace?: string): KubeObject[] {
    const prefix = `${t.group}/${t.plural}/${namespace !== undefined && t.namespaced ? `${namespace}/` : ''}`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => structuredClone(o));
  }

  create(t: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = structuredClone(input);
    const meta: ObjectMeta = { ...(obj.metadata ?? {}) };
    const ns = t.namespaced ? (meta.namespace ?? '') : '';
    if (t.namespaced) {
      if (!ns) throw statusErrors.badRequest('the namespace of the object must be set');
      if (!this.objects.has(keyOf(typeOfKind('Namespace'), '', ns))) {
        throw statusErrors.notFound(typeOfKind('Namespace'), ns);
      }
    } else delete meta.namespace;
    if (!meta.name && typeof meta.generateName === 'string') {
      meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = meta.name ?? '';
    if (this.objects.has(keyOf(t, ns, name))) throw statusErrors.alreadyExists(t, name);
    delete meta.resourceVersion;
    meta.uid = randomUUID();
    meta.creationTimestamp = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    if (t.generation) meta.generation = 1;
    obj.apiVersion = groupVersion(t);
    obj.kind = t.kind;
    obj.metadata = meta;
    if (t.kind === 'Namespace') obj.status = { phase: 'Active', ...((obj.status as object) ?? {}) };
    validateObject(t, obj);
    if (opts.dryRun) return obj;
    meta.resourceVersion = String(++this.seq);
    this.objects.set(keyOf(t, ns, name), obj);
    this.emit('ADDED', t, obj);
    return structuredClone(obj);
  }

  /**
   * Replaces an object (PUT semantics). A resourceVersion or uid in `input` that differs from the stored
   * one is a 409 Conflict. For `subresource: 'status'` only the status is taken from `input`; for the main
   * resource the stored status is kept when the type has a status subresource.
   */
  replace(
    t: ResourceType,
    input: KubeObject,
    opts: WriteOptions & { subresource?: string; namespace?: string; name?: string } = {},
  ): KubeObject {
    const meta = input.metadata ?? {};
    const name = opts.name ?? meta.name ?? '';
    const ns = t.namespaced ? (opts.namespace ?? meta.namespace ?? '') : '';
    const current = this.mustGet(t, ns, name);
    const cm = current.metadata!;
    if (meta.name !== undefined && meta.name !== name) {
      throw statusErrors.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${name})`,
      );
    }
    if (t.namespaced && meta.namespace !== undefined && meta.namespace !== ns) {
      throw statusErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (
      (meta.resourceVersion && meta.resourceVersion !== cm.resourceVersion) ||
      (meta.uid && meta.uid !== cm.uid)
    ) {
      throw statusErrors.conflict(t, name);
    }
    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = structuredClone(current);
      next.status = structuredClone(input.status);
    } else {
      next = structuredClone(input);
      next.metadata = {
        ...structuredClone(meta),
        name,
        uid: cm.uid!,
        creationTimestamp: cm.creationTimestamp!,
      };
      if (t.namespaced) next.metadata.namespace = ns;
      else delete next.metadata.namespace;
      if (t.subresources.includes('status')) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
      if (t.generation) {
        const changed = canonical(stripForGeneration(next)) !== canonical(stripForGeneration(current));
        next.metadata.generation = (cm.generation ?? 1) + (changed ? 1 : 0);
      }
    }
    next.apiVersion = groupVersion(t);
    next.kind = t.kind;
    next.metadata!.resourceVersion = cm.resourceVersion!;
    // A write that changes nothing keeps the resourceVersion and emits no event (as the real server).
    if (canonical(next) === canonical(current)) return current;
    if (opts.subresource !== 'status') validateObject(t, next, current);
    if (opts.dryRun) return next;
    next.metadata!.resourceVersion = String(++this.seq);
    this.objects.set(keyOf(t, ns, name), next);
    this.emit('MODIFIED', t, next);
    return structuredClone(next);
  }

  delete(t: ResourceType, namespace: string, name: string, opts: WriteOptions = {}): KubeObject {
    const ns = t.namespaced ? namespace : '';
    const current = this.mustGet(t, ns, name);
    if (opts.dryRun) return current;
    this.objects.delete(keyOf(t, ns, name));
    if (t.kind === 'Namespace') {
      for (const k of [...this.objects.keys()]) {
        const o = this.objects.get(k)!;
        if (o.metadata?.namespace === name) {
          this.objects.delete(k);
          this.emit('DELETED', typeOfKind(o.kind!), o);
        }
      }
    }
    current.metadata!.resourceVersion = String(++this.seq);
    this.emit('DELETED', t, current);
    return current;
  }

  private emit(type: StoreEvent['type'], resource: ResourceType, object: KubeObject): void {
    this.events.emit('event', { type, resource, object: structuredClone(object) } satisfies StoreEvent);
  }
}

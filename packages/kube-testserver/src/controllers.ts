import { createHash } from 'node:crypto';
import { typeOfKind } from './resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from './store.js';

type Obj = Record<string, unknown>;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export interface ControllerOptions {
  /** `instant`: every workload write is rolled out at once; `manual`: only on `reconcile()`. */
  rollout?: 'instant' | 'manual';
  /** Containers with one of these images never become ready (as with ImagePullBackOff). */
  notReadyImages?: string[];
  now?: () => Date;
}

/**
 * A minimal stand-in for the workload controllers: replaces a workload's pods with pods built from its
 * current template and writes the status fields that `kubectl rollout status` and logtap read.
 */
export class Controllers {
  private readonly mode: 'instant' | 'manual';
  readonly notReadyImages: Set<string>;
  private readonly now: () => Date;
  private busy = false;

  constructor(
    private readonly store: ObjectStore,
    opts: ControllerOptions = {},
  ) {
    this.mode = opts.rollout ?? 'instant';
    this.notReadyImages = new Set(opts.notReadyImages ?? []);
    this.now = opts.now ?? (() => new Date());
    store.events.on('event', (e: StoreEvent) => {
      if (e.type === 'ADDED' && e.resource.kind === 'Namespace') this.seedNamespace(e.object.metadata!.name!);
      if (this.mode !== 'instant' || this.busy || e.type === 'DELETED') return;
      if (!WORKLOAD_KINDS.has(e.resource.kind)) return;
      const m = e.object.metadata!;
      if (m.generation === (e.object.status as Obj | undefined)?.observedGeneration) return;
      this.reconcile(e.resource.kind, m.namespace!, m.name!);
    });
  }

  /** What the real controllers put in every new namespace: the `default` service account and the CA bundle. */
  private seedNamespace(namespace: string): void {
    this.store.create(typeOfKind('ServiceAccount'), { metadata: { name: 'default', namespace } });
    this.store.create(typeOfKind('ConfigMap'), {
      metadata: { name: 'kube-root-ca.crt', namespace },
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n' },
    });
  }

  /** Rolls a workload out now: its pods match its template and its status says so. */
  reconcile(kind: string, namespace: string, name: string): void {
    const t = typeOfKind(kind);
    const w = this.store.get(t, namespace, name);
    if (!w) return;
    this.busy = true;
    try {
      const podType = typeOfKind('Pod');
      const spec = (w.spec ?? {}) as Obj;
      const template = (spec.template ?? {}) as Obj;
      const tmeta = (template.metadata ?? {}) as Obj;
      const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
      const hashLabel = kind === 'Deployment' ? 'pod-template-hash' : 'controller-revision-hash';
      const nodes = this.store.list(typeOfKind('Node')).map((n) => n.metadata!.name!);
      const replicas =
        kind === 'DaemonSet'
          ? Math.max(nodes.length, 1)
          : typeof spec.replicas === 'number'
            ? spec.replicas
            : 1;
      const owned = this.store
        .list(podType, namespace)
        .filter((p) =>
          ((p.metadata?.ownerReferences as Obj[] | undefined) ?? []).some((o) => o.uid === w.metadata!.uid),
        );
      const current = owned.filter((p) => p.metadata?.labels?.[hashLabel] === hash);
      if (current.length !== replicas || current.length !== owned.length) {
        for (const p of owned) this.store.delete(podType, namespace, p.metadata!.name!);
        for (let i = 0; i < replicas; i++)
          this.store.create(podType, this.pod(w, kind, template, tmeta, hash, hashLabel, i, nodes));
      }
      const pods = this.store
        .list(podType, namespace)
        .filter(
          (p) =>
            p.metadata?.labels?.[hashLabel] === hash &&
            ((p.metadata?.ownerReferences as Obj[] | undefined) ?? []).some((o) => o.uid === w.metadata!.uid),
        );
      const ready = pods.filter((p) =>
        ((p.status as Obj).containerStatuses as Obj[]).every((c) => c.ready),
      ).length;
      const gen = w.metadata!.generation;
      let status: Obj;
      if (kind === 'Deployment') {
        status = {
          observedGeneration: gen,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: ready,
          availableReplicas: ready,
        };
        if (ready < replicas) status.unavailableReplicas = replicas - ready;
      } else if (kind === 'StatefulSet') {
        const rev = `${name}-${hash}`;
        status = {
          observedGeneration: gen,
          replicas,
          readyReplicas: ready,
          currentReplicas: replicas,
          updatedReplicas: replicas,
          availableReplicas: ready,
          currentRevision: rev,
          updateRevision: rev,
        };
      } else {
        status = {
          observedGeneration: gen,
          desiredNumberScheduled: replicas,
          currentNumberScheduled: replicas,
          updatedNumberScheduled: replicas,
          numberReady: ready,
          numberAvailable: ready,
          numberMisscheduled: 0,
        };
        if (ready < replicas) status.numberUnavailable = replicas - ready;
      }
      this.store.replace(t, { ...w, status }, { subresource: 'status' });
    } finally {
      this.busy = false;
    }
  }

  private pod(
    w: KubeObject,
    kind: string,
    template: Obj,
    tmeta: Obj,
    hash: string,
    hashLabel: string,
    i: number,
    nodes: string[],
  ): KubeObject {
    const name = w.metadata!.name!;
    const podName =
      kind === 'StatefulSet'
        ? `${name}-${i}`
        : `${name}-${hash.slice(0, 5)}-${String(i).padStart(5, '0').slice(-5)}`;
    const podSpec = structuredClone((template.spec ?? {}) as Obj);
    podSpec.nodeName = nodes[i % Math.max(nodes.length, 1)] ?? 'node-1';
    const started = this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const containerStatuses = ((podSpec.containers as Obj[] | undefined) ?? []).map((c) => {
      const ok = !this.notReadyImages.has(String(c.image));
      return {
        name: c.name,
        image: c.image,
        ready: ok,
        started: ok,
        restartCount: 0,
        state: ok
          ? { running: { startedAt: started } }
          : {
              waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(c.image)}"` },
            },
      };
    });
    const allReady = containerStatuses.every((c) => c.ready);
    return {
      metadata: {
        name: podName,
        namespace: w.metadata!.namespace!,
        labels: { ...((tmeta.labels as Record<string, string>) ?? {}), [hashLabel]: hash },
        annotations: { ...((tmeta.annotations as Record<string, string>) ?? {}) },
        ownerReferences: [
          {
            apiVersion: w.apiVersion,
            kind,
            name,
            uid: w.metadata!.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: podSpec,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: allReady ? 'True' : 'False' }],
        containerStatuses,
        startTime: started,
      },
    };
  }
}

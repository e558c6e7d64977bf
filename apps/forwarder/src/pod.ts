import { parseRfc3339 } from './timestamp.js';

/** Name prefix of logtap's forwarder containers (ours and other sessions'), never forwarded. */
export const FORWARDER_PREFIX = 'logtap-forwarder-';

type Obj = Record<string, unknown>;

/** What the forwarder needs to know about one container of its pod. */
export interface ContainerView {
  name: string;
  /** Init containers (including native sidecars) run before or beside the regular ones. */
  init: boolean;
  state: 'waiting' | 'running' | 'terminated';
  /**
   * The current run: the runtime's containerID, or `#<restartCount>` when the status has none yet. A
   * restart is a new instance with a new, empty log.
   */
  instance: string;
  /** The run before the current one (`lastState.terminated`), whose log `previous=true` still returns. */
  previousInstance: string | undefined;
  restartCount: number;
  /** When the last run of this container ended (ns), from `lastState.terminated.finishedAt`. */
  lastFinishedAt: bigint | undefined;
}

/** The forwarder's own pod as far as it matters: labels, node, and every container's run. */
export interface PodView {
  uid: string;
  labels: Record<string, string>;
  nodeName: string;
  phase: string;
  /** Seconds the kubelet waits between SIGTERM and SIGKILL for this pod. */
  gracePeriodSeconds: number;
  containers: ContainerView[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Reads a Pod (plain API JSON) into a PodView. */
export function podView(pod: Obj): PodView {
  const meta = (pod.metadata ?? {}) as Obj;
  const spec = (pod.spec ?? {}) as Obj;
  const status = (pod.status ?? {}) as Obj;
  const statuses = new Map<string, Obj>();
  for (const s of [
    ...((status.initContainerStatuses as Obj[] | undefined) ?? []),
    ...((status.containerStatuses as Obj[] | undefined) ?? []),
  ])
    statuses.set(str(s.name), s);
  const containers: ContainerView[] = [];
  const add = (list: unknown, init: boolean) => {
    for (const c of (list as Obj[] | undefined) ?? []) {
      const name = str(c.name);
      containers.push(containerView(name, init, statuses.get(name)));
    }
  };
  add(spec.initContainers, true);
  add(spec.containers, false);
  const grace =
    typeof meta.deletionGracePeriodSeconds === 'number'
      ? meta.deletionGracePeriodSeconds
      : typeof spec.terminationGracePeriodSeconds === 'number'
        ? spec.terminationGracePeriodSeconds
        : 30;
  return {
    uid: str(meta.uid),
    labels: { ...((meta.labels as Record<string, string> | undefined) ?? {}) },
    nodeName: str(spec.nodeName),
    phase: str(status.phase),
    gracePeriodSeconds: grace,
    containers,
  };
}

function containerView(name: string, init: boolean, s: Obj | undefined): ContainerView {
  const state = (s?.state ?? {}) as Obj;
  const last = ((s?.lastState ?? {}) as Obj).terminated as Obj | undefined;
  const restartCount = typeof s?.restartCount === 'number' ? s.restartCount : 0;
  const id = str(s?.containerID) || str((state.terminated as Obj | undefined)?.containerID);
  const finished = str(last?.finishedAt);
  return {
    name,
    init,
    state: state.running ? 'running' : state.terminated ? 'terminated' : 'waiting',
    instance: id || `#${restartCount}`,
    previousInstance: last ? str(last.containerID) || `#${restartCount - 1}` : undefined,
    restartCount,
    lastFinishedAt: finished ? parseRfc3339(finished) : undefined,
  };
}

/** The `app` label of the forwarded streams: the pod's own name for its application. */
export function appOf(labels: Readonly<Record<string, string>>, fallback: string): string {
  return (
    labels['app.kubernetes.io/name'] ||
    labels.app ||
    labels['k8s-app'] ||
    labels['app.kubernetes.io/instance'] ||
    fallback
  );
}

/** Containers whose logs are forwarded: every container except logtap's forwarders. */
export function isForwarded(c: ContainerView): boolean {
  return !c.name.startsWith(FORWARDER_PREFIX);
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { typeOfKind } from './resources.js';
import type { ResourceRequest } from './server.js';
import { statusErrors } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

type Obj = Record<string, unknown>;

/** A log line to append: its text and, optionally, the time the runtime stamped on it. */
export interface LogLineInput {
  text: string;
  /** Nanoseconds since the epoch, a Date, or an RFC3339 string; default the server clock. */
  ts?: bigint | Date | string;
}

/** One line as stored: what `timestamps=true` prints before it, in ns. */
export interface StoredLogLine {
  ts: bigint;
  text: string;
}

/** One run of a container (a restart starts a new instance with an empty log, as the kubelet does). */
export interface ContainerInstance {
  containerID: string;
  lines: StoredLogLine[];
  running: boolean;
  startedAt: bigint;
  finishedAt?: bigint;
  exitCode?: number;
}

interface Follower {
  res: ServerResponse;
  timestamps: boolean;
  /** Bytes left before limitBytes ends the stream (Infinity when unset). */
  budget: number;
}

interface ContainerLog {
  instances: ContainerInstance[];
  followers: Map<ContainerInstance, Set<Follower>>;
}

const NS_PER_SEC = 1_000_000_000n;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses RFC3339 (with up to 9 fractional digits) into ns since the epoch; undefined when invalid. */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms)) return undefined;
  let ns = BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  if (m[9]) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60;
    ns -= BigInt(m[9] === '+' ? offset : -offset) * NS_PER_SEC;
  }
  return ns;
}

/** The kubelet's timestamp format (`RFC3339NanoFixed`: always nine fractional digits, UTC). */
export function formatRfc3339NanoFixed(ns: bigint): string {
  const sec = ns / NS_PER_SEC - (ns % NS_PER_SEC < 0n ? 1n : 0n);
  const frac = ns - sec * NS_PER_SEC;
  const iso = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${iso}.${frac.toString().padStart(9, '0')}Z`;
}

/** RFC3339 with whole seconds, as the API server prints metav1.Time. */
function formatSeconds(ns: bigint): string {
  return formatRfc3339NanoFixed(ns).replace(/\.\d+Z$/, 'Z');
}

function toNs(ts: LogLineInput['ts'], now: () => bigint): bigint {
  if (ts === undefined) return now();
  if (typeof ts === 'bigint') return ts;
  if (ts instanceof Date) return BigInt(ts.getTime()) * 1_000_000n;
  const ns = parseRfc3339Nano(ts);
  if (ns === undefined) throw new Error(`kube-testserver: invalid log timestamp ${ts}`);
  return ns;
}

/**
 * Container logs and the `pods/log` subresource with the kubelet's semantics: `follow` streams lines as
 * they are appended until the container terminates; `timestamps` prefixes each line with its RFC3339Nano
 * time; `sinceTime` is truncated to whole seconds by the API server and inclusive (so a client resuming
 * from its last timestamp sees that second again); `sinceSeconds`, `tailLines`, `limitBytes` and
 * `previous` as documented. Tests drive containers (start, append, restart, terminate) and cut streams.
 */
export class PodLogs {
  private readonly logs = new Map<string, ContainerLog>();

  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
  ) {}

  // ---- what tests call -------------------------------------------------------------------------------

  /**
   * Starts (or restarts) a container: a new instance with an empty log; the pod status says it is running
   * with a new containerID, and after a restart `restartCount` and `lastState.terminated` describe the
   * previous run. The container must be in the pod's spec (containers or initContainers).
   */
  startContainer(namespace: string, pod: string, container: string): ContainerInstance {
    const log = this.logOf(namespace, pod, container, true);
    const previous = log.instances.at(-1);
    if (previous?.running) this.finish(log, previous, 0);
    const inst: ContainerInstance = {
      containerID: `containerd://${randomBytes(32).toString('hex')}`,
      lines: [],
      running: true,
      startedAt: this.now(),
    };
    log.instances.push(inst);
    this.writeStatus(namespace, pod, container, log);
    return inst;
  }

  /** Appends lines to the running instance and sends them to every follower. */
  append(
    namespace: string,
    pod: string,
    container: string,
    lines: ReadonlyArray<string | LogLineInput>,
  ): void {
    const log = this.logOf(namespace, pod, container, false);
    const inst = log.instances.at(-1);
    if (!inst?.running)
      throw new Error(`kube-testserver: container ${container} of ${namespace}/${pod} is not running`);
    const followers = log.followers.get(inst);
    for (const l of lines) {
      const line =
        typeof l === 'string' ? { text: l, ts: this.now() } : { text: l.text, ts: toNs(l.ts, this.now) };
      inst.lines.push(line);
      if (followers) for (const f of followers) this.send(f, line, followers);
    }
  }

  /** Ends a container's run with an exit code: followers get the end of the stream (a clean EOF). */
  terminateContainer(namespace: string, pod: string, container: string, exitCode = 0): void {
    const log = this.logOf(namespace, pod, container, false);
    const inst = log.instances.at(-1);
    if (!inst?.running) return;
    this.finish(log, inst, exitCode);
    this.writeStatus(namespace, pod, container, log);
  }

  /**
   * Cuts every open log stream of a pod (or of one container) as a dropped connection would: the socket is
   * destroyed mid-stream, so clients see an error rather than a clean end.
   */
  cutStreams(namespace: string, pod: string, container?: string): number {
    let cut = 0;
    for (const [key, log] of this.logs) {
      if (!key.startsWith(`${namespace}/${pod}/`)) continue;
      if (container !== undefined && key !== `${namespace}/${pod}/${container}`) continue;
      for (const set of log.followers.values()) {
        for (const f of set) {
          f.res.destroy();
          cut++;
        }
        set.clear();
      }
    }
    return cut;
  }

  /** Ends every open stream of a pod cleanly (as an API server timing a long request out does). */
  endStreams(namespace: string, pod: string): number {
    let ended = 0;
    for (const [key, log] of this.logs) {
      if (!key.startsWith(`${namespace}/${pod}/`)) continue;
      for (const set of log.followers.values()) {
        for (const f of set) {
          f.res.end();
          ended++;
        }
        set.clear();
      }
    }
    return ended;
  }

  /** Open follow streams of a pod's container (for tests that wait for a client to connect). */
  followers(namespace: string, pod: string, container: string): number {
    const log = this.logs.get(`${namespace}/${pod}/${container}`);
    let n = 0;
    for (const set of log?.followers.values() ?? []) n += set.size;
    return n;
  }

  /** The instances of a container, oldest first. */
  instances(namespace: string, pod: string, container: string): readonly ContainerInstance[] {
    return this.logs.get(`${namespace}/${pod}/${container}`)?.instances ?? [];
  }

  // ---- the pods/log subresource ------------------------------------------------------------------------

  /** The `pods/log` handler to register in `KubeTestServer.subresources`. */
  readonly handler = (r: ResourceRequest, req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET')
      throw statusErrors.methodNotAllowed('the server does not allow this method on the requested resource');
    const pod = this.store.mustGet(typeOfKind('Pod'), r.namespace, r.name);
    const q = r.query;
    const names = containerNames(pod);
    let container = q.get('container') ?? '';
    if (container === '') {
      if (names.regular.length !== 1)
        throw statusErrors.badRequest(
          `a container name must be specified for pod ${r.name}, choose one of: [${names.regular.join(' ')}]${names.init.length ? ` or one of the init containers: [${names.init.join(' ')}]` : ''}`,
        );
      container = names.regular[0]!;
    }
    if (!names.regular.includes(container) && !names.init.includes(container))
      throw statusErrors.badRequest(`container ${container} is not valid for pod ${r.name}`);
    const log = this.logOf(r.namespace, r.name, container, true);
    this.adoptRunning(pod, container, log);
    const previous = q.get('previous') === 'true';
    const inst = previous ? log.instances.at(-2) : log.instances.at(-1);
    if (!inst) {
      if (previous)
        throw statusErrors.badRequest(
          `previous terminated container "${container}" in pod "${r.name}" not found`,
        );
      throw statusErrors.badRequest(
        `container "${container}" in pod "${r.name}" is waiting to start: ContainerCreating`,
      );
    }
    const sinceTime = q.get('sinceTime');
    const sinceSeconds = q.get('sinceSeconds');
    if (sinceTime !== null && sinceSeconds !== null)
      throw statusErrors.unprocessable(
        'PodLogOptions "" is invalid: : at most one of `sinceTime` or `sinceSeconds` may be specified',
      );
    let since: bigint | undefined;
    if (sinceTime !== null) {
      const ns = parseRfc3339Nano(sinceTime);
      if (ns === undefined)
        throw statusErrors.badRequest(
          `parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`,
        );
      // metav1.Time has second precision: the API server drops the fraction before asking the kubelet.
      since = ns - (((ns % NS_PER_SEC) + NS_PER_SEC) % NS_PER_SEC);
    } else if (sinceSeconds !== null) {
      const s = Number(sinceSeconds);
      if (!Number.isInteger(s) || s < 1)
        throw statusErrors.unprocessable(
          'PodLogOptions "" is invalid: sinceSeconds: Invalid value: must be greater than 0',
        );
      since = this.now() - BigInt(s) * NS_PER_SEC;
    }
    const tail = q.get('tailLines');
    const limit = q.get('limitBytes');
    const timestamps = q.get('timestamps') === 'true';
    const follow = q.get('follow') === 'true' && inst.running && !previous;
    let lines = since === undefined ? inst.lines : inst.lines.filter((l) => l.ts >= since);
    if (tail !== null) {
      const n = Number(tail);
      if (!Number.isInteger(n) || n < 0)
        throw statusErrors.unprocessable(
          'PodLogOptions "" is invalid: tailLines: Invalid value: must be >= 0',
        );
      lines = n === 0 ? [] : lines.slice(-n);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const f: Follower = {
      res,
      timestamps,
      budget: limit === null ? Number.POSITIVE_INFINITY : Number(limit),
    };
    let set = log.followers.get(inst);
    if (follow) {
      if (!set) {
        set = new Set();
        log.followers.set(inst, set);
      }
      const followers = set;
      followers.add(f);
      res.on('close', () => followers.delete(f));
    }
    const chunk = lines.map((l) => this.format(f, l)).join('');
    if (chunk !== '') this.write(f, chunk, set);
    if (!follow && !res.writableEnded) res.end();
  };

  // ---- internals ---------------------------------------------------------------------------------------

  private format(f: Follower, l: StoredLogLine): string {
    return f.timestamps ? `${formatRfc3339NanoFixed(l.ts)} ${l.text}\n` : `${l.text}\n`;
  }

  private send(f: Follower, l: StoredLogLine, set: Set<Follower>): void {
    this.write(f, this.format(f, l), set);
  }

  private write(f: Follower, text: string, set: Set<Follower> | undefined): void {
    if (f.res.writableEnded || f.res.destroyed) return;
    const bytes = Buffer.from(text);
    if (bytes.length >= f.budget) {
      f.res.end(bytes.subarray(0, f.budget));
      set?.delete(f);
      return;
    }
    f.budget -= bytes.length;
    f.res.write(bytes);
  }

  private finish(log: ContainerLog, inst: ContainerInstance, exitCode: number): void {
    inst.running = false;
    inst.finishedAt = this.now();
    inst.exitCode = exitCode;
    const set = log.followers.get(inst);
    if (set) for (const f of set) f.res.end();
    log.followers.delete(inst);
  }

  private logOf(namespace: string, pod: string, container: string, create: boolean): ContainerLog {
    const key = `${namespace}/${pod}/${container}`;
    let log = this.logs.get(key);
    if (!log) {
      const p = this.store.mustGet(typeOfKind('Pod'), namespace, pod);
      const names = containerNames(p);
      if (!names.regular.includes(container) && !names.init.includes(container))
        throw new Error(`kube-testserver: pod ${namespace}/${pod} has no container ${container}`);
      if (!create && !runningInStatus(p, container))
        throw new Error(`kube-testserver: container ${container} of ${namespace}/${pod} was never started`);
      log = { instances: [], followers: new Map() };
      this.logs.set(key, log);
      this.adoptRunning(p, container, log);
    }
    return log;
  }

  /** A pod made by a controller says its containers run: give such a container an (empty) instance. */
  private adoptRunning(pod: KubeObject, container: string, log: ContainerLog): void {
    if (log.instances.length > 0 || !runningInStatus(pod, container)) return;
    const status = statusOf(pod, container);
    log.instances.push({
      containerID:
        typeof status?.containerID === 'string' && status.containerID
          ? status.containerID
          : `containerd://${randomBytes(32).toString('hex')}`,
      lines: [],
      running: true,
      startedAt: this.now(),
    });
  }

  private writeStatus(namespace: string, podName: string, container: string, log: ContainerLog): void {
    const t = typeOfKind('Pod');
    const pod = this.store.mustGet(t, namespace, podName);
    const names = containerNames(pod);
    const init = names.init.includes(container);
    const status = { ...((pod.status as Obj | undefined) ?? {}) };
    const field = init ? 'initContainerStatuses' : 'containerStatuses';
    const spec = ((pod.spec as Obj).containers as Obj[]).concat(
      ((pod.spec as Obj).initContainers as Obj[] | undefined) ?? [],
    );
    const image = String(spec.find((c) => c.name === container)?.image ?? '');
    const cur = log.instances.at(-1)!;
    const prev = log.instances.at(-2);
    const terminated = (i: ContainerInstance) => ({
      terminated: {
        exitCode: i.exitCode ?? 0,
        reason: (i.exitCode ?? 0) === 0 ? 'Completed' : 'Error',
        startedAt: formatSeconds(i.startedAt),
        finishedAt: formatSeconds(i.finishedAt ?? i.startedAt),
        containerID: i.containerID,
      },
    });
    const entry: Obj = {
      name: container,
      image,
      imageID: `${image}@sha256:${'0'.repeat(64)}`,
      containerID: cur.containerID,
      ready: cur.running,
      started: cur.running,
      restartCount: log.instances.length - 1,
      state: cur.running ? { running: { startedAt: formatSeconds(cur.startedAt) } } : terminated(cur),
      ...(prev ? { lastState: terminated(prev) } : { lastState: {} }),
    };
    const list = ((status[field] as Obj[] | undefined) ?? []).filter((c) => c.name !== container);
    list.push(entry);
    const order = init ? names.init : names.regular;
    list.sort((a, b) => order.indexOf(String(a.name)) - order.indexOf(String(b.name)));
    status[field] = list;
    if (status.phase === undefined || status.phase === 'Pending') status.phase = 'Running';
    const regular = (status.containerStatuses as Obj[] | undefined) ?? [];
    const allReady = names.regular.every((n) => regular.some((c) => c.name === n && c.ready === true));
    const conditions = ((status.conditions as Obj[] | undefined) ?? []).filter(
      (c) => c.type !== 'Ready' && c.type !== 'ContainersReady',
    );
    conditions.push(
      { type: 'Ready', status: allReady ? 'True' : 'False' },
      { type: 'ContainersReady', status: allReady ? 'True' : 'False' },
    );
    status.conditions = conditions;
    this.store.replace(t, { ...pod, status }, { subresource: 'status' });
  }
}

function containerNames(pod: KubeObject): { regular: string[]; init: string[] } {
  const spec = (pod.spec ?? {}) as Obj;
  const names = (list: unknown) => ((list as Obj[] | undefined) ?? []).map((c) => String(c.name));
  return { regular: names(spec.containers), init: names(spec.initContainers) };
}

function statusOf(pod: KubeObject, container: string): Obj | undefined {
  const status = (pod.status ?? {}) as Obj;
  return [
    ...((status.containerStatuses as Obj[] | undefined) ?? []),
    ...((status.initContainerStatuses as Obj[] | undefined) ?? []),
  ].find((c) => c.name === container);
}

function runningInStatus(pod: KubeObject, container: string): boolean {
  const s = statusOf(pod, container);
  return Boolean((s?.state as Obj | undefined)?.running);
}

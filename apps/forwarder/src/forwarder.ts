import { Batcher } from './batcher.js';
import { startHealthServer } from './health.js';
import type { KubeClient } from './kube.js';
import type { Logger } from './logger.js';
import { ForwarderMetrics } from './metrics.js';
import { appOf, type ContainerView, FORWARDER_PREFIX, isForwarded, type PodView } from './pod.js';
import { PodPoller } from './poller.js';
import { Pusher } from './pusher.js';
import { ContainerTailer } from './tailer.js';

/** Defaults of the tunables (each has a LOGTAP_* variable; see docs/forwarder.md). */
export const DEFAULTS = {
  batchBytes: 512 * 1024,
  batchWaitMs: 500,
  bufferBytes: 8 * 1024 * 1024,
  maxLineBytes: 1024 * 1024,
  pollIntervalMs: 5_000,
  pushTimeoutMs: 10_000,
  pushBackoff: { minMs: 250, maxMs: 30_000 },
  streamBackoff: { minMs: 250, maxMs: 10_000 },
  drainTimeoutMs: 10_000,
  flushTimeoutMs: 10_000,
} as const;

export interface ForwarderOptions {
  kube: KubeClient;
  namespace: string;
  podName: string;
  /** The tap session: names this forwarder's container (`logtap-forwarder-<session>`) and labels every line. */
  session: string;
  /** Receiver base URL. */
  target: string;
  nodeName?: string | undefined;
  podUid?: string | undefined;
  workloadKind?: string | undefined;
  workloadName?: string | undefined;
  authToken?: string | undefined;
  tls?: { ca?: Buffer | undefined; rejectUnauthorized?: boolean } | undefined;
  batchBytes?: number;
  batchWaitMs?: number;
  bufferBytes?: number;
  maxLineBytes?: number;
  pollIntervalMs?: number;
  pushTimeoutMs?: number;
  pushBackoff?: { minMs: number; maxMs: number };
  streamBackoff?: { minMs: number; maxMs: number };
  /** Port of /healthz and /metrics (0: any free port). */
  healthPort: number;
  healthHost?: string;
  logger: Logger;
  version: string;
  random?: () => number;
  nowMs?: () => number;
  nowNs?: () => bigint;
}

/** Limits of a graceful stop (see {@link shutdownBudget}). */
export interface StopOptions {
  /** How long to keep reading while the other containers of the pod exit. */
  drainTimeoutMs?: number;
  /** How long to keep pushing what is buffered after reading stopped. */
  flushTimeoutMs?: number;
}

/** What a run did, returned by stop(). */
export interface ForwarderSummary {
  linesRead: number;
  linesSent: number;
  linesDropped: number;
  duplicatesSkipped: number;
  /** Every container the forwarder read has ended and was read to the end before the stop. */
  drained: boolean;
}

/**
 * Splits the pod's termination grace period between draining (reading the other containers' last lines as
 * they shut down) and flushing (pushing what is buffered), keeping 2 s in hand before the kubelet's SIGKILL.
 */
export function shutdownBudget(
  graceSeconds: number,
  limits: { drainTimeoutMs: number; flushTimeoutMs: number },
): { drainTimeoutMs: number; flushTimeoutMs: number } {
  const total = Math.max(1_000, graceSeconds * 1000 - 2_000);
  const drainTimeoutMs = Math.min(limits.drainTimeoutMs, Math.floor(total / 2));
  return { drainTimeoutMs, flushTimeoutMs: Math.min(limits.flushTimeoutMs, total - drainTimeoutMs) };
}

const nsClock = (): (() => bigint) => {
  const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => origin + process.hrtime.bigint();
};

/**
 * The forwarder: reads every container log of its own pod (except logtap's forwarders) and pushes the lines
 * to a logtap receiver, labelled namespace, pod, container, node, workload_kind, workload_name, app and
 * session. Start with {@link Forwarder.start}; stop with {@link Forwarder.stop} (what SIGTERM does).
 */
export class Forwarder {
  readonly metrics = new ForwarderMetrics();
  readonly #o: ForwarderOptions;
  readonly #pusher: Pusher;
  readonly #batcher: Batcher;
  readonly #poller: PodPoller;
  readonly #tailers = new Map<string, ContainerTailer>();
  readonly #labels = new Map<string, Record<string, string>>();
  #health: { port: number; close: () => Promise<void> } | undefined;
  #pod: PodView | undefined;
  #app = '';
  #skipBefore: bigint | undefined;
  #state: 'running' | 'draining' | 'stopped' = 'running';
  #stopping: Promise<ForwarderSummary> | undefined;

  private constructor(opts: ForwarderOptions) {
    this.#o = opts;
    this.#pusher = new Pusher({
      target: opts.target,
      capacityBytes: opts.bufferBytes ?? DEFAULTS.bufferBytes,
      authToken: opts.authToken,
      tls: opts.tls,
      requestTimeoutMs: opts.pushTimeoutMs ?? DEFAULTS.pushTimeoutMs,
      backoff: opts.pushBackoff ?? DEFAULTS.pushBackoff,
      metrics: this.metrics,
      logger: opts.logger,
      userAgent: `logtap-forwarder/${opts.version}`,
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.nowMs ? { now: opts.nowMs } : {}),
    });
    this.#batcher = new Batcher({
      maxBytes: opts.batchBytes ?? DEFAULTS.batchBytes,
      maxWaitMs: opts.batchWaitMs ?? DEFAULTS.batchWaitMs,
      onBatch: (b) => this.#pusher.enqueue(b),
    });
    this.#poller = new PodPoller({
      kube: opts.kube,
      namespace: opts.namespace,
      pod: opts.podName,
      intervalMs: opts.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      onPod: (view) => this.#onPod(view),
      metrics: this.metrics,
      logger: opts.logger,
    });
  }

  /** Starts /healthz and /metrics, then reading the pod and its logs. */
  static async start(opts: ForwarderOptions): Promise<Forwarder> {
    const f = new Forwarder(opts);
    try {
      f.#health = await startHealthServer({
        port: opts.healthPort,
        ...(opts.healthHost ? { host: opts.healthHost } : {}),
        status: () => f.#status(),
        metrics: () => f.metrics.render(),
      });
    } catch (err) {
      await f.#pusher.close();
      throw err;
    }
    opts.logger.info('forwarder started', {
      version: opts.version,
      pod: `${opts.namespace}/${opts.podName}`,
      target: opts.target,
      session: opts.session,
      healthPort: f.#health.port,
    });
    f.#poller.start();
    return f;
  }

  /** The port /healthz and /metrics listen on. */
  get healthPort(): number {
    return this.#health?.port ?? 0;
  }

  /** The pod's termination grace period, as last read (30 s until the pod was read). */
  get gracePeriodSeconds(): number {
    return this.#pod?.gracePeriodSeconds ?? 30;
  }

  get state(): 'running' | 'draining' | 'stopped' {
    return this.#state;
  }

  /**
   * Graceful stop: keeps reading until every other container has ended and was read to its end (or
   * `drainTimeoutMs`), then flushes the last batch and pushes everything buffered (or `flushTimeoutMs`);
   * what could not be pushed by then is dropped and counted.
   */
  stop(opts: StopOptions = {}): Promise<ForwarderSummary> {
    this.#stopping ??= this.#stop(opts);
    return this.#stopping;
  }

  async #stop(opts: StopOptions): Promise<ForwarderSummary> {
    const o = this.#o;
    const drainMs = opts.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs;
    const flushMs = opts.flushTimeoutMs ?? DEFAULTS.flushTimeoutMs;
    this.#state = 'draining';
    o.logger.info('stopping: reading until the other containers exit, then flushing', { drainMs, flushMs });
    const deadline = Date.now() + drainMs;
    this.#poller.setInterval(Math.min(500, o.pollIntervalMs ?? DEFAULTS.pollIntervalMs));
    let drained = this.#allSettled();
    while (!drained && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      drained = this.#allSettled();
    }
    this.#poller.stop();
    await Promise.all([...this.#tailers.values()].map((t) => t.stop()));
    this.#batcher.flush();
    const dropped = await this.#pusher.drain(flushMs);
    await this.#pusher.close();
    await this.#health?.close();
    this.#state = 'stopped';
    const m = this.metrics;
    const summary: ForwarderSummary = {
      linesRead: m.linesRead.total(),
      linesSent: m.linesSent.total(),
      linesDropped: m.droppedLines.total(),
      duplicatesSkipped: m.duplicates.total(),
      drained,
    };
    o.logger.info('forwarder stopped', { ...summary, unsentAtExit: dropped });
    return summary;
  }

  #allSettled(): boolean {
    if (this.#pod === undefined) return true;
    for (const t of this.#tailers.values()) if (!t.settled) return false;
    return true;
  }

  #status(): Record<string, unknown> {
    const containers: Record<string, string> = {};
    for (const [name, t] of this.#tailers) containers[name] = t.state;
    return {
      state: this.#state,
      podRead: this.#pod !== undefined,
      containers,
      bufferBytes: this.#pusher.bufferedBytes,
    };
  }

  #onPod(view: PodView): void {
    const o = this.#o;
    if (this.#pod === undefined) {
      if (o.podUid && view.uid && view.uid !== o.podUid)
        o.logger.warn('the pod read has another uid than LOGTAP_POD_UID', {
          expected: o.podUid,
          got: view.uid,
        });
      // After a restart of the forwarder itself, lines stamped before its previous run ended were that run's.
      const self = view.containers.find((c) => c.name === `${FORWARDER_PREFIX}${o.session}`);
      if (self && self.restartCount > 0 && self.lastFinishedAt !== undefined) {
        this.#skipBefore = self.lastFinishedAt;
        o.logger.info('forwarder restarted: resuming after its previous run', {
          restarts: self.restartCount,
          previousRunEnded: self.lastFinishedAt,
        });
      }
    }
    this.#pod = view;
    const app = appOf(view.labels, o.workloadName ?? '');
    if (app !== this.#app) {
      this.#app = app;
      this.#labels.clear();
    }
    if (this.#state === 'stopped') return;
    for (const c of view.containers) {
      if (!isForwarded(c)) continue;
      const existing = this.#tailers.get(c.name);
      if (existing) {
        existing.update(c);
        continue;
      }
      if (this.#state !== 'running') continue;
      this.#startTailer(c);
    }
  }

  #startTailer(c: ContainerView): void {
    const o = this.#o;
    const name = c.name;
    const t = new ContainerTailer(c, {
      kube: o.kube,
      namespace: o.namespace,
      pod: o.podName,
      container: name,
      labels: () => this.#labelsOf(name),
      emit: (labels, ts, line, bytes) => this.#batcher.add(labels, ts, line, bytes),
      refresh: async () => (await this.#poller.refresh())?.containers.find((x) => x.name === name),
      maxLineBytes: o.maxLineBytes ?? DEFAULTS.maxLineBytes,
      metrics: this.metrics,
      logger: o.logger,
      backoff: o.streamBackoff ?? DEFAULTS.streamBackoff,
      random: o.random ?? Math.random,
      nowNs: o.nowNs ?? nsClock(),
      skipBefore: this.#skipBefore,
      backpressure: () => this.#pusher.waitForRoom(),
    });
    this.#tailers.set(name, t);
    o.logger.info('following container', { container: name, init: c.init, state: c.state });
    t.start();
  }

  /** The label set of a container's stream; the same object until the pod's app label changes. */
  #labelsOf(container: string): Record<string, string> {
    let labels = this.#labels.get(container);
    if (labels === undefined) {
      const o = this.#o;
      const all: Record<string, string | undefined> = {
        app: this.#app,
        container,
        namespace: o.namespace,
        node: o.nodeName || this.#pod?.nodeName,
        pod: o.podName,
        session: o.session,
        workload_kind: o.workloadKind,
        workload_name: o.workloadName,
      };
      labels = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(all)) if (v) labels[k] = v;
      this.#labels.set(container, labels);
    }
    return labels;
  }
}

import type { KubeClient } from './kube.js';
import type { Logger } from './logger.js';
import type { ForwarderMetrics } from './metrics.js';
import { type PodView, podView } from './pod.js';

export interface PollerOptions {
  kube: KubeClient;
  namespace: string;
  pod: string;
  intervalMs: number;
  onPod: (pod: PodView) => void;
  metrics: ForwarderMetrics;
  logger: Logger;
}

/**
 * Reads the forwarder's own pod every `intervalMs` (the forwarder's Role grants only `get`, not `watch`),
 * and on demand: `refresh()` resolves with the result of a GET that started after the call, so a reader
 * that saw its stream end learns the container's state as of then.
 */
export class PodPoller {
  readonly #o: PollerOptions;
  #interval: number;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<PodView | undefined> | undefined;
  #next: Promise<PodView | undefined> | undefined;
  #stopped = false;
  #failures = 0;
  #last: PodView | undefined;

  constructor(opts: PollerOptions) {
    this.#o = opts;
    this.#interval = opts.intervalMs;
  }

  get last(): PodView | undefined {
    return this.#last;
  }

  start(): void {
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Polls this often from now on. */
  setInterval(ms: number): void {
    this.#interval = ms;
    this.#schedule(Math.min(ms, this.#interval));
  }

  /** A GET started after this call (coalesced with other callers). */
  refresh(): Promise<PodView | undefined> {
    if (this.#stopped) return Promise.resolve(this.#last);
    if (this.#inflight === undefined) return this.#poll();
    this.#next ??= this.#inflight.then(() => {
      this.#next = undefined;
      return this.#poll();
    });
    return this.#next;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.refresh().finally(() => this.#schedule(this.#interval));
    }, ms);
    this.#timer.unref();
  }

  #poll(): Promise<PodView | undefined> {
    const o = this.#o;
    const p = (async () => {
      try {
        const view = podView(await o.kube.getPod(o.namespace, o.pod));
        if (this.#failures > 0) o.logger.info('reading the pod works again', { failures: this.#failures });
        this.#failures = 0;
        this.#last = view;
        if (!this.#stopped) o.onPod(view);
        return view;
      } catch (err) {
        this.#failures++;
        o.metrics.kubeErrors.inc();
        if (this.#failures === 1 || this.#failures % 30 === 0)
          o.logger.error('cannot read the own pod', {
            error: (err as Error).message,
            code: (err as { code?: string }).code,
            failures: this.#failures,
          });
        return undefined;
      } finally {
        this.#inflight = undefined;
      }
    })();
    this.#inflight = p;
    return p;
  }
}

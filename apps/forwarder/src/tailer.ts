import { KubeApiError } from './errors.js';
import type { KubeClient } from './kube.js';
import { LineSplitter } from './lines.js';
import type { Logger } from './logger.js';
import type { ForwarderMetrics } from './metrics.js';
import type { ContainerView } from './pod.js';
import { ResumePoint } from './resume.js';
import { LineTimestampParser } from './timestamp.js';

export interface TailerOptions {
  kube: KubeClient;
  namespace: string;
  pod: string;
  container: string;
  /** The container's stream labels now (one object per label set: a new object when they change). */
  labels: () => Record<string, string>;
  /** Receives every new line, in log order. */
  emit: (labels: Record<string, string>, ts: bigint, line: string, bytes: number) => void;
  /** GETs the pod now and returns this container's fresh view (undefined if that failed). */
  refresh: () => Promise<ContainerView | undefined>;
  maxLineBytes: number;
  metrics: ForwarderMetrics;
  logger: Logger;
  /** Reconnect delays after failures: exponential with jitter from minMs to maxMs. */
  backoff: { minMs: number; maxMs: number };
  random: () => number;
  /** Clock in ns, for the rare line without a timestamp. */
  nowNs: () => bigint;
  /** Lines stamped before this (ns) were forwarded by a previous run of the forwarder. */
  skipBefore?: bigint | undefined;
  /** A promise to wait for before reading on, when the push buffer is full (see Pusher.waitForRoom). */
  backpressure?: () => Promise<void> | undefined;
}

type ReadResult = { ok: true; lines: number } | { ok: false; error: unknown; lines: number };

/**
 * Follows one container's log through `pods/log?follow=true&timestamps=true`, across disconnects and
 * restarts of the container, forwarding each line exactly once:
 * - a stream that breaks or ends while the container runs is opened again with `sinceTime` from the last
 *   timestamp read, and the lines read twice at the boundary are dropped (see ResumePoint);
 * - when the container's run ends, the stream ends after its last line; a finished run is read to the end
 *   (also when its end was missed: `previous=true` returns the run before the current one);
 * - a container that has not started yet is waited for; a restart is followed into the new run.
 */
export class ContainerTailer {
  readonly #o: TailerOptions;
  readonly #resume = new ResumePoint();
  readonly #parser = new LineTimestampParser();
  readonly #abort = new AbortController();
  #view: ContainerView;
  #instance: string | undefined;
  #instanceDone = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #labels: Record<string, string>;
  #lines = 0;

  constructor(view: ContainerView, opts: TailerOptions) {
    this.#o = opts;
    this.#view = view;
    this.#labels = opts.labels();
    if (opts.skipBefore !== undefined) this.#resume.skipBefore(opts.skipBefore);
  }

  get name(): string {
    return this.#o.container;
  }

  /** Lines forwarded so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Nothing more to read for now: the current run ended and its log was read to the end (or never ran). */
  get settled(): boolean {
    return this.#view.state !== 'running' && (this.#instanceDone || this.#instance === undefined);
  }

  /** A short state for /healthz. */
  get state(): string {
    if (this.#view.state === 'running') return 'streaming';
    return this.settled ? 'done' : this.#view.state;
  }

  /** A newer view of the container from a pod GET. */
  update(view: ContainerView): void {
    const prev = this.#view;
    this.#view = view;
    if (prev.state !== view.state || prev.instance !== view.instance) this.#wake?.();
  }

  start(): void {
    this.#loop ??= this.#run().catch((err: unknown) => {
      this.#o.logger.error('log reader stopped by an unexpected error', {
        container: this.#o.container,
        error: (err as Error).stack ?? String(err),
      });
    });
  }

  /** Stops reading (an open stream is closed); resolves when the reader has exited. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const signal = this.#abort.signal;
    let failures = 0;
    let quietEnds = 0;
    while (!signal.aborted) {
      const v = this.#view;
      if (v.state === 'waiting') {
        await this.#waitForChange(v);
        continue;
      }
      if (this.#instance !== undefined && v.instance !== this.#instance) {
        if (!this.#instanceDone) await this.#finishPrevious();
        this.#instance = v.instance;
        this.#instanceDone = false;
      }
      this.#instance ??= v.instance;
      if (this.#instanceDone) {
        await this.#waitForChange(v);
        continue;
      }
      const follow = v.state === 'running';
      const r = await this.#read(follow, false);
      if (signal.aborted) break;
      if (!r.ok) {
        this.#streamFailed(++failures, 'log stream failed; reconnecting', r.error);
        // Look at the pod again before reconnecting: the container may have restarted meanwhile, and a
        // stream opened now would be the new run's (the end of this run is then read with previous=true).
        const fresh = await o.refresh();
        if (fresh !== undefined) this.update(fresh);
        await this.#delay(this.#backoff(failures));
        o.metrics.reconnects.inc(1, o.container);
        continue;
      }
      failures = 0;
      if (!follow) {
        this.#instanceDone = true;
        continue;
      }
      // The stream ended cleanly. Either the run ended (the kubelet ends a follow after the last line) or
      // the server closed a long request; the pod says which.
      const fresh = await o.refresh();
      if (signal.aborted) break;
      if (fresh !== undefined && (fresh.instance !== this.#instance || fresh.state === 'terminated')) {
        this.update(fresh);
        continue; // the loop reads the finished run to its end without follow, then moves on
      }
      quietEnds = r.lines === 0 ? quietEnds + 1 : 0;
      if (quietEnds > 1) await this.#delay(this.#backoff(quietEnds - 1));
      o.metrics.reconnects.inc(1, o.container);
    }
  }

  /**
   * The container restarted before the previous run's log was read to its end: read the rest of it with
   * `previous=true`, retrying while the API refuses, for as long as that run is still the previous one.
   */
  async #finishPrevious(): Promise<void> {
    const o = this.#o;
    for (let failures = 0; !this.#abort.signal.aborted; ) {
      if (this.#view.previousInstance !== this.#instance) break; // restarted again: that run's log is gone
      const r = await this.#read(false, true);
      if (r.ok) return;
      if (r.error instanceof KubeApiError && r.error.status === 400) break; // the kubelet no longer has it
      this.#streamFailed(++failures, 'reading the end of the previous run failed; retrying', r.error);
      await this.#delay(this.#backoff(failures));
    }
    if (this.#abort.signal.aborted) return;
    o.metrics.missedRuns.inc(1, o.container);
    o.logger.warn('the end of a previous run of the container could not be read', {
      container: o.container,
      run: this.#instance,
    });
  }

  /** Counts a failed read; logs the first of a series and every 20th, so an outage does not flood the log. */
  #streamFailed(failures: number, message: string, error: unknown): void {
    const o = this.#o;
    o.metrics.streamErrors.inc(1, o.container);
    if (failures === 1 || failures % 20 === 0)
      o.logger.warn(message, {
        container: o.container,
        failures,
        error: (error as Error)?.message ?? String(error),
      });
  }

  async #read(follow: boolean, previous: boolean): Promise<ReadResult> {
    const o = this.#o;
    const sinceTime = this.#resume.resume();
    let body: AsyncIterable<Buffer>;
    try {
      body = await o.kube.openLog(
        o.namespace,
        o.pod,
        { container: o.container, follow, sinceTime, previous },
        this.#abort.signal,
      );
    } catch (error) {
      return { ok: false, error, lines: 0 };
    }
    const before = this.#lines;
    const splitter = new LineSplitter(o.maxLineBytes, (line, truncated) => this.#line(line, truncated));
    o.metrics.streamsOpen.inc(1);
    try {
      for await (const chunk of body) {
        splitter.push(chunk);
        const wait = o.backpressure?.();
        if (wait !== undefined) {
          // Not reading the body lets TCP push back to the API server and the kubelet: the log waits on
          // the node's disk instead of in this process.
          const t0 = performance.now();
          await wait;
          o.metrics.pausedSeconds.inc((performance.now() - t0) / 1000);
        }
      }
      splitter.end();
      return { ok: true, lines: this.#lines - before };
    } catch (error) {
      // An unfinished line is not forwarded: the resumed stream delivers it whole.
      splitter.reset();
      return { ok: false, error, lines: this.#lines - before };
    } finally {
      o.metrics.streamsOpen.inc(-1);
    }
  }

  #line(raw: string, truncated: boolean): void {
    const o = this.#o;
    const parsed = this.#parser.parse(raw);
    const ts = parsed?.ts ?? this.#resume.lastTs ?? o.nowNs();
    const msg = parsed === undefined ? raw : raw.slice(parsed.msgStart);
    if (!this.#resume.accept(ts, msg)) {
      o.metrics.duplicates.inc(1, o.container);
      return;
    }
    if (truncated) o.metrics.truncated.inc(1, o.container);
    const labels = o.labels();
    if (labels !== this.#labels) this.#labels = labels;
    const bytes = Buffer.byteLength(msg);
    this.#lines++;
    o.metrics.linesRead.inc(1, o.container);
    o.metrics.bytesRead.inc(bytes, o.container);
    o.emit(labels, ts, msg, bytes);
  }

  #backoff(n: number): number {
    const { minMs, maxMs } = this.#o.backoff;
    const exp = Math.min(maxMs, minMs * 2 ** Math.min(n - 1, 20));
    return exp / 2 + (this.#o.random() * exp) / 2;
  }

  async #waitForChange(v: ContainerView): Promise<void> {
    if (this.#abort.signal.aborted || this.#view !== v) return;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#wake = undefined;
  }

  async #delay(ms: number): Promise<void> {
    if (this.#abort.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.#abort.signal;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}

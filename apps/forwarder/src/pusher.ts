import { encodePushProtobufRaw, type PushStream } from '@logtap/protocol';
import snappy from 'snappy';
import { Agent, type Dispatcher } from 'undici';
import type { Batch } from './batcher.js';
import { PushRejectedError } from './errors.js';
import type { Logger } from './logger.js';
import type { ForwarderMetrics } from './metrics.js';

export interface PusherOptions {
  /** Receiver base URL (`http://logtap-receiver.logtap:3100`); pushes go to `<target>/loki/api/v1/push`. */
  target: string;
  /** Bound on encoded batches held (queued and retrying); the oldest are dropped beyond it. */
  capacityBytes: number;
  /** Bearer token for a receiver started with `--auth-token`. */
  authToken?: string | undefined;
  /** TLS for an https target: extra CA, or no verification at all. */
  tls?: { ca?: Buffer | undefined; rejectUnauthorized?: boolean } | undefined;
  /** Per-push timeout (default 10 s). */
  requestTimeoutMs?: number;
  /** Retry delays: exponential from minMs to maxMs, each with jitter (default 250 ms .. 30 s). */
  backoff?: { minMs: number; maxMs: number };
  metrics: ForwarderMetrics;
  logger: Logger;
  userAgent: string;
  /** [0, 1) source of jitter (tests inject it). */
  random?: () => number;
  now?: () => number;
  dispatcher?: Dispatcher;
}

interface Pending {
  body: Uint8Array;
  lines: number;
  bytes: number;
}

const PUSH_PATH = '/loki/api/v1/push';
/** Statuses worth trying again: timeouts, throttling, and server-side trouble. */
const RETRYABLE = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/**
 * Pushes batches to the receiver in order, one at a time, off the reading path: `enqueue` only encodes
 * (protobuf + snappy) and queues; a loop sends, retrying 429, 5xx and network errors with capped
 * exponential backoff and jitter (honouring Retry-After). The queue is bounded in bytes: past the bound the
 * oldest batches not on the wire are dropped and counted, so a dead receiver costs memory up to the bound
 * and never stalls reading.
 */
export class Pusher {
  readonly #opts: PusherOptions;
  readonly #dispatcher: Dispatcher;
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #queue: Pending[] = [];
  #queuedBytes = 0;
  #onWire: Pending | undefined;
  #attempt = 0;
  #failing = false;
  #closed = false;
  #wake: (() => void) | undefined;
  #sleepAbort: AbortController | undefined;
  #requestAbort: AbortController | undefined;
  #idle: Array<() => void> = [];
  #roomWaiters: Array<() => void> = [];
  #loop: Promise<void>;
  #deadline = Number.POSITIVE_INFINITY;

  constructor(opts: PusherOptions) {
    this.#opts = opts;
    const url = new URL(opts.target);
    this.#origin = url.origin;
    this.#path = url.pathname.replace(/\/+$/, '') + PUSH_PATH;
    this.#headers = {
      'content-type': 'application/x-protobuf',
      'user-agent': opts.userAgent,
      ...(opts.authToken ? { authorization: `Bearer ${opts.authToken}` } : {}),
    };
    this.#dispatcher =
      opts.dispatcher ??
      new Agent({
        keepAliveTimeout: 60_000,
        connections: 2,
        connect: {
          ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}),
          ...(opts.tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        },
      });
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? Date.now;
    opts.metrics.bufferCapacity.set(opts.capacityBytes);
    this.#loop = this.#run();
  }

  /** Bytes of batches held (queued, retrying, on the wire). */
  get bufferedBytes(): number {
    return this.#queuedBytes;
  }

  /** Batches held. */
  get bufferedBatches(): number {
    return this.#queue.length;
  }

  /**
   * Backpressure for readers: undefined when there is room, else a promise that resolves once the buffer
   * is down to a quarter of its bound — or once pushes start failing, because a receiver that is down must
   * not stall reading (the buffer then drops its oldest batches instead). So a healthy receiver slower than
   * the reading only slows the reading (the kubelet's log files hold the rest); nothing is dropped.
   */
  waitForRoom(): Promise<void> | undefined {
    if (this.#closed || this.#failing || this.#queuedBytes < this.#opts.capacityBytes / 2) return undefined;
    return new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
  }

  #releaseReaders(): void {
    if (this.#roomWaiters.length === 0) return;
    if (this.#closed || this.#failing || this.#queuedBytes <= this.#opts.capacityBytes / 4)
      for (const resolve of this.#roomWaiters.splice(0)) resolve();
  }

  /** Encodes a batch and queues it; evicts the oldest batches if the buffer would exceed its bound. */
  enqueue(batch: Batch): void {
    const body = encodeBody(batch.streams);
    const p: Pending = { body, lines: batch.lines, bytes: batch.bytes };
    if (this.#closed) {
      this.#drop(p, 'shutdown');
      return;
    }
    const m = this.#opts.metrics;
    let evicted = 0;
    while (this.#queuedBytes + body.length > this.#opts.capacityBytes) {
      // The batch on the wire stays (its outcome is pending); anything else, oldest first, may go.
      const idx = this.#queue[0] !== undefined && this.#queue[0] === this.#onWire ? 1 : 0;
      const victim = this.#queue[idx];
      if (victim === undefined) break;
      this.#queue.splice(idx, 1);
      this.#queuedBytes -= victim.body.length;
      if (idx === 0) this.#attempt = 0;
      this.#drop(victim, 'buffer_full');
      evicted += victim.lines;
    }
    if (evicted > 0)
      this.#opts.logger.warn('retry buffer full: dropped the oldest lines', {
        lines: evicted,
        capacityBytes: this.#opts.capacityBytes,
      });
    this.#queue.push(p);
    this.#queuedBytes += body.length;
    m.bufferBytes.set(this.#queuedBytes);
    m.bufferBatches.set(this.#queue.length);
    this.#wake?.();
  }

  /**
   * Keeps pushing until everything queued is accepted or `timeoutMs` passes; then stops for good and drops
   * (and counts) what is left. Resolves the number of lines dropped.
   */
  async drain(timeoutMs: number): Promise<number> {
    const before = this.#opts.metrics.droppedLines.get('shutdown');
    this.#deadline = this.#now() + timeoutMs;
    this.#sleepAbort?.abort();
    const timer = setTimeout(() => this.#stop(), timeoutMs);
    try {
      if (this.#queue.length > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    } finally {
      clearTimeout(timer);
    }
    this.#stop();
    // The loop settles the batch that was on the wire (accepted, or dropped and counted) before it exits.
    await this.#loop;
    return this.#opts.metrics.droppedLines.get('shutdown') - before;
  }

  /** Stops at once; what is queued is dropped and counted. */
  async close(): Promise<void> {
    this.#stop();
    await this.#loop;
    await this.#dispatcher.close();
  }

  #stop(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#requestAbort?.abort();
      this.#sleepAbort?.abort();
      for (const p of this.#queue.splice(0)) {
        if (p === this.#onWire) continue;
        this.#drop(p, 'shutdown');
      }
      this.#queuedBytes = this.#onWire?.body.length ?? 0;
      this.#wake?.();
      for (const resolve of this.#idle.splice(0)) resolve();
      this.#releaseReaders();
    }
  }

  #drop(p: Pending, reason: 'buffer_full' | 'rejected' | 'shutdown'): void {
    const m = this.#opts.metrics;
    m.drops.inc(1, reason);
    m.droppedLines.inc(p.lines, reason);
    m.bufferBytes.set(this.#queuedBytes);
    m.bufferBatches.set(this.#queue.length);
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const head = this.#queue[0];
      if (head === undefined) {
        for (const resolve of this.#idle.splice(0)) resolve();
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      this.#onWire = head;
      const outcome = await this.#send(head);
      this.#onWire = undefined;
      if (this.#closed && outcome.kind !== 'ok') {
        this.#drop(head, 'shutdown');
        break;
      }
      if (outcome.kind === 'retry') {
        // The head may have been evicted while it waited: then the next batch starts a fresh backoff.
        await this.#sleep(outcome.delayMs);
        continue;
      }
      if (this.#queue[0] === head) {
        this.#queue.shift();
        this.#queuedBytes -= head.body.length;
      }
      if (outcome.kind === 'rejected') this.#drop(head, 'rejected');
      const m = this.#opts.metrics;
      m.bufferBytes.set(this.#queuedBytes);
      m.bufferBatches.set(this.#queue.length);
      this.#releaseReaders();
    }
  }

  async #send(p: Pending): Promise<{ kind: 'ok' | 'rejected' } | { kind: 'retry'; delayMs: number }> {
    const m = this.#opts.metrics;
    const abort = new AbortController();
    this.#requestAbort = abort;
    let status: number;
    let retryAfter: string | undefined;
    let text = '';
    try {
      const res = await this.#dispatcher.request({
        origin: this.#origin,
        path: this.#path,
        method: 'POST',
        headers: this.#headers,
        body: p.body,
        headersTimeout: this.#opts.requestTimeoutMs ?? 10_000,
        bodyTimeout: this.#opts.requestTimeoutMs ?? 10_000,
        signal: abort.signal,
      });
      status = res.statusCode;
      const ra = res.headers['retry-after'];
      retryAfter = Array.isArray(ra) ? ra[0] : ra;
      // Read the (small) answer to the end so the keep-alive connection is reused.
      text = await res.body.text();
    } catch (err) {
      m.pushes.inc(1, 'network');
      return this.#retry(`${(err as Error).message}`, undefined);
    } finally {
      this.#requestAbort = undefined;
    }
    m.pushes.inc(1, String(status));
    if (status >= 200 && status < 300) {
      m.linesSent.inc(p.lines);
      m.bytesSent.inc(p.bytes);
      m.bodyBytesSent.inc(p.body.length);
      m.lastPush.set(Math.floor(this.#now() / 1000));
      if (this.#failing)
        this.#opts.logger.info('pushes succeed again', { retries: this.#attempt, target: this.#opts.target });
      this.#failing = false;
      this.#attempt = 0;
      return { kind: 'ok' };
    }
    if (RETRYABLE(status)) return this.#retry(`HTTP ${status}: ${text.slice(0, 200)}`, retryAfter);
    const err = new PushRejectedError(status, text);
    this.#opts.logger.error(err.message, { code: err.code, lines: p.lines });
    this.#attempt = 0;
    return { kind: 'rejected' };
  }

  #retry(why: string, retryAfter: string | undefined): { kind: 'retry'; delayMs: number } {
    const { minMs, maxMs } = this.#opts.backoff ?? { minMs: 250, maxMs: 30_000 };
    const exp = Math.min(maxMs, minMs * 2 ** Math.min(this.#attempt, 30));
    // "Equal jitter": half fixed, half random, so retries of many pods spread out but still back off.
    let delayMs = exp / 2 + (this.#random() * exp) / 2;
    const ra = retryAfterMs(retryAfter, this.#now());
    if (ra !== undefined) delayMs = Math.min(maxMs, Math.max(ra, minMs));
    this.#attempt++;
    this.#opts.metrics.retries.inc();
    if (!this.#failing)
      this.#opts.logger.warn('push failed, retrying', {
        error: why,
        target: this.#opts.target,
        delayMs: Math.round(delayMs),
      });
    this.#failing = true;
    this.#releaseReaders();
    return { kind: 'retry', delayMs };
  }

  async #sleep(ms: number): Promise<void> {
    const wait = Math.max(0, Math.min(ms, this.#deadline - this.#now()));
    if (wait === 0 || this.#closed) return;
    const abort = new AbortController();
    this.#sleepAbort = abort;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, wait);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.#sleepAbort = undefined;
  }
}

/**
 * A Loki push body: PushRequest protobuf in one snappy block. `copyOutputData` matters: snappy 7.4's
 * default external output buffers are never freed (~1 MB of RSS lost per 500 KB body; measured, see
 * docs/forwarder.md), which would run a forwarder out of memory in minutes under load.
 */
export function encodeBody(streams: readonly PushStream[]): Buffer {
  const raw = encodePushProtobufRaw(streams);
  return snappy.compressSync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
    copyOutputData: true,
  });
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

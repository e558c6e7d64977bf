/**
 * Message protocol between CaptureWriter (caller's thread) and the WriterCore it drives, and the host loop
 * that runs the core: in the worker thread (writer-worker.ts) or inline on the caller's thread.
 */

import type { EntryBatch } from './batch.js';
import type { EncodedBatch } from './encoded-batch.js';
import {
  CaptureCorruptError,
  type CaptureError,
  CaptureIoError,
  CaptureLockedError,
  InvalidOptionError,
  WriterFailedError,
} from './errors.js';
import type { CoreConfig, WriterEvent } from './writer-config.js';
import type { CoreStats, WriterCore } from './writer-core.js';
import { openWriterCore } from './writer-open.js';

/** Caller -> core. `now` is the caller's clock (ms) when the message was sent. */
export type ToCore =
  | { t: 'batch'; id: number; batch: EntryBatch; now: number }
  | { t: 'encoded'; id: number; batch: EncodedBatch; now: number }
  | { t: 'audit'; event: string; fields: Record<string, unknown> | undefined; now: number }
  | { t: 'counters'; counters: Record<string, number>; now: number }
  | { t: 'flush'; id: number; now: number }
  | { t: 'close'; id: number; now: number };

/** Core -> caller. */
export type FromCore =
  | { t: 'ready'; stats: CoreStats }
  | { t: 'open_error'; error: SerializedError }
  | { t: 'progress'; stats: CoreStats }
  | { t: 'event'; event: WriterEvent }
  | { t: 'done'; id: number; stats: CoreStats }
  | { t: 'failed'; error: SerializedError }
  /** Buffers of an encoded batch, written: back to the caller for its next batches. */
  | { t: 'recycle'; buffers: ArrayBuffer[] };

/** An error crossing the thread boundary (structured clone drops the class). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k !== 'code' && k !== 'name' && (typeof v !== 'object' || v === null)) fields[k] = v;
  }
  const s: SerializedError = { name: err.name, message: err.message, fields };
  if (err.stack !== undefined) s.stack = err.stack;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') s.code = code;
  return s;
}

const REVIVE: Record<string, { prototype: CaptureError }> = {
  CAPTURE_LOCKED: CaptureLockedError,
  CAPTURE_IO: CaptureIoError,
  CAPTURE_CORRUPT: CaptureCorruptError,
  CAPTURE_INVALID_OPTION: InvalidOptionError,
};

/** Rebuilds a typed error from its serialized form (same class, code, message and fields). */
export function reviveError(s: SerializedError): Error {
  const cls = s.code !== undefined ? REVIVE[s.code] : undefined;
  if (cls === undefined) {
    return new WriterFailedError(`${s.name}: ${s.message}`);
  }
  const err = Object.create(cls.prototype) as Error;
  Object.assign(err, s.fields, { message: s.message, name: s.name, code: s.code, stack: s.stack });
  return err;
}

/** Runs a WriterCore behind the message protocol. */
export interface HostIo {
  post(msg: FromCore): void;
  /** Clock for periodic work between messages (ms). */
  now(): number;
  /** Called once the core is closed (the worker lets its thread end). */
  closed?(): void;
  /** An encoded batch has been written (its bytes are in the compressor): its buffers may be reused. */
  recycle?(batch: EncodedBatch): void;
}

export class CoreHost {
  #core: WriterCore | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #acked = -1;
  #lastProgress = 0;
  #failed = false;

  constructor(
    private readonly io: HostIo,
    config: CoreConfig,
    nowMs: number,
  ) {
    try {
      this.#core = openWriterCore(config, { onEvent: (event) => io.post({ t: 'event', event }) }, nowMs);
    } catch (err) {
      io.post({ t: 'open_error', error: serializeError(err) });
      return;
    }
    io.post({ t: 'ready', stats: this.#core.stats() });
    // Tick often enough that a frame is never older than flushInterval by more than a quarter of it.
    const period = Math.max(5, Math.min(100, Math.floor(config.flushIntervalMs / 4)));
    this.#timer = setInterval(() => this.#run(() => this.#core!.tick(this.io.now())), period);
  }

  handle(msg: ToCore): void {
    const core = this.#core;
    if (core === undefined || this.#failed) return;
    switch (msg.t) {
      case 'batch':
        this.#run(() => core.append(msg.id, msg.batch, msg.now));
        break;
      case 'encoded':
        this.#run(() => core.appendEncoded(msg.id, msg.batch, msg.now));
        this.io.recycle?.(msg.batch);
        break;
      case 'audit':
        this.#run(() => core.audit(msg.event, msg.fields, msg.now));
        break;
      case 'counters':
        core.setCounters(msg.counters);
        break;
      case 'flush':
        this.#run(() => core.flush(msg.now));
        if (!this.#failed) this.io.post({ t: 'done', id: msg.id, stats: core.stats() });
        break;
      case 'close':
        this.#run(() => core.close(msg.now));
        if (this.#timer !== undefined) clearInterval(this.#timer);
        if (!this.#failed) this.io.post({ t: 'done', id: msg.id, stats: core.stats() });
        this.io.closed?.();
        break;
    }
  }

  #run(fn: () => void): void {
    if (this.#failed) return;
    try {
      fn();
    } catch (err) {
      // Expected I/O failures are absorbed by the core; anything reaching here is a bug. Stop cleanly: what
      // was written stays on disk and the next open recovers it.
      this.#failed = true;
      if (this.#timer !== undefined) clearInterval(this.#timer);
      this.io.post({ t: 'failed', error: serializeError(err) });
      return;
    }
    const stats = this.#core!.stats();
    const now = performance.now(); // throttling only: real monotonic time, not the injected clock
    if (stats.ackedBatch !== this.#acked || now - this.#lastProgress >= 1000) {
      this.#acked = stats.ackedBatch;
      this.#lastProgress = now;
      this.io.post({ t: 'progress', stats });
    }
  }
}

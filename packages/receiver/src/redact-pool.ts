/**
 * Redaction off the request thread: a pool of worker threads (redact-worker.ts), each decoding,
 * redacting and serialising whole pushes with its own compiled copy of the policy. Redaction is the
 * costly step of ingest with a policy on (~70 MB/s of lines per core); in threads it uses every core
 * while the request thread keeps answering, and it still happens before anything is queued or written.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncodedBatch } from '@logtap/capture';
import type { RedactorOptions } from '@logtap/redact';
import type { PrepareReply, PrepareRequest } from './prepare.js';
import type { Redactor } from './types.js';

function workerUrl(): URL {
  const here = new URL('./redact-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  // Running from the TypeScript sources (jest): the worker is the compiled one in dist/.
  return new URL('../dist/redact-worker.js', import.meta.url);
}

/** The distinct ArrayBuffers of a batch, to move it to another thread. */
export function batchTransferList(b: EncodedBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of [b.data, b.ends, b.sec, b.nsec, b.sets]) {
    if (!out.includes(a.buffer as ArrayBuffer)) out.push(a.buffer as ArrayBuffer);
  }
  return out;
}

/** A failed push as it crosses back: message, HTTP status and code of the error. */
export function errorReply(id: number, err: unknown): PrepareReply {
  const e = err as { message?: unknown; httpStatus?: unknown; code?: unknown } | null;
  const status =
    typeof e?.httpStatus === 'number' && e.httpStatus >= 400 && e.httpStatus < 600 ? e.httpStatus : 400;
  return {
    id,
    ok: false,
    error: {
      message: typeof e?.message === 'string' ? e.message : String(err),
      httpStatus: status,
      code: typeof e?.code === 'string' ? e.code : undefined,
    },
  };
}

/** Buffers going back to a redaction thread (see {@link RedactPool.recycle}). */
export interface RecycleMessage {
  recycle: EncodedBatch;
}

interface Slot {
  worker: Worker;
  pending: number;
  /** The thread's cumulative redaction counters, as of its last reply. */
  hits: Record<string, number>;
}

export interface RedactPoolOptions {
  policy: RedactorOptions;
  redactLabels: boolean;
  maxLineBytes: number;
  threads: number;
}

export class RedactPool {
  readonly #opts: RedactPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #waiting = new Map<number, { resolve: (r: PrepareReply) => void; slot: Slot }>();
  /** Which thread serialised a batch, to give it its buffers back. */
  readonly #madeBy = new WeakMap<EncodedBatch, Slot>();
  /** Counters of threads that ended (respawned), so totals never go back. */
  readonly #retired: Record<string, number> = Object.create(null);
  #nextId = 0;
  #closed = false;
  #backlog = 0;

  constructor(opts: RedactPoolOptions) {
    this.#opts = opts;
    for (let i = 0; i < Math.max(1, opts.threads); i++) this.#slots.push(this.#spawn());
  }

  get threads(): number {
    return this.#slots.length;
  }

  /** Bytes of request bodies handed to the threads and not answered yet. */
  get backlogBytes(): number {
    return this.#backlog;
  }

  #spawn(): Slot {
    const { policy, redactLabels, maxLineBytes } = this.#opts;
    const worker = new Worker(workerUrl(), { workerData: { policy, redactLabels, maxLineBytes } });
    const slot: Slot = { worker, pending: 0, hits: Object.create(null) };
    worker.on('message', (reply: PrepareReply) => {
      const w = this.#waiting.get(reply.id);
      if (w === undefined) return;
      this.#waiting.delete(reply.id);
      slot.pending--;
      if (reply.ok) {
        slot.hits = reply.hits;
        this.#madeBy.set(reply.batch, slot);
      }
      w.resolve(reply);
    });
    // A thread that dies (a bug, memory) fails its pushes with 500 and is replaced.
    const onGone = (err: unknown): void => {
      if (!this.#slots.includes(slot)) return;
      for (const [id, w] of this.#waiting) {
        if (w.slot !== slot) continue;
        this.#waiting.delete(id);
        w.resolve({
          id,
          ok: false,
          error: {
            message: `redaction thread failed: ${(err as Error)?.message ?? err}`,
            httpStatus: 500,
            code: undefined,
          },
        });
      }
      for (const [rule, n] of Object.entries(slot.hits)) this.#retired[rule] = (this.#retired[rule] ?? 0) + n;
      const i = this.#slots.indexOf(slot);
      if (this.#closed) this.#slots.splice(i, 1);
      else this.#slots[i] = this.#spawn();
    };
    worker.on('error', onGone);
    worker.on('exit', (code) => onGone(new Error(`exited with code ${code}`)));
    return slot;
  }

  /**
   * Decodes, redacts and serialises a push in the least busy thread. The body is moved there when it
   * owns its memory, copied otherwise. Resolves the prepared push or the error to answer with.
   */
  prepare(req: Omit<PrepareRequest, 'id' | 'body'>, body: Uint8Array): Promise<PrepareReply> {
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.pending < slot.pending) slot = s;
    const id = ++this.#nextId;
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const data = owned ? body : new Uint8Array(body);
    const size = data.byteLength;
    slot.pending++;
    this.#backlog += size;
    return new Promise<PrepareReply>((resolve) => {
      this.#waiting.set(id, {
        resolve: (reply) => {
          this.#backlog -= size;
          resolve(reply);
        },
        slot,
      });
      slot.worker.postMessage({ ...req, id, body: data } satisfies PrepareRequest, [
        data.buffer as ArrayBuffer,
      ]);
    });
  }

  /**
   * Gives a batch's buffers back to the thread that made them, once this thread no longer needs them
   * (the lines were copied, or dropped): that thread's next batches reuse them instead of new memory.
   */
  recycle(batch: EncodedBatch): void {
    const slot = this.#madeBy.get(batch);
    if (slot === undefined || this.#closed || !this.#slots.includes(slot)) return;
    this.#madeBy.delete(batch);
    const buffers = batchTransferList(batch).filter((ab) => ab.byteLength > 0);
    slot.worker.postMessage({ recycle: batch } satisfies RecycleMessage, buffers);
  }

  /** Redactions per rule over every thread so far. */
  hits(): Record<string, number> {
    const out: Record<string, number> = Object.assign(Object.create(null), this.#retired);
    for (const s of this.#slots)
      for (const [rule, n] of Object.entries(s.hits)) out[rule] = (out[rule] ?? 0) + n;
    return out;
  }

  /** Ends the threads (after the pushes in flight are answered: the server drains first). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The policy as the rest of the receiver sees it when it runs in threads: its rules and hash, the
 * request thread's copy for the odd label set (drop counts), and counters summed over every thread.
 */
export function pooledRedactor(main: Redactor, pool: RedactPool): Redactor {
  return {
    rules: main.rules,
    policyHash: main.policyHash,
    redact: (text) => main.redact(text),
    redactLabels: (labels) => main.redactLabels(labels),
    counters: () => {
      const out = pool.hits();
      for (const [rule, n] of Object.entries(main.counters())) out[rule] = (out[rule] ?? 0) + n;
      return out;
    },
  };
}

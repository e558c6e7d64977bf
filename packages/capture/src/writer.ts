/**
 * CaptureWriter: the caller-side half of the writer. `append()` validates, estimates the size, applies the
 * pending-bytes bound and copies the entries into columns (batch.ts); once per event-loop turn the columns
 * are posted to the core, which costs the caller ~8x less than serialising JSON here (bench/handoff.ts).
 * JSON encoding, compression, rotation, the disk cap and all file I/O happen in the worker thread.
 */

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BatchBuilder } from './batch.js';
import { CoreHost, type FromCore, reviveError, type ToCore } from './core-host.js';
import { releaseOwnLock } from './disk.js';
import {
  type EncodedBatch,
  EncodedBatchBuilder,
  recycleBuffers,
  transferableBuffers,
} from './encoded-batch.js';
import { type CaptureEntry, EntryEncoder, encodeLabels } from './entry-codec.js';
import { InvalidEntryError, WriterClosedError, WriterFailedError } from './errors.js';
import { type CoreConfig, resolveOptions, type WriterEvent, type WriterOptions } from './writer-config.js';
import type { CoreStats } from './writer-core.js';

/** Post the queue right away once it holds this much, instead of waiting for the next turn. */
const POST_BYTES = 1 << 20;
/** Encoded batches smaller than this are copied into one hand-off instead of sent (and transferred) alone. */
const SMALL_ENCODED_BYTES = 64 * 1024;
/** Bytes of a data line besides the message and labels: `{"ts":"<30>","labels":,"msg":""}\n`. */
const LINE_OVERHEAD = 56;

/** Counters of a writer; see {@link CaptureWriter.stats}. */
export interface WriterStats {
  state: 'live' | 'closing' | 'closed' | 'failed';
  dir: string;
  /** Lines and (estimated) bytes accepted by `append`. */
  acceptedLines: number;
  acceptedBytes: number;
  /** Lines and calls `append` refused (pending bound, or a failed writer). */
  rejectedLines: number;
  rejectedBatches: number;
  /** Accepted but not yet written, and the bound on it. */
  pendingLines: number;
  pendingBytes: number;
  maxPendingBytes: number;
  /** Age of the oldest accepted-but-unwritten entry (ms); 0 when nothing is pending. */
  lagMs: number;
  /** Written to data files in this session: lines, uncompressed and compressed bytes, frames. */
  writtenLines: number;
  writtenBytes: number;
  compressedBytes: number;
  frames: number;
  /** Lost in the writer because the disk cap or free-space mark left no room, or a write failed. */
  droppedLines: number;
  droppedBytes: number;
  rotations: number;
  /** Data files in the directory, and the one being written. */
  files: number;
  activeFile: string | undefined;
  /** Bytes of every file in the directory, and the cap. */
  diskBytes: number;
  maxDiskBytes: number;
  /** Closed files deleted to respect the cap, over the capture's life. */
  evictions: { files: number; lines: number; bytes: number };
  recoveries: number;
  /** Lines written over the capture's life (all sessions, evicted ones included). */
  totalLines: number;
  errors: number;
  lastError: string | undefined;
}

interface InFlight {
  id: number;
  lines: number;
  bytes: number;
  atMs: number;
}

interface Pending {
  resolve: (stats: CoreStats) => void;
  reject: (err: Error) => void;
}

interface Channel {
  post(msg: ToCore): void;
  terminate(): Promise<void>;
}

function workerUrl(): URL {
  const here = new URL('./writer-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  // Running from the TypeScript sources (jest): the worker is the compiled one in dist/.
  return new URL('../dist/writer-worker.js', import.meta.url);
}

/**
 * Writes a capture directory: crash-safe zstd frames, rotation, index, metadata checkpoints, a hard disk cap
 * and a bounded audit log. Open with {@link CaptureWriter.open}; `append` never blocks.
 *
 * @example
 * const w = await CaptureWriter.open('./capture', { maxDiskBytes: 10 * 2 ** 30 });
 * if (!w.append([{ ts: 1700000000000000000n, labels: { app: 'web' }, msg: 'GET /' }])) countDrop();
 * await w.close();
 */
export class CaptureWriter {
  readonly #cfg: CoreConfig;
  readonly #now: () => number;
  readonly #onEvent: ((e: WriterEvent) => void) | undefined;
  #channel!: Channel;
  #state: WriterStats['state'] = 'live';
  #core!: CoreStats;
  #queue = new BatchBuilder();
  /** Small encoded batches, coalesced into one hand-off (only one of the two queues holds lines at a time). */
  #encodedQueue = new EncodedBatchBuilder(0, 0);
  #queueBytes = 0;
  #queueSinceMs = 0;
  #scheduled = false;
  readonly #inflight: InFlight[] = [];
  #inflightLines = 0;
  #inflightBytes = 0;
  #batchId = 0;
  #requestId = 0;
  readonly #requests = new Map<number, Pending>();
  #accepted = { lines: 0, bytes: 0 };
  #rejected = { lines: 0, batches: 0 };
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;
  // Label sets are shared by the entries of a stream: their JSON is computed once per labels object.
  readonly #encoder = new EntryEncoder();

  private constructor(cfg: CoreConfig, opts: WriterOptions) {
    this.#cfg = cfg;
    this.#now = opts.now ?? Date.now;
    this.#onEvent = opts.onEvent;
  }

  /**
   * Opens `dir` for writing, creating it (0700) or resuming it: a crashed writer's active file is recovered
   * and indexed first. Rejects with CaptureLockedError when another live writer has it, CaptureIoError when
   * it cannot be created or read, InvalidOptionError for bad options.
   */
  static async open(dir: string, opts: WriterOptions = {}): Promise<CaptureWriter> {
    const cfg = resolveOptions(path.resolve(dir), opts);
    const w = new CaptureWriter(cfg, opts);
    await w.#start(opts.worker ?? true);
    return w;
  }

  #start(useWorker: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let opened = false;
      const onMessage = (msg: FromCore): void => {
        if (msg.t === 'ready') {
          opened = true;
          this.#core = msg.stats;
          resolve();
        } else if (msg.t === 'open_error') {
          void this.#channel.terminate();
          reject(reviveError(msg.error));
        } else {
          this.#receive(msg);
        }
      };
      const onFailure = (err: Error): void => {
        if (!opened) reject(new WriterFailedError(err.message, { cause: err }));
        else this.#fail(err);
      };
      if (useWorker) {
        const worker = new Worker(workerUrl(), { workerData: { config: this.#cfg, now: this.#now() } });
        worker.on('message', onMessage);
        worker.on('error', onFailure);
        worker.on('exit', (code) => {
          if (this.#state !== 'closed') onFailure(new Error(`writer thread exited with code ${code}`));
        });
        this.#channel = {
          post: (msg) => {
            if (msg.t === 'batch') {
              worker.postMessage(msg, [
                msg.batch.ts.buffer as ArrayBuffer,
                msg.batch.sets.buffer as ArrayBuffer,
              ]);
            } else if (msg.t === 'encoded') {
              // Builder-made buffers move to the writer thread without a copy; anything else is cloned.
              const transfer = transferableBuffers(msg.batch);
              if (transfer !== undefined) worker.postMessage(msg, transfer);
              else worker.postMessage(msg);
            } else {
              worker.postMessage(msg);
            }
          },
          terminate: async () => {
            await worker.terminate();
          },
        };
      } else {
        let host: CoreHost | undefined;
        this.#channel = {
          post: (msg) => host?.handle(msg),
          terminate: async () => {},
        };
        try {
          host = new CoreHost(
            {
              post: onMessage,
              now: this.#now,
              // Inline, the batch is the caller's own: only builder-made buffers may be reused.
              recycle: (batch) => {
                const buffers = transferableBuffers(batch);
                if (buffers !== undefined) recycleBuffers(buffers);
              },
            },
            this.#cfg,
            this.#now(),
          );
        } catch (err) {
          reject(err);
        }
      }
    });
  }

  /**
   * Queues entries for writing; never blocks. Returns false, keeping none of them, when the writer failed or
   * when they would push the pending (accepted, unwritten) bytes past `maxPendingBytes`: the caller applies
   * its drop policy. The entries are copied; a labels object's JSON is cached by identity, so do not mutate
   * a labels object once passed (give a changed set a new object). Throws WriterClosedError after `close()` and
   * InvalidEntryError for an entry that is not a CaptureEntry.
   */
  append(entries: readonly CaptureEntry[]): boolean {
    if (this.#state === 'closing' || this.#state === 'closed') throw new WriterClosedError('append');
    if (entries.length === 0) return true;
    const pending = this.#queueBytes + this.#inflightBytes;
    if (this.#state === 'failed' || pending >= this.#cfg.maxPendingBytes) return this.#reject(entries.length);
    let bytes = 0;
    for (const e of entries) bytes += this.#estimate(e);
    if (pending + bytes > this.#cfg.maxPendingBytes) return this.#reject(entries.length);
    if (this.#encodedQueue.lines > 0) this.#post(); // keep arrival order across the two forms
    if (this.#queue.n === 0) this.#queueSinceMs = this.#now();
    for (const e of entries) this.#queue.add(e, this.#encoder.labelsJson(e.labels));
    this.#queueBytes += bytes;
    this.#accepted.lines += entries.length;
    this.#accepted.bytes += bytes;
    if (this.#queueBytes >= POST_BYTES) this.#post();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#post());
    }
    return true;
  }

  /**
   * Queues lines already serialised as data lines ({@link EncodedBatchBuilder}); never blocks. Same
   * contract as {@link append}: false, keeping none of them, when the writer failed or the batch would
   * push the pending bytes (counted exactly: its JSONL bytes) past `maxPendingBytes`. The batch's buffers
   * are taken over (moved to the writer thread): do not use the batch afterwards. Small batches are
   * copied and sent together. Throws WriterClosedError after `close()`, InvalidEntryError for a batch
   * whose columns do not fit its data.
   */
  appendEncoded(batch: EncodedBatch): boolean {
    if (this.#state === 'closing' || this.#state === 'closed') throw new WriterClosedError('appendEncoded');
    const n = batch.n;
    if (n === 0) return true;
    if (
      !(n <= batch.ends.length && n <= batch.sec.length && n <= batch.nsec.length && n <= batch.sets.length)
    ) {
      throw new InvalidEntryError(`encoded batch of ${n} lines has shorter columns`);
    }
    const bytes = batch.ends[n - 1]!;
    if (bytes > batch.data.length || bytes < n) {
      throw new InvalidEntryError(
        `encoded batch of ${n} lines ends at byte ${bytes}, outside its ${batch.data.length} bytes`,
      );
    }
    const pending = this.#queueBytes + this.#inflightBytes;
    if (
      this.#state === 'failed' ||
      pending >= this.#cfg.maxPendingBytes ||
      pending + bytes > this.#cfg.maxPendingBytes
    ) {
      return this.#reject(n);
    }
    if (this.#queue.n > 0) this.#post(); // keep arrival order across the two forms
    this.#accepted.lines += n;
    this.#accepted.bytes += bytes;
    if (bytes < SMALL_ENCODED_BYTES) {
      // Many small pushes (one line each, say) would cost a message each: copy them into one batch.
      if (this.#encodedQueue.lines === 0) this.#queueSinceMs = this.#now();
      this.#encodedQueue.addBatch(batch);
      this.#queueBytes += bytes;
      if (this.#queueBytes >= POST_BYTES) this.#post();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#post());
      }
      return true;
    }
    this.#post();
    // An inline core may have failed while taking the queue: the batch counts as accepted and lost with it.
    if ((this.#state as WriterStats['state']) === 'failed') return true;
    const id = ++this.#batchId;
    this.#inflight.push({ id, lines: n, bytes, atMs: this.#now() });
    this.#inflightLines += n;
    this.#inflightBytes += bytes;
    this.#channel.post({ t: 'encoded', id, batch, now: this.#now() });
    return true;
  }

  #reject(lines: number): false {
    this.#rejected.lines += lines;
    this.#rejected.batches++;
    return false;
  }

  /** Estimated encoded size; validates the entry's shape on the way (cheap typeof checks). */
  #estimate(e: CaptureEntry): number {
    if (typeof e !== 'object' || e === null) throw new InvalidEntryError('not an object');
    if (typeof e.ts !== 'bigint') throw new InvalidEntryError(`ts is ${typeof e.ts}, not bigint`);
    if (typeof e.msg !== 'string') throw new InvalidEntryError(`msg is ${typeof e.msg}, not string`);
    const labels = e.labels;
    if (typeof labels !== 'object' || labels === null) throw new InvalidEntryError('labels is not an object');
    let n = LINE_OVERHEAD + this.#encoder.labelsJson(labels).length + e.msg.length;
    if (e.meta !== undefined) {
      if (typeof e.meta !== 'object' || e.meta === null) throw new InvalidEntryError('meta is not an object');
      n += encodeLabels(e.meta).length + 8;
    }
    return n;
  }

  #post(): void {
    this.#scheduled = false;
    const encoded = this.#encodedQueue.lines;
    if ((this.#queue.n === 0 && encoded === 0) || this.#state === 'failed') return;
    const id = ++this.#batchId;
    const lines = encoded > 0 ? encoded : this.#queue.n;
    this.#inflight.push({ id, lines, bytes: this.#queueBytes, atMs: this.#queueSinceMs });
    this.#inflightLines += lines;
    this.#inflightBytes += this.#queueBytes;
    this.#queueBytes = 0;
    if (encoded > 0) {
      this.#channel.post({ t: 'encoded', id, batch: this.#encodedQueue.take(), now: this.#now() });
    } else {
      this.#channel.post({ t: 'batch', id, batch: this.#queue.take(), now: this.#now() });
    }
  }

  #receive(msg: FromCore): void {
    switch (msg.t) {
      case 'progress':
        this.#progress(msg.stats);
        break;
      case 'done': {
        this.#progress(msg.stats);
        const req = this.#requests.get(msg.id);
        this.#requests.delete(msg.id);
        req?.resolve(msg.stats);
        break;
      }
      case 'recycle':
        recycleBuffers(msg.buffers);
        break;
      case 'event':
        try {
          this.#onEvent?.(msg.event);
        } catch {
          // A throwing listener must not take the writer down; the event is also in audit.jsonl.
        }
        break;
      case 'failed':
        this.#fail(reviveError(msg.error));
        break;
      default:
        break;
    }
  }

  #progress(stats: CoreStats): void {
    this.#core = stats;
    while (this.#inflight.length > 0 && this.#inflight[0]!.id <= stats.ackedBatch) {
      const b = this.#inflight.shift()!;
      this.#inflightLines -= b.lines;
      this.#inflightBytes -= b.bytes;
    }
  }

  #fail(err: Error): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#failure =
      err instanceof WriterFailedError ? err : new WriterFailedError(err.message, { cause: err });
    for (const req of this.#requests.values()) req.reject(this.#failure);
    this.#requests.clear();
    // What was written stays; free the directory so it can be reopened (and recovered) right away.
    void this.#channel.terminate().then(() => {
      if (this.#cfg.lock) releaseOwnLock(this.#cfg.dir);
    });
  }

  #request(kind: 'flush' | 'close'): Promise<CoreStats> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    this.#post();
    const id = ++this.#requestId;
    return new Promise<CoreStats>((resolve, reject) => {
      this.#requests.set(id, { resolve, reject });
      this.#channel.post({ t: kind, id, now: this.#now() });
    });
  }

  /** Appends an event to audit.jsonl (bounded; counts toward the disk cap). Values may be bigint. */
  audit(event: string, fields?: Record<string, unknown>): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw new WriterClosedError('audit');
    if (this.#state === 'failed') return;
    this.#post(); // keep the audit trail in order with the data around it
    this.#channel.post({ t: 'audit', event, fields, now: this.#now() });
  }

  /** Replaces the caller's counters recorded in metadata.json (e.g. `{ dropped_queue_full: 12 }`). */
  setCounters(counters: Record<string, number>): void {
    if (this.#state !== 'live') return;
    this.#channel.post({ t: 'counters', counters: { ...counters }, now: this.#now() });
  }

  /** Resolves once everything appended so far is written to the data file (one frame; no fsync). */
  async flush(): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') throw new WriterClosedError('flush');
    await this.#request('flush');
  }

  /**
   * Writes what is pending, indexes the active file, writes the final metadata (state `stopped`) and
   * releases the directory. Idempotent. Rejects with WriterFailedError if the writer thread failed.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      if (this.#state === 'failed') return Promise.reject(this.#failure);
      this.#state = 'closing';
      this.#closing = this.#request('close').then(async () => {
        this.#state = 'closed';
        await this.#channel.terminate();
      });
    }
    return this.#closing;
  }

  /** Current counters (the core's part is as of its last progress report, at least once a second). */
  stats(): WriterStats {
    const c = this.#core;
    const now = this.#now();
    const queued = this.#queue.n + this.#encodedQueue.lines;
    const oldest = this.#inflight[0]?.atMs ?? (queued > 0 ? this.#queueSinceMs : undefined);
    return {
      state: this.#state,
      dir: this.#cfg.dir,
      acceptedLines: this.#accepted.lines,
      acceptedBytes: this.#accepted.bytes,
      rejectedLines: this.#rejected.lines,
      rejectedBatches: this.#rejected.batches,
      pendingLines: queued + this.#inflightLines,
      pendingBytes: this.#queueBytes + this.#inflightBytes,
      maxPendingBytes: this.#cfg.maxPendingBytes,
      lagMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
      writtenLines: c.writtenLines,
      writtenBytes: c.writtenBytes,
      compressedBytes: c.compressedBytes,
      frames: c.frames,
      droppedLines: c.droppedLines,
      droppedBytes: c.droppedBytes,
      rotations: c.rotations,
      files: c.files,
      activeFile: c.activeFile,
      diskBytes: c.diskBytes,
      maxDiskBytes: c.maxDiskBytes,
      evictions: { ...c.evictions },
      recoveries: c.recoveries,
      totalLines: c.totalLines,
      errors: c.errors,
      lastError: this.#failure?.message ?? c.lastError,
    };
  }
}

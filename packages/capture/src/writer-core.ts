/**
 * The writer's state machine, synchronous and single-threaded (it runs in the worker thread, or inline).
 * Entries are encoded to JSONL, compressed into the open zstd frame and written as one `pwrite` per frame;
 * frames end every `flushBytes` or `flushIntervalMs`. Before any byte is written the disk budget is checked:
 * the oldest closed files are evicted (and the index pruned atomically) so the directory never grows past
 * `maxDiskBytes`. Opening, recovery and the initial scan live in writer-open.ts.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EntryBatch } from './batch.js';
import { CaptureDir } from './capture-dir.js';
import { FILE_MODE, freeBytes, releaseLock, writeAllSync } from './disk.js';
import type { EncodedBatch } from './encoded-batch.js';
import { EntryEncoder } from './entry-codec.js';
import { FileStats, FrameStats, indexLine } from './file-stats.js';
import { type CaptureTotals, metadataDocument } from './metadata-doc.js';
import { dataFileName, fileStamp, parseDataFileName } from './names.js';
import type { IndexEntry } from './schema.js';
import { MAX_TIMESTAMP_NS } from './timestamp.js';
import type { CoreConfig, WriterEvent } from './writer-config.js';
import { FrameCompressor } from './zstd.js';

/** Slack kept in the budget for small writes between two checks (audit lines of writer events). */
const HEADROOM = 4096;
const STAGING_BYTES = 1 << 20;

/** Things a test (or an embedding) can replace. */
export interface CoreHooks {
  /** Free bytes of the file system holding the directory. Default: statfs. */
  freeBytes?: (dir: string) => number;
  /** Writes a whole frame at a position (fault injection in tests). Default: a pwrite loop. */
  writeAll?: (fd: number, data: Uint8Array, position: number) => void;
  onEvent?: (e: WriterEvent) => void;
}

/** A closed data file the writer may evict. */
export interface ClosedFile {
  entry: IndexEntry;
  size: number;
}

/** State recovered from the directory by writer-open.ts. */
export interface InitialState extends CaptureTotals {
  closed: ClosedFile[];
  names: Set<string>;
  lockFile: string | undefined;
}

/** Counters the core reports after every message (mirrored by CaptureWriter.stats()). */
export interface CoreStats {
  /** Highest batch id whose lines are all written (or dropped). */
  ackedBatch: number;
  writtenLines: number;
  writtenBytes: number;
  compressedBytes: number;
  droppedLines: number;
  droppedBytes: number;
  frames: number;
  rotations: number;
  files: number;
  activeFile: string | undefined;
  diskBytes: number;
  maxDiskBytes: number;
  evictions: { files: number; lines: number; bytes: number };
  recoveries: number;
  totalLines: number;
  auditDropped: number;
  errors: number;
  lastError: string | undefined;
}

interface ActiveFile {
  name: string;
  path: string;
  fd: number;
  openedAtMs: number;
  stats: FileStats;
}

export class WriterCore {
  readonly #cfg: CoreConfig;
  readonly #hooks: CoreHooks;
  readonly #encoder = new EntryEncoder();
  readonly #labelSets = new Map<string, Record<string, string>>();
  readonly #compressor: FrameCompressor;
  readonly #staging = Buffer.allocUnsafe(STAGING_BYTES);
  #stagingLen = 0;
  #file: ActiveFile | undefined;
  #frame = new FrameStats();
  readonly #closed: ClosedFile[];
  readonly #names: Set<string>;
  #lastStamp = '';
  #lastSeq = -1;
  readonly #s: InitialState;
  readonly #dir: CaptureDir;
  #lastCheckpointMs: number;
  #lastQueuedBatch = 0;
  #ackedBatch = 0;
  #written = { lines: 0, bytes: 0, compressed: 0, frames: 0, rotations: 0 };
  #refusing: { reason: string; lines: number; bytes: number } | undefined;
  #errors = 0;
  #lastError: string | undefined;
  #closedState = false;
  /** Rotate when the active file's compressed size reaches this, so eviction frees space in small steps. */
  readonly #granule: number;

  constructor(cfg: CoreConfig, state: InitialState, hooks: CoreHooks, nowMs: number) {
    this.#cfg = cfg;
    this.#hooks = hooks;
    this.#s = state;
    this.#closed = state.closed;
    this.#names = state.names;
    this.#compressor = new FrameCompressor(cfg.zstdLevel);
    this.#granule = Math.max(cfg.flushBytes, Math.floor(cfg.maxDiskBytes / 8));
    // A resumed capture continues after its newest file, whatever the clock says now.
    for (const n of state.names) {
      const p = parseDataFileName(n);
      if (
        p !== undefined &&
        (p.stamp > this.#lastStamp || (p.stamp === this.#lastStamp && p.seq > this.#lastSeq))
      ) {
        this.#lastStamp = p.stamp;
        this.#lastSeq = p.seq;
      }
    }
    this.#lastCheckpointMs = nowMs;
    this.#dir = new CaptureDir(cfg.dir, cfg.auditMaxBytes, (op, detail) => this.#error(op, detail));
  }

  get config(): CoreConfig {
    return this.#cfg;
  }

  // ---------------------------------------------------------------- ingest

  /** Encodes and buffers a batch; frames are written as they fill. `batchId` is acked once written. */
  append(batchId: number, batch: EntryBatch, nowMs: number): void {
    const { msgs, ts, sets, meta } = batch;
    const labels = batch.labelSets.map((json) => this.#labelSet(json));
    for (let i = 0; i < batch.n; i++) {
      const s = sets[i]!;
      this.#line(ts[i]!, batch.labelSets[s]!, labels[s]!, msgs[i]!, meta?.[i], nowMs);
    }
    this.#lastQueuedBatch = batchId;
    if (this.#frame.lines === 0) this.#ackedBatch = batchId; // nothing buffered (all rotated out or empty)
  }

  /**
   * Compresses a batch of lines already in JSONL form (see encoded-batch.ts) straight from its bytes;
   * rotation, frames and the index work per line exactly as for {@link append}.
   */
  appendEncoded(batchId: number, batch: EncodedBatch, nowMs: number): void {
    // Lines staged from entry batches come first: the file keeps arrival order.
    this.#drainStaging();
    const { n, data, ends, sec, nsec, sets } = batch;
    const labels = batch.labelSets.map((json) => this.#labelSet(json));
    const { maxFileBytes, maxFileAgeMs, flushBytes } = this.#cfg;
    // data[given, start) is in the open frame but not yet handed to the compressor.
    let given = 0;
    let start = 0;
    for (let i = 0; i < n; i++) {
      const end = ends[i]!;
      const len = end - start;
      const f = this.#file;
      if (f !== undefined) {
        const raw = f.stats.bytes + this.#frame.bytes;
        if (raw > 0 && (raw + len > maxFileBytes || nowMs - f.openedAtMs >= maxFileAgeMs)) {
          // Rotate before this line: the bytes before it finish the current file.
          if (start > given) this.#compressor.write(data.subarray(given, start));
          given = start;
          this.#rotate(nowMs, raw + len > maxFileBytes ? 'size' : 'age');
        }
      }
      if (this.#file === undefined) this.#openFile(nowMs);
      if (this.#frame.lines === 0) this.#frame.firstAtMs = nowMs;
      this.#frame.addParts(sec[i]!, nsec[i]!, labels[sets[i]!]!, len);
      if (this.#frame.bytes >= flushBytes) {
        this.#compressor.write(data.subarray(given, end));
        given = end;
        this.#flushFrame(nowMs);
      }
      start = end;
    }
    if (start > given) this.#compressor.write(data.subarray(given, start));
    this.#lastQueuedBatch = batchId;
    if (this.#frame.lines === 0) this.#ackedBatch = batchId;
  }

  /** The label set of a canonical labels JSON, one shared object per distinct set (counted per object). */
  #labelSet(json: string): Record<string, string> {
    let set = this.#labelSets.get(json);
    if (set === undefined) {
      set = JSON.parse(json) as Record<string, string>; // produced by encodeLabels: a string map
      if (this.#labelSets.size >= 8192) this.#labelSets.clear();
      this.#labelSets.set(json, set);
    }
    return set;
  }

  #line(
    rawTs: bigint,
    labelsJson: string,
    labels: Record<string, string>,
    msg: string,
    metaJson: string | undefined,
    nowMs: number,
  ): void {
    // The format has no room for pre-1970 or post-9999 times; keep the line, clamp its time.
    const ts = rawTs < 0n ? 0n : rawTs > MAX_TIMESTAMP_NS ? MAX_TIMESTAMP_NS : rawTs;
    const text = this.#encoder.encodeJsonParts(ts, labelsJson, msg, metaJson);
    // UTF-8 needs at most 3 bytes per UTF-16 unit; make room before writing so Buffer.write never truncates.
    if (this.#stagingLen + text.length * 3 > STAGING_BYTES) this.#drainStaging();
    let big: Buffer | undefined;
    let n: number;
    if (text.length * 3 > STAGING_BYTES) {
      big = Buffer.from(text);
      n = big.length;
    } else {
      n = this.#staging.write(text, this.#stagingLen);
    }
    const f = this.#file;
    if (f !== undefined) {
      const raw = f.stats.bytes + this.#frame.bytes;
      if (raw > 0 && (raw + n > this.#cfg.maxFileBytes || nowMs - f.openedAtMs >= this.#cfg.maxFileAgeMs)) {
        // Rotate before this line: the staged bytes before it finish the current file.
        const reason = raw + n > this.#cfg.maxFileBytes ? 'size' : 'age';
        const lineAt = this.#stagingLen;
        this.#rotate(nowMs, reason);
        if (big === undefined) this.#staging.copyWithin(0, lineAt, lineAt + n);
      }
    }
    if (this.#file === undefined) this.#openFile(nowMs);
    if (this.#frame.lines === 0) this.#frame.firstAtMs = nowMs;
    this.#frame.add(ts, labels, n);
    if (big !== undefined) this.#compressor.write(big);
    else this.#stagingLen += n;
    if (this.#frame.bytes >= this.#cfg.flushBytes) this.#flushFrame(nowMs);
  }

  #drainStaging(): void {
    if (this.#stagingLen === 0) return;
    this.#compressor.write(this.#staging.subarray(0, this.#stagingLen));
    this.#stagingLen = 0;
  }

  /** Periodic work: flush an old frame, rotate an old file, checkpoint metadata. */
  tick(nowMs: number): void {
    if (this.#closedState) return;
    if (this.#frame.lines > 0 && nowMs - this.#frame.firstAtMs >= this.#cfg.flushIntervalMs) {
      this.#flushFrame(nowMs);
    }
    const f = this.#file;
    if (f !== undefined && nowMs - f.openedAtMs >= this.#cfg.maxFileAgeMs) this.#rotate(nowMs, 'age');
    if (nowMs - this.#lastCheckpointMs >= this.#cfg.checkpointIntervalMs) this.checkpoint(nowMs);
  }

  /** Ends and writes the open frame now. */
  flush(nowMs: number): void {
    this.#flushFrame(nowMs);
  }

  // ---------------------------------------------------------------- frames and files

  #openFile(nowMs: number): void {
    // Names must sort in creation order: never reuse a sequence number (an evicted file's name is free
    // again, but a file named after it would sort before newer ones), and never go back in time when the
    // clock steps back.
    let stamp = fileStamp(nowMs);
    let seq = 0;
    if (stamp <= this.#lastStamp) {
      stamp = this.#lastStamp;
      seq = this.#lastSeq + 1;
    }
    while (
      this.#names.has(dataFileName(stamp, seq)) ||
      this.#names.has(dataFileName(stamp, seq).slice(0, -4))
    ) {
      seq++;
    }
    this.#lastStamp = stamp;
    this.#lastSeq = seq;
    const name = dataFileName(stamp, seq);
    this.#names.add(name);
    this.#file = {
      name,
      path: path.join(this.#cfg.dir, name),
      fd: -1,
      openedAtMs: nowMs,
      stats: new FileStats(this.#cfg.seekBytes, this.#cfg.maxLabelValuesPerKey),
    };
  }

  #flushFrame(nowMs: number): void {
    const frame = this.#frame;
    if (frame.lines === 0) return;
    this.#drainStaging();
    const data = this.#compressor.end();
    this.#frame = new FrameStats();
    const room = this.#ensureRoom(data.length, nowMs);
    if (room !== undefined) {
      this.#drop(frame, room.reason, room.detail, nowMs);
      return;
    }
    if (this.#file === undefined) this.#openFile(nowMs); // the cap closed (and maybe evicted) the old one
    const f = this.#file!;
    const offset = f.stats.compressed;
    try {
      if (f.fd < 0) f.fd = fs.openSync(f.path, 'wx', FILE_MODE);
      (this.#hooks.writeAll ?? writeAllSync)(f.fd, data, offset);
    } catch (err) {
      if (f.fd >= 0) {
        try {
          fs.ftruncateSync(f.fd, offset); // drop a partial write so the file stays a sequence of whole frames
        } catch {
          // Best effort; recovery cuts a torn tail anyway.
        }
      }
      this.#drop(frame, 'io_error', (err as Error).message, nowMs);
      return;
    }
    this.#dir.diskBytes += data.length;
    f.stats.addFrame(frame, offset, data.length);
    this.#written.lines += frame.lines;
    this.#written.bytes += frame.bytes;
    this.#written.compressed += data.length;
    this.#written.frames++;
    this.#s.totalLines += frame.lines;
    this.#s.totalBytes += frame.bytes;
    if (this.#s.firstTs === undefined || frame.from < this.#s.firstTs) this.#s.firstTs = frame.from;
    if (this.#s.lastTs === undefined || frame.to > this.#s.lastTs) this.#s.lastTs = frame.to;
    for (const set of frame.labelSets.keys()) for (const k in set) this.#s.labelsSeen.add(k);
    this.#ackedBatch = this.#lastQueuedBatch;
    if (this.#refusing !== undefined) {
      const r = this.#refusing;
      this.#refusing = undefined;
      this.#auditInternal(nowMs, 'write_resumed', { dropped_lines: r.lines, dropped_bytes: r.bytes });
      this.#emit({ type: 'write_resumed', droppedLines: r.lines, droppedBytes: r.bytes });
    }
    if (f.stats.compressed >= this.#granule) this.#closeFile(nowMs, 'disk_cap');
  }

  #drop(
    frame: FrameStats,
    reason: 'disk_cap' | 'min_free' | 'io_error',
    detail: string,
    nowMs: number,
  ): void {
    this.#s.dropped.lines += frame.lines;
    this.#s.dropped.bytes += frame.bytes;
    this.#ackedBatch = this.#lastQueuedBatch;
    if (this.#refusing === undefined) {
      this.#refusing = { reason, lines: 0, bytes: 0 };
      this.#auditInternal(nowMs, 'write_refused', { reason, detail });
      this.#emit({ type: 'write_refused', reason, detail });
    }
    this.#refusing.lines += frame.lines;
    this.#refusing.bytes += frame.bytes;
    if (reason === 'io_error') this.#error('write data', detail);
  }

  #rotate(nowMs: number, reason: 'size' | 'age' | 'disk_cap' | 'close'): void {
    this.#flushFrame(nowMs);
    this.#closeFile(nowMs, reason);
  }

  #closeFile(nowMs: number, reason: 'size' | 'age' | 'disk_cap' | 'close'): void {
    const f = this.#file;
    if (f === undefined) return;
    this.#file = undefined;
    if (f.fd >= 0) {
      try {
        fs.fsyncSync(f.fd);
        fs.closeSync(f.fd);
      } catch (err) {
        this.#error('close data file', (err as Error).message);
      }
    }
    if (f.stats.lines === 0) {
      this.#names.delete(f.name);
      if (f.fd >= 0) this.#dir.unlink(f.name, f.stats.compressed);
      return;
    }
    const entry = f.stats.toIndexEntry(f.name);
    this.#dir.appendIndexLine(indexLine(entry));
    this.#closed.push({ entry, size: f.stats.compressed });
    this.#written.rotations++;
    this.#auditInternal(nowMs, 'rotated', {
      file: f.name,
      reason,
      lines: entry.lines,
      bytes: entry.bytes,
      compressed_bytes: f.stats.compressed,
    });
    this.#emit({
      type: 'rotated',
      file: f.name,
      lines: entry.lines,
      bytes: entry.bytes,
      compressedBytes: f.stats.compressed,
      reason,
    });
  }

  // ---------------------------------------------------------------- disk budget

  /** Bytes kept free for the atomic rewrites, the active file's future index line and small appends. */
  #reserve(): number {
    return this.#dir.rewriteReserve() + (this.#file?.stats.indexLineEstimate ?? 0) + HEADROOM;
  }

  /**
   * Makes room for writing `need` bytes: evicts the oldest closed files (closing the active one first if it
   * is all that is left) until the cap and the free-space mark allow it. Returns why not when it cannot.
   */
  #ensureRoom(need: number, nowMs: number): { reason: 'disk_cap' | 'min_free'; detail: string } | undefined {
    const evicted: IndexEntry[] = [];
    let reason: 'disk_cap' | 'min_free' = 'disk_cap';
    const cap = this.#cfg.maxDiskBytes;
    while (this.#dir.diskBytes + need + this.#reserve() > cap) {
      if (!this.#evictOrClose(nowMs, evicted)) break;
    }
    let refused: { reason: 'disk_cap' | 'min_free'; detail: string } | undefined;
    if (this.#dir.diskBytes + need + this.#reserve() > cap) {
      refused = {
        reason: 'disk_cap',
        detail: `${need} more bytes would pass maxDiskBytes ${cap} (directory holds ${this.#dir.diskBytes})`,
      };
    } else if (this.#cfg.minFreeBytes > 0) {
      let free = this.#free();
      // The low-water mark is already a margin: only the write itself and small appends must fit above it.
      while (free - need - HEADROOM < this.#cfg.minFreeBytes) {
        const before = this.#dir.diskBytes;
        if (!this.#evictOrClose(nowMs, evicted)) break;
        reason = 'min_free';
        free += before - this.#dir.diskBytes;
      }
      if (free - need - HEADROOM < this.#cfg.minFreeBytes) {
        refused = {
          reason: 'min_free',
          detail: `${free} bytes free, below the low-water mark minFreeBytes ${this.#cfg.minFreeBytes}`,
        };
      }
    }
    if (evicted.length > 0) this.#recordEvictions(evicted, reason, nowMs);
    return refused;
  }

  #free(): number {
    try {
      return (this.#hooks.freeBytes ?? freeBytes)(this.#cfg.dir);
    } catch {
      return Number.POSITIVE_INFINITY; // statfs unsupported here: rely on the cap alone
    }
  }

  /** Evicts the oldest closed file, or closes the active one so it can be evicted next. */
  #evictOrClose(nowMs: number, evicted: IndexEntry[]): boolean {
    const oldest = this.#closed.shift();
    if (oldest !== undefined) {
      this.#dir.unlink(oldest.entry.file, oldest.size);
      this.#names.delete(oldest.entry.file);
      evicted.push(oldest.entry);
      return true;
    }
    const f = this.#file;
    if (f !== undefined && f.fd >= 0 && f.stats.lines > 0) {
      this.#closeFile(nowMs, 'disk_cap');
      return true;
    }
    return false;
  }

  #recordEvictions(evicted: IndexEntry[], reason: 'disk_cap' | 'min_free', nowMs: number): void {
    let lines = 0;
    let bytes = 0;
    for (const e of evicted) {
      lines += e.lines;
      bytes += e.bytes;
    }
    this.#s.evictions.files += evicted.length;
    this.#s.evictions.lines += lines;
    this.#s.evictions.bytes += bytes;
    this.#rewriteIndex();
    const files = evicted.map((e) => e.file);
    this.#auditInternal(nowMs, 'evicted', {
      reason,
      files: files.length > 20 ? [...files.slice(0, 20), `... ${files.length - 20} more`] : files,
      lines,
      bytes,
    });
    this.#emit({ type: 'evicted', files, lines, bytes, reason });
    // Eviction counters must survive a crash exactly: checkpoint now rather than in a few seconds.
    this.#writeMetadata(nowMs, 'live');
  }

  #rewriteIndex(): void {
    this.#dir.rewriteIndex(this.#closed.map((c) => indexLine(c.entry)).join(''));
  }

  // ---------------------------------------------------------------- metadata and audit

  /** Writes metadata.json now (state live) and re-measures the directory. */
  checkpoint(nowMs: number): void {
    this.#dir.resync();
    const f = this.#file;
    if (f !== undefined && f.fd >= 0) {
      try {
        fs.fdatasyncSync(f.fd);
      } catch (err) {
        this.#error('sync data file', (err as Error).message);
      }
    }
    this.#writeMetadata(nowMs, 'live');
  }

  #writeMetadata(nowMs: number, state: 'live' | 'stopped'): void {
    const f = this.#file;
    const doc = metadataDocument(state, nowMs, this.#s, this.#cfg, {
      files: this.#closed.length + (f !== undefined && f.fd >= 0 ? 1 : 0),
      diskBytes: this.#dir.diskBytes,
      auditDropped: this.#dir.auditDropped,
      writerErrors: this.#errors,
    });
    if (this.#dir.writeMetadata(doc)) this.#lastCheckpointMs = nowMs;
  }

  /** Replaces the caller-owned counters recorded in metadata.json (e.g. drops by reason). */
  setCounters(counters: Record<string, number>): void {
    this.#s.counters = { ...counters };
  }

  /** Appends a caller event to audit.jsonl, within the disk budget (dropped and counted when there is none). */
  audit(event: string, fields: Record<string, unknown> | undefined, nowMs: number): void {
    const line = this.#dir.auditLine(nowMs, event, fields);
    if (this.#ensureRoom(Buffer.byteLength(line), nowMs) !== undefined) {
      this.#dir.auditDropped++;
      return;
    }
    this.#dir.appendAudit(line, nowMs);
  }

  /** Writer events: small and rare, covered by the budget's headroom. */
  #auditInternal(nowMs: number, event: string, fields: Record<string, unknown>): void {
    this.#dir.appendAudit(this.#dir.auditLine(nowMs, event, fields), nowMs);
  }

  #error(operation: string, detail: string): void {
    this.#errors++;
    this.#lastError = `${operation}: ${detail}`;
    this.#emit({ type: 'error', operation, detail });
  }

  #emit(e: WriterEvent): void {
    this.#hooks.onEvent?.(e);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Writes everything, indexes the active file, records the stop and releases the lock. */
  close(nowMs: number): void {
    if (this.#closedState) return;
    this.#rotate(nowMs, 'close');
    this.#auditInternal(nowMs, 'capture_closed', {
      lines: this.#written.lines,
      bytes: this.#written.bytes,
      dropped_lines: this.#s.dropped.lines,
      total_lines: this.#s.totalLines,
    });
    this.#writeMetadata(nowMs, 'stopped');
    this.#closedState = true;
    if (this.#s.lockFile !== undefined) releaseLock(this.#s.lockFile);
  }

  /** Audits the opening (called once by writer-open.ts after recovery). */
  opened(nowMs: number, fields: Record<string, unknown>): void {
    this.#writeMetadata(nowMs, 'live');
    this.#auditInternal(nowMs, 'capture_opened', fields);
    // The cap may have been lowered since the last session: enforce it before the first write.
    const refused = this.#ensureRoom(0, nowMs);
    if (refused !== undefined) this.#error('enforce the disk cap', refused.detail);
  }

  /** Audit line for writer-open.ts (recoveries found while opening). */
  record(nowMs: number, event: string, fields: Record<string, unknown>): void {
    this.#auditInternal(nowMs, event, fields);
  }

  stats(): CoreStats {
    const f = this.#file;
    return {
      ackedBatch: this.#ackedBatch,
      writtenLines: this.#written.lines,
      writtenBytes: this.#written.bytes,
      compressedBytes: this.#written.compressed,
      droppedLines: this.#s.dropped.lines,
      droppedBytes: this.#s.dropped.bytes,
      frames: this.#written.frames,
      rotations: this.#written.rotations,
      files: this.#closed.length + (f !== undefined && f.fd >= 0 ? 1 : 0),
      activeFile: f !== undefined && f.fd >= 0 ? f.name : undefined,
      diskBytes: this.#dir.diskBytes,
      maxDiskBytes: this.#cfg.maxDiskBytes,
      evictions: { ...this.#s.evictions },
      recoveries: this.#s.recoveries,
      totalLines: this.#s.totalLines,
      auditDropped: this.#dir.auditDropped,
      errors: this.#errors,
      lastError: this.#lastError,
    };
  }
}

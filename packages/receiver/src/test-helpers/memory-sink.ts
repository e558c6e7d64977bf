import { type EncodedBatch, EntryDecoder } from '@logtap/capture';
import type { CaptureEntry, Sink, SinkStats } from '../types.js';

/**
 * An in-memory Sink with the capture writer's admission rule: a batch is refused when it would push
 * the pending bytes past `capacity`. Pending batches move to
 * `written` on drain(), which runs on its own after each append unless `autoDrain` is false.
 *
 * Like the capture writer it takes serialised batches (`appendEncoded`, read back into entries with the
 * capture's decoder, so tests see exactly what the data lines hold); `{ encoded: false }` leaves that out
 * and the receiver hands over entries instead.
 */
export class MemorySink implements Sink {
  appendEncoded?: (batch: EncodedBatch) => boolean;
  /** Serialised batches taken (appendEncoded calls that returned true). */
  encodedBatches = 0;
  readonly written: CaptureEntry[] = [];
  readonly audits: Array<{ event: string; fields: Record<string, unknown> | undefined }> = [];
  counters: Record<string, number> = {};
  closed = false;
  #pending: Array<{ entries: readonly CaptureEntry[]; bytes: number }> = [];
  #pendingBytes = 0;
  #bytesWritten = 0;
  #scheduled = false;

  constructor(
    readonly capacity: number,
    readonly autoDrain = true,
    opts: { encoded?: boolean } = {},
  ) {
    if (opts.encoded ?? true) this.appendEncoded = (batch) => this.#appendEncoded(batch);
  }

  append(entries: readonly CaptureEntry[]): boolean {
    const bytes = entries.reduce((sum, e) => sum + entryBytes(e), 0);
    return this.#take(entries, bytes);
  }

  #appendEncoded(batch: EncodedBatch): boolean {
    const decoder = new EntryDecoder();
    const entries: CaptureEntry[] = [];
    let start = 0;
    for (let i = 0; i < batch.n; i++) {
      const end = batch.ends[i]!;
      const line = Buffer.from(batch.data.buffer, start, end - start - 1).toString('utf8');
      const e = decoder.decode(line);
      if (e === undefined) throw new Error(`not a data line: ${line}`);
      // Plain objects, so tests compare them with toEqual against literals.
      const plain: CaptureEntry = { ts: e.ts, labels: { ...e.labels }, msg: e.msg };
      if (e.meta !== undefined) plain.meta = { ...e.meta };
      entries.push(plain);
      start = end;
    }
    if (start !== batch.data.length) throw new Error('encoded batch with trailing bytes');
    const ok = this.#take(entries, start);
    if (ok) this.encodedBatches++;
    return ok;
  }

  #take(entries: readonly CaptureEntry[], bytes: number): boolean {
    if (this.closed) throw new Error('append after close');
    if (this.#pendingBytes + bytes > this.capacity) return false;
    this.#pending.push({ entries, bytes });
    this.#pendingBytes += bytes;
    if (this.autoDrain && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.drain();
      });
    }
    return true;
  }

  drain(): void {
    for (const batch of this.#pending) {
      this.written.push(...batch.entries);
      this.#bytesWritten += batch.bytes;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  stats(): SinkStats {
    return {
      linesWritten: this.written.length,
      bytesWritten: this.#bytesWritten,
      pendingBytes: this.#pendingBytes,
      diskBytes: this.#bytesWritten,
      rotations: 0,
      evictions: 0,
    };
  }

  async flush(): Promise<void> {
    this.drain();
  }

  async close(): Promise<void> {
    this.drain();
    this.closed = true;
  }

  setCounters(counters: Record<string, number>): void {
    this.counters = { ...counters };
  }

  audit(event: string, fields?: Record<string, unknown>): void {
    this.audits.push({ event, fields });
  }
}

function entryBytes(e: CaptureEntry): number {
  let n = 56 + 2 + e.msg.length;
  for (const key in e.labels) n += key.length + e.labels[key]!.length + 6;
  return n;
}

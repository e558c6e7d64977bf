import type { CaptureEntry, Sink, SinkStats } from '../types.js';

/**
 * An in-memory Sink with the capture writer's admission rule: a batch is refused when it would push
 * the pending bytes past `capacity`. Pending batches move to
 * `written` on drain(), which runs on its own after each append unless `autoDrain` is false.
 */
export class MemorySink implements Sink {
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
  ) {}

  append(entries: readonly CaptureEntry[]): boolean {
    if (this.closed) throw new Error('append after close');
    const bytes = entries.reduce((sum, e) => sum + entryBytes(e), 0);
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

import type { TuiEntry, TuiLine } from './line.js';
import { toTuiLine } from './line.js';

export interface RingLimits {
  /** Most lines kept (default 10,000). */
  maxLines?: number;
  /** Most bytes kept, measured by TuiLine.bytes (default 32 MiB). */
  maxBytes?: number;
}

/**
 * The recent lines a view can scroll through, bounded both in count and in bytes; the oldest go first.
 * Append-only: lines are addressed by their `seq`, which keeps increasing as old lines are evicted, so a
 * view holding sequence numbers never points at the wrong line.
 */
export class LineRing {
  readonly maxLines: number;
  readonly maxBytes: number;
  private buf: (TuiLine | undefined)[];
  private head = 0; // index of the oldest line in buf
  private count = 0;
  private bytesUsed = 0;
  private nextSeq = 0;
  /** Lines evicted so far (by count or by bytes). */
  evicted = 0;

  constructor(limits: RingLimits = {}) {
    this.maxLines = Math.max(1, limits.maxLines ?? 10_000);
    this.maxBytes = Math.max(1024, limits.maxBytes ?? 32 * 1024 * 1024);
    this.buf = new Array(Math.min(this.maxLines, 1024));
  }

  get length(): number {
    return this.count;
  }
  get bytes(): number {
    return this.bytesUsed;
  }
  /** seq of the oldest line held (equals endSeq when empty). */
  get firstSeq(): number {
    return this.nextSeq - this.count;
  }
  /** seq the next appended line will get. */
  get endSeq(): number {
    return this.nextSeq;
  }

  /** Appends entries, evicting the oldest as needed; returns the new lines. */
  push(entries: readonly TuiEntry[]): TuiLine[] {
    const added: TuiLine[] = [];
    for (const e of entries) {
      const line = toTuiLine(e, this.nextSeq++);
      // A single line larger than the whole byte budget is still kept (alone), so it can be seen.
      while (this.count > 0 && (this.count >= this.maxLines || this.bytesUsed + line.bytes > this.maxBytes)) {
        this.shift();
      }
      if (this.count === this.buf.length) this.grow();
      this.buf[(this.head + this.count) % this.buf.length] = line;
      this.count++;
      this.bytesUsed += line.bytes;
      added.push(line);
    }
    return added;
  }

  /** The line with this seq, or undefined when evicted or not yet appended. */
  get(seq: number): TuiLine | undefined {
    const i = seq - this.firstSeq;
    if (i < 0 || i >= this.count) return undefined;
    return this.buf[(this.head + i) % this.buf.length];
  }

  /** Lines in arrival order, oldest first. */
  *[Symbol.iterator](): IterableIterator<TuiLine> {
    for (let i = 0; i < this.count; i++) yield this.buf[(this.head + i) % this.buf.length]!;
  }

  private shift(): void {
    const old = this.buf[this.head]!;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.count--;
    this.bytesUsed -= old.bytes;
    this.evicted++;
  }

  private grow(): void {
    const size = Math.min(this.maxLines, this.buf.length * 2);
    const next: (TuiLine | undefined)[] = new Array(size);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}

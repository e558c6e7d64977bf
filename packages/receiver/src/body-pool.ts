/**
 * Request-body buffers reused from one push to the next. A fresh buffer per push (half a MiB for a
 * typical Loki batch) is external memory that lingers until a garbage collection: under sustained load
 * that is tens of MB of resident memory and extra collections; a pooled buffer is reused at once.
 */

/** Bodies below this size are not pooled (Node's own allocator pools small buffers). */
const MIN_POOLED = 64 * 1024;
/** Capacities are rounded up to this, so pushes of about the same size share buffers. */
const GRANULE = 64 * 1024;

export class BodyPool {
  readonly #free: Buffer[] = [];
  /** ArrayBuffers handed out by this pool (only those come back into it). */
  readonly #mine = new WeakSet<ArrayBufferLike>();
  /** ArrayBuffers now in the free list: a second release of one is ignored, never a shared buffer. */
  readonly #idle = new Set<ArrayBufferLike>();
  #bytes = 0;

  constructor(
    readonly maxBuffers = 16,
    readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  /** A buffer of exactly `size` bytes (uninitialised), pooled when large enough. */
  acquire(size: number): Buffer {
    if (size < MIN_POOLED) return Buffer.allocUnsafe(size);
    const free = this.#free;
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      const len = free[i]!.length;
      if (len >= size && len <= size * 2 && (best < 0 || len < free[best]!.length)) best = i;
    }
    if (best >= 0) {
      const buf = free[best]!;
      free[best] = free[free.length - 1]!;
      free.pop();
      this.#idle.delete(buf.buffer);
      this.#bytes -= buf.length;
      return buf.subarray(0, size);
    }
    const buf = Buffer.allocUnsafeSlow(Math.ceil(size / GRANULE) * GRANULE);
    this.#mine.add(buf.buffer);
    return buf.subarray(0, size);
  }

  /** Gives back a buffer from {@link acquire} once nothing refers to it any more; others are ignored. */
  release(buf: Buffer): void {
    const ab = buf.buffer;
    // A buffer moved to another thread (detached) is gone; one in the free list already stays once.
    if (!this.#mine.has(ab) || this.#idle.has(ab) || ab.byteLength === 0) return;
    if (this.#free.length >= this.maxBuffers || this.#bytes + ab.byteLength > this.maxBytes) return;
    this.#free.push(Buffer.from(ab));
    this.#idle.add(ab);
    this.#bytes += ab.byteLength;
  }

  /** Buffers waiting for reuse (tests). */
  get idle(): number {
    return this.#free.length;
  }
}

import type { PushStream } from '@logtap/protocol';

/** Lines of one or more streams, ready to be encoded as one push. */
export interface Batch {
  streams: PushStream[];
  lines: number;
  /** UTF-8 bytes of the messages. */
  bytes: number;
}

export interface BatcherOptions {
  /** Flush once the lines held reach this many bytes. */
  maxBytes: number;
  /** Flush this long after the first line of a batch at the latest. */
  maxWaitMs: number;
  onBatch: (batch: Batch) => void;
}

/** Per-line overhead counted towards maxBytes (timestamp and protobuf framing), so tiny lines still flush. */
const ENTRY_OVERHEAD = 16;

/**
 * Collects lines by stream and hands them on as a batch when it is big enough or old enough (Promtail's
 * batchsize/batchwait). Streams are keyed by their labels object: one object per container, replaced when
 * the labels change.
 */
export class Batcher {
  readonly #opts: BatcherOptions;
  #streams = new Map<Record<string, string>, PushStream>();
  #bytes = 0;
  #size = 0;
  #lines = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: BatcherOptions) {
    this.#opts = opts;
  }

  /** Lines held now. */
  get lines(): number {
    return this.#lines;
  }

  add(labels: Record<string, string>, ts: bigint, line: string, bytes: number): void {
    let stream = this.#streams.get(labels);
    if (stream === undefined) {
      stream = { labels, entries: [] };
      this.#streams.set(labels, stream);
    }
    stream.entries.push({ ts, line });
    this.#lines++;
    this.#bytes += bytes;
    this.#size += bytes + ENTRY_OVERHEAD;
    if (this.#size >= this.#opts.maxBytes) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#opts.maxWaitMs);
      this.#timer.unref();
    }
  }

  /** Hands on what is held now (nothing when empty). */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#lines === 0) return;
    const batch: Batch = { streams: [...this.#streams.values()], lines: this.#lines, bytes: this.#bytes };
    this.#streams = new Map();
    this.#lines = 0;
    this.#bytes = 0;
    this.#size = 0;
    this.#opts.onBatch(batch);
  }
}

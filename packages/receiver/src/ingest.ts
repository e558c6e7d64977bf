import { type EncodedBatch, EncodedBatchBuilder } from '@logtap/capture';
import type { ColumnarPush } from '@logtap/protocol';
import {
  encodeColumns,
  encodeColumnsRedacted,
  encodeStreams,
  estimateColumns,
  estimateStreams,
  TRUNCATED_META_KEY,
  truncateUtf8,
} from './encode.js';
import type { CaptureEntry, PushStream, Redactor, Sink } from './types.js';

export { TRUNCATED_META_KEY, truncateUtf8 };

/** What happens to a push when the queue (the sink's pending bytes) is full. */
export type OnFull = 'drop' | 'reject';

/**
 * Why lines were dropped: `queue_full` (the queue was full), `too_large` (one push bigger than the whole
 * queue), `writer` (accepted, then lost by the capture writer: no room under the disk cap or free-space
 * mark, or an I/O error), `shutdown` (still queued when the writer closed).
 */
export type DropReason = 'queue_full' | 'too_large' | 'writer' | 'shutdown';
export const DROP_REASONS: readonly DropReason[] = ['queue_full', 'too_large', 'writer', 'shutdown'];

/**
 * The outcome of one push: accepted; dropped or rejected because the queue is full; `too_large` when
 * the push alone is bigger than the queue's bound (it could never be accepted: retrying is useless);
 * `empty` when it has no lines.
 */
export type Admission = 'accepted' | 'dropped' | 'rejected' | 'too_large' | 'empty';

export interface IngestOptions {
  sink: Sink;
  onFull: OnFull;
  /** The sink's pending-bytes bound, used to refuse obviously-too-big batches without building them. */
  queueBytes: number;
  redactor?: Redactor | undefined;
  /** Redact label values (and structured metadata) too; default true when a redactor is given. */
  redactLabels?: boolean | undefined;
  /** Lines longer than this many UTF-8 bytes are truncated (and tagged in `meta`). */
  maxLineBytes: number;
  /** How many distinct streams get their own drop counter before the rest share one. */
  maxStreamsTracked?: number | undefined;
}

/** Label key of the shared per-stream drop counter once `maxStreamsTracked` is reached. */
export const OTHER_STREAMS = '{__other__="true"}';

/**
 * The receiver's bookkeeping between decode and the sink: redaction, line truncation, admission under
 * the drop/reject policy, and exact accounting (received = written + dropped + still queued).
 *
 * Pushes reach the sink in one of two forms. When the sink takes encoded batches (`appendEncoded`, the
 * capture writer), lines are serialised here, on the request thread (encode.ts): a Loki protobuf push
 * straight from its wire bytes, anything else from its strings. Otherwise entries are handed over.
 */
export class Ingest {
  linesReceived = 0;
  bytesReceived = 0;
  linesRejected = 0;
  pushesRejected = 0;
  pushesDropped = 0;
  linesTruncated = 0;
  /** Time (ms, from the injected clock) of the last drop or rejection; drives /ready while shedding. */
  lastShedAt = Number.NEGATIVE_INFINITY;
  readonly #dropped = new Map<DropReason, number>();
  readonly #droppedByStream = new Map<string, number>();
  readonly #opts: {
    sink: Sink;
    onFull: OnFull;
    queueBytes: number;
    redactor: Redactor | undefined;
    redactLabels: boolean;
    maxLineBytes: number;
    maxStreamsTracked: number;
  };
  readonly #now: () => number;
  readonly #builder = new EncodedBatchBuilder(0, 0);

  constructor(opts: IngestOptions, now: () => number = Date.now) {
    this.#opts = {
      sink: opts.sink,
      onFull: opts.onFull,
      queueBytes: opts.queueBytes,
      redactor: opts.redactor,
      redactLabels: opts.redactLabels ?? true,
      maxLineBytes: opts.maxLineBytes,
      maxStreamsTracked: opts.maxStreamsTracked ?? 1000,
    };
    this.#now = now;
  }

  get redactor(): Redactor | undefined {
    return this.#opts.redactor;
  }

  /** True when the sink takes serialised batches (and lines are serialised here). */
  get encodes(): boolean {
    return this.#opts.sink.appendEncoded !== undefined;
  }

  /**
   * Redacts, truncates and hands one decoded push to the sink. Never blocks: when the sink refuses the
   * batch the policy decides between dropping it (counted) and rejecting it (the caller answers 429).
   */
  admit(streams: readonly PushStream[], lines: number, lineBytes: number): Admission {
    if (lines === 0) return 'empty';
    const sink = this.#opts.sink;
    const maxLine = this.#opts.maxLineBytes;
    // Lines past maxLineBytes will be cut, so they only count up to that size here.
    const keptBytes = lineBytes > this.#opts.queueBytes ? estimateStreams(streams, maxLine) : lineBytes;
    let accepted = false;
    let written: Array<Record<string, string>> | undefined;
    if (this.#mayFit(keptBytes)) {
      if (sink.appendEncoded !== undefined) {
        const b = this.#builder;
        b.reserve(estimateStreams(streams, maxLine), lines);
        const out = encodeStreams(streams, b, maxLine, this.#opts.redactor, this.#opts.redactLabels);
        written = out.labels;
        accepted = sink.appendEncoded(b.take());
        if (accepted) this.linesTruncated += out.truncated;
      } else {
        accepted = sink.append(this.#toEntries(streams, lines));
      }
    }
    // Drop counts are keyed by label set and end up in metadata.json: redacted like the lines would be.
    const labelRedactor = this.#opts.redactLabels ? this.#opts.redactor : undefined;
    const keys =
      accepted || labelRedactor === undefined
        ? streams
        : streams.map((s, i) => ({
            labels: written?.[i] ?? labelRedactor.redactLabels(s.labels),
            lines: s.entries.length,
          }));
    return this.#settle(accepted, lines, lineBytes, () => estimateStreams(streams, maxLine), keys);
  }

  /**
   * {@link admit} for a Loki protobuf push decoded into columns: its lines go from the wire bytes to the
   * sink's JSONL without a string each (with a redactor: a string only for the redactor, and only lines
   * it changed are serialised from their string). Needs a sink with `appendEncoded`.
   */
  admitColumns(push: ColumnarPush): Admission {
    if (push.lines === 0) return 'empty';
    const sink = this.#opts.sink;
    const { redactor, redactLabels, maxLineBytes } = this.#opts;
    const estimate = estimateColumns(push, maxLineBytes);
    let accepted = false;
    let written: Array<Record<string, string>> | undefined;
    // As in admit(): the bare line bytes decide, unless cutting long lines matters.
    if (this.#mayFit(push.lineBytes > this.#opts.queueBytes ? estimate : push.lineBytes)) {
      const b = this.#builder;
      b.reserve(estimate + (estimate >> 4), push.lines);
      let truncated: number;
      if (redactor === undefined) {
        truncated = encodeColumns(push, b, maxLineBytes).truncated;
      } else {
        const out = encodeColumnsRedacted(push, b, maxLineBytes, redactor, redactLabels);
        truncated = out.truncated;
        written = out.labels;
      }
      accepted = sink.appendEncoded!(b.take());
      if (accepted) this.linesTruncated += truncated;
    }
    const labelRedactor = redactLabels ? redactor : undefined;
    const keys =
      accepted || labelRedactor === undefined
        ? push.streams
        : push.streams.map((s, i) => ({
            labels: written?.[i] ?? labelRedactor.redactLabels(s.labels),
            lines: s.lines,
          }));
    return this.#settle(accepted, push.lines, push.lineBytes, () => estimate, keys);
  }

  /**
   * {@link admit} for a push serialised in a redaction thread: `batch` holds its lines, `streams` the
   * (redacted) label sets and line counts, for per-stream drop counts.
   */
  admitEncoded(
    batch: EncodedBatch,
    lines: number,
    lineBytes: number,
    truncated: number,
    streams: ReadonlyArray<{ labels: Record<string, string>; lines: number }>,
  ): Admission {
    if (lines === 0) return 'empty';
    const bytes = batch.n === 0 ? 0 : batch.ends[batch.n - 1]!;
    let accepted = false;
    if (this.#mayFit(bytes)) {
      // Copied into this thread's builder (a memcpy): its buffers are this thread's to move on to the
      // writer thread, and recycled ones are warm.
      const b = this.#builder;
      b.addBatch(batch);
      accepted = this.#opts.sink.appendEncoded!(b.take());
    }
    if (accepted) this.linesTruncated += truncated;
    return this.#settle(accepted, lines, lineBytes, () => bytes, streams);
  }

  /**
   * Counts a push whose lines are known but that is not offered to the sink because the queue is full:
   * dropped or rejected as {@link admit} would. `size` is its estimated serialised size.
   */
  refuse(
    lines: number,
    lineBytes: number,
    size: number,
    streams: ReadonlyArray<{ labels: Record<string, string>; lines: number }>,
  ): Admission {
    if (lines === 0) return 'empty';
    return this.#settle(false, lines, lineBytes, () => size, streams);
  }

  /** Records a push refused before decoding (its lines unknown) under the reject policy. */
  noteShed(): void {
    this.lastShedAt = this.#now();
    this.pushesRejected++;
  }

  /** Lines dropped per reason, including those the sink reports as lost. */
  dropped(): Map<DropReason, number> {
    const out = new Map(this.#dropped);
    const lost = this.#opts.sink.stats().linesLost ?? 0;
    if (lost > 0) out.set('writer', (out.get('writer') ?? 0) + lost);
    return out;
  }

  /** Total lines dropped for any reason. */
  droppedTotal(): number {
    let total = 0;
    for (const n of this.dropped().values()) total += n;
    return total;
  }

  /** Records lines lost for a reason the receiver itself observed (e.g. a hard shutdown). */
  countDrop(reason: DropReason, lines: number): void {
    if (lines > 0) this.#countDrop(reason, lines);
  }

  /** Drops per stream (label set in Prometheus form), largest first, at most `limit` of them. */
  droppedByStream(limit = 100): Array<{ stream: string; lines: number }> {
    return [...this.#droppedByStream]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([stream, lines]) => ({ stream, lines }));
  }

  /**
   * Fast refusal: when the queue already holds data and even `bytes` more cannot fit, the sink would
   * refuse anyway, so the push is not serialised (nor redacted). The sink still decides otherwise.
   */
  #mayFit(bytes: number): boolean {
    const pending = this.#opts.sink.stats().pendingBytes;
    return pending === 0 || pending + bytes <= this.#opts.queueBytes;
  }

  /** Accounting of one push the sink took (or not) under the policy. */
  #settle(
    accepted: boolean,
    lines: number,
    lineBytes: number,
    size: () => number,
    streams: ReadonlyArray<{ labels: Record<string, string>; lines?: number; entries?: unknown[] }>,
  ): Admission {
    if (accepted) {
      this.linesReceived += lines;
      this.bytesReceived += lineBytes;
      return 'accepted';
    }
    this.lastShedAt = this.#now();
    const tooLarge = size() > this.#opts.queueBytes;
    if (this.#opts.onFull === 'reject') {
      this.linesRejected += lines;
      this.pushesRejected++;
      return tooLarge ? 'too_large' : 'rejected';
    }
    this.linesReceived += lines;
    this.bytesReceived += lineBytes;
    this.pushesDropped++;
    this.#countDrop(tooLarge ? 'too_large' : 'queue_full', lines);
    for (const stream of streams) {
      const n = stream.lines ?? stream.entries?.length ?? 0;
      if (n > 0) this.#countStreamDrop(stream.labels, n);
    }
    return tooLarge ? 'too_large' : 'dropped';
  }

  #countDrop(reason: DropReason, lines: number): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + lines);
  }

  #countStreamDrop(labels: Record<string, string>, lines: number): void {
    let key = formatLabels(labels);
    const map = this.#droppedByStream;
    if (!map.has(key) && map.size >= this.#opts.maxStreamsTracked) key = OTHER_STREAMS;
    map.set(key, (map.get(key) ?? 0) + lines);
  }

  #toEntries(streams: readonly PushStream[], lines: number): CaptureEntry[] {
    const out = new Array<CaptureEntry>(lines);
    const redactor = this.#opts.redactor;
    const labelRedactor = this.#opts.redactLabels ? redactor : undefined;
    const maxLine = this.#opts.maxLineBytes;
    // A JS string of n UTF-16 units encodes to at most 3n UTF-8 bytes, so shorter strings skip the
    // byte count entirely (the common case).
    const safeLength = Math.floor(maxLine / 3);
    let i = 0;
    for (const stream of streams) {
      const labels = labelRedactor === undefined ? stream.labels : labelRedactor.redactLabels(stream.labels);
      for (const entry of stream.entries) {
        let msg = entry.line;
        let meta = entry.metadata;
        if (redactor !== undefined) {
          msg = redactor.redact(msg).text;
          if (meta !== undefined && labelRedactor !== undefined) meta = labelRedactor.redactLabels(meta);
        }
        if (msg.length > safeLength) {
          const bytes = Buffer.byteLength(msg);
          if (bytes > maxLine) {
            msg = truncateUtf8(msg, maxLine);
            meta = { ...meta, [TRUNCATED_META_KEY]: String(bytes) };
            this.linesTruncated++;
          }
        }
        out[i++] =
          meta !== undefined && hasKeys(meta)
            ? { ts: entry.ts, labels, msg, meta }
            : { ts: entry.ts, labels, msg };
      }
    }
    // A decoder's `lines` that disagrees with its streams must not leave holes in the batch.
    if (i !== lines) out.length = i;
    return out;
  }
}

/** Renders a label set as `{a="1",b="2"}` (sorted keys, Go-style escapes), the stream's identity. */
export function formatLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ',';
    out += `${key}=${JSON.stringify(labels[key])}`;
  }
  return `${out}}`;
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _ in record) return true;
  return false;
}

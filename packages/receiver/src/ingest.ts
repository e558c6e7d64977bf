import type { CaptureEntry, PushStream, Redactor, Sink } from './types.js';

/** What happens to a push when the queue (the sink's pending bytes) is full. */
export type OnFull = 'drop' | 'reject';

/** Why lines were dropped: the queue was full, the sink lost them, or the receiver stopped hard. */
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

/** Structured-metadata key added to a truncated line: its original length in bytes. */
export const TRUNCATED_META_KEY = 'logtap_truncated_bytes';

/**
 * The receiver's bookkeeping between decode and the sink: redaction, line truncation, admission under
 * the drop/reject policy, and exact accounting (received = written + dropped + still queued).
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

  /**
   * Redacts, truncates and hands one decoded push to the sink. Never blocks: when the sink refuses the
   * batch the policy decides between dropping it (counted) and rejecting it (the caller answers 429).
   */
  admit(streams: readonly PushStream[], lines: number, lineBytes: number): Admission {
    if (lines === 0) return 'empty';
    const sink = this.#opts.sink;
    // Fast refusal: when the queue already holds data and even the bare line bytes cannot fit, the sink
    // would refuse anyway; skip building (and redacting) the entries. The sink still decides otherwise.
    const pending = sink.stats().pendingBytes;
    // Lines past maxLineBytes will be cut, so they only count up to that size here.
    const keptBytes =
      lineBytes > this.#opts.queueBytes ? estimateBytes(streams, this.#opts.maxLineBytes) : lineBytes;
    let accepted = false;
    if (pending === 0 || pending + keptBytes <= this.#opts.queueBytes) {
      accepted = sink.append(this.#toEntries(streams, lines));
    }
    if (accepted) {
      this.linesReceived += lines;
      this.bytesReceived += lineBytes;
      return 'accepted';
    }
    this.lastShedAt = this.#now();
    const tooLarge = estimateBytes(streams, this.#opts.maxLineBytes) > this.#opts.queueBytes;
    if (tooLarge && this.#opts.onFull === 'reject') {
      this.linesRejected += lines;
      this.pushesRejected++;
      return 'too_large';
    }
    if (this.#opts.onFull === 'reject') {
      this.linesRejected += lines;
      this.pushesRejected++;
      return 'rejected';
    }
    this.linesReceived += lines;
    this.bytesReceived += lineBytes;
    this.pushesDropped++;
    this.#countDrop(tooLarge ? 'too_large' : 'queue_full', lines);
    for (const stream of streams) {
      if (stream.entries.length > 0) this.#countStreamDrop(stream.labels, stream.entries.length);
    }
    return tooLarge ? 'too_large' : 'dropped';
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
    const redactLabels = redactor !== undefined && this.#opts.redactLabels;
    const maxLine = this.#opts.maxLineBytes;
    // A JS string of n UTF-16 units encodes to at most 3n UTF-8 bytes, so shorter strings skip the
    // byte count entirely (the common case).
    const safeLength = Math.floor(maxLine / 3);
    let i = 0;
    for (const stream of streams) {
      const labels = redactLabels ? redactRecord(stream.labels, redactor) : stream.labels;
      for (const entry of stream.entries) {
        let msg = entry.line;
        let meta = entry.metadata;
        if (redactor !== undefined) {
          msg = redactor.redact(msg).text;
          if (meta !== undefined && redactLabels) meta = redactRecord(meta, redactor);
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

/**
 * An upper-bound-ish estimate of what a push occupies in the writer's queue (its own estimate: ~56 bytes
 * of JSON framing, the labels' JSON and the message per line), to tell "full now" from "never fits".
 */
function estimateBytes(streams: readonly PushStream[], maxLineBytes: number): number {
  let total = 0;
  for (const stream of streams) {
    let labelBytes = 2;
    for (const key in stream.labels) labelBytes += key.length + stream.labels[key]!.length + 6;
    total += stream.entries.length * (56 + labelBytes);
    for (const entry of stream.entries) total += Math.min(entry.line.length, maxLineBytes);
  }
  return total;
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

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}

function redactRecord(record: Record<string, string>, redactor: Redactor): Record<string, string> {
  if (redactor.redactLabels !== undefined) return redactor.redactLabels(record);
  let out: Record<string, string> | undefined;
  for (const key in record) {
    const value = record[key]!;
    const redacted = redactor.redact(value).text;
    if (redacted !== value) {
      // Null prototype: a label named "__proto__" stays an ordinary key.
      out ??= Object.assign(Object.create(null) as Record<string, string>, record);
      out[key] = redacted;
    }
  }
  return out ?? record;
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _ in record) return true;
  return false;
}

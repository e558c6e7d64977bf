/**
 * Loki protobuf pushes decoded into columns instead of objects: per entry its timestamp (seconds and
 * nanos as numbers) and the byte range of its line inside the decompressed body, nothing else. No string
 * and no object is built per line, so a receiver can count a push it is going to drop, or serialise lines
 * straight from the wire bytes, for a fraction of what {@link decodePush} costs (the strings and entry
 * objects are most of that: bench/decode.ts, "columns" rows). The wire walk is decodePush's own
 * (walkLokiPush in loki-protobuf.ts, with a column sink instead of an object sink), so validation,
 * limits, stream merging, partial rejections and errors are exactly those of decodePush (the property
 * test checks it too).
 */
import type { StreamCollector } from './collector.js';
import {
  decodeContent,
  decodeSnappyBlock,
  parseContentEncoding,
  parseMediaType,
  toBuffer,
} from './content.js';
import { LOKI_CODINGS, openRequest, requireRoute } from './decode.js';
import { NoStreamsError } from './errors.js';
import {
  type LokiEntrySink,
  NS_PER_S,
  rejectMissingTimestamps,
  type Where,
  walkLokiPush,
} from './loki-protobuf.js';
import { ProtoReader, StringReader } from './proto-reader.js';
import type {
  DecodedPush,
  DecodeLimits,
  PushEntry,
  PushRequestInput,
  PushStream,
  RejectedEntries,
} from './types.js';

/**
 * Per-entry columns, indexed by entry number in wire order. Only indexes named by a stream's `runs` are
 * meaningful (entries of rejected streams are overwritten).
 */
export interface EntryColumns {
  /** google.protobuf.Timestamp seconds (years 0001..9999, so exact as a number). */
  readonly sec: Float64Array;
  /** google.protobuf.Timestamp nanos, 0..999999999. */
  readonly nsec: Int32Array;
  /** The line is `data[start[i], end[i])`: UTF-8 as sent (possibly invalid; decodePush would map bad bytes to U+FFFD). */
  readonly start: Uint32Array;
  readonly end: Uint32Array;
  /** Structured metadata per entry (null-prototype objects), or undefined when no entry has any. */
  readonly meta: ReadonlyArray<Record<string, string> | undefined> | undefined;
}

/** One stream of a columnar push: its labels and where its entries are in the columns. */
export interface ColumnarStream {
  /** Parsed labels, keys sorted, null-prototype object (as in {@link PushStream}). */
  readonly labels: Record<string, string>;
  /** Entry index ranges `[from, to)` into the columns, flattened (`[from0, to0, from1, to1, ...]`), in order. */
  readonly runs: readonly number[];
  /** Entries of this stream (the sum of its runs). */
  readonly lines: number;
}

/** A Loki protobuf push as columns; see {@link decodePushColumns}. */
export interface ColumnarPush {
  readonly format: 'loki-protobuf';
  /**
   * The decompressed PushRequest; lines are byte ranges of it. It may be a view of a scratch buffer that
   * the next decode call overwrites, like the columns: use (or copy) both before decoding again.
   */
  readonly data: Buffer;
  readonly entries: EntryColumns;
  /** Streams with at least one entry, merged by label set, in first-seen order (as decodePush). */
  readonly streams: readonly ColumnarStream[];
  /** Total entries over all streams. */
  readonly lines: number;
  /** Sum of the byte lengths of every line. */
  readonly lineBytes: number;
  /** As {@link DecodedPush.rejected}. */
  readonly rejected?: RejectedEntries[];
}

class MutableStream implements ColumnarStream {
  runs: number[] = [];
  lines = 0;
  constructor(readonly labels: Record<string, string>) {}
}

/** Growable columns reused from one call to the next (decoding is synchronous). */
class ColumnBuilder {
  n = 0;
  sec = new Float64Array(1024);
  nsec = new Int32Array(1024);
  start = new Uint32Array(1024);
  end = new Uint32Array(1024);
  meta: Array<Record<string, string> | undefined> | undefined;

  reset(): void {
    this.n = 0;
    this.meta = undefined;
  }

  push(
    sec: number,
    nsec: number,
    start: number,
    end: number,
    meta: Record<string, string> | undefined,
  ): void {
    const i = this.n;
    if (i === this.sec.length) this.#grow();
    this.sec[i] = sec;
    this.nsec[i] = nsec;
    this.start[i] = start;
    this.end[i] = end;
    if (meta !== undefined) {
      this.meta ??= [];
      this.meta[i] = meta;
    } else if (this.meta !== undefined && i < this.meta.length) {
      this.meta[i] = undefined; // a slot left over from a rolled-back stream
    }
    this.n = i + 1;
  }

  #grow(): void {
    const size = this.sec.length * 2;
    const sec = new Float64Array(size);
    sec.set(this.sec);
    this.sec = sec;
    const nsec = new Int32Array(size);
    nsec.set(this.nsec);
    this.nsec = nsec;
    const start = new Uint32Array(size);
    start.set(this.start);
    this.start = start;
    const end = new Uint32Array(size);
    end.set(this.end);
    this.end = end;
  }
}

/** Columns past this many entries are not kept for the next call (a huge push should not pin memory). */
const KEEP_COLUMNS = 1 << 16;
let shared = new ColumnBuilder();

/**
 * Decodes a Loki protobuf push into columns, or returns undefined when the request is not one (OTLP, or
 * a JSON body: decode those with {@link decodePush}). Same validation, limits, merging, partial
 * rejections and errors as decodePush for the same input.
 *
 * The result (its `data` and `entries`) is only valid until the next call: serialise or copy it first.
 * @throws {ProtocolError} as decodePush.
 */
export function decodePushColumns(
  input: PushRequestInput,
  options: DecodeLimits = {},
): ColumnarPush | undefined {
  if (requireRoute(input.path) === 'otlp') return undefined;
  const body = input.body;
  const { maxDecompressed, out } = openRequest(body, options);
  // Loki's order of checks: Content-Encoding, then Content-Type.
  const coding = parseContentEncoding(input.contentEncoding, LOKI_CODINGS);
  if (parseMediaType(input.contentType) === 'application/json') return undefined;
  const data = toBuffer(decodeSnappyBlock(decodeContent(body, coding, maxDecompressed), maxDecompressed));
  if (shared.sec.length > KEEP_COLUMNS) shared = new ColumnBuilder();
  const cols = shared;
  cols.reset();
  const sink = new ColumnSink(out, cols);
  walkLokiPush(new ProtoReader(data, 0, data.length), out, sink);
  if (out.streamCount === 0) throw new NoStreamsError();
  const kept: MutableStream[] = [];
  let lines = 0;
  for (const s of sink.streams) {
    if (s.lines === 0) continue;
    kept.push(s);
    lines += s.lines;
  }
  const rejected = out.rejections();
  const push: ColumnarPush = {
    format: 'loki-protobuf',
    data,
    entries: { sec: cols.sec, nsec: cols.nsec, start: cols.start, end: cols.end, meta: cols.meta },
    streams: kept,
    lines,
    lineBytes: sink.lineBytes,
    ...(rejected === undefined ? {} : { rejected }),
  };
  return push;
}

/**
 * Puts the walk's entries into the columns (no string, no object per line) and groups them into runs of
 * their merged stream; a refused stream's entries are rolled back.
 */
class ColumnSink implements LokiEntrySink {
  readonly streams: MutableStream[] = [];
  readonly #byStream = new Map<PushStream, MutableStream>();
  /** Line bytes of the streams kept. */
  lineBytes = 0;
  /** The first column of the current Stream message. */
  #from = 0;

  constructor(
    private readonly out: StreamCollector,
    private readonly cols: ColumnBuilder,
  ) {}

  entry(
    seconds: number,
    nanos: number,
    lineStart: number,
    lineEnd: number,
    metadata: Record<string, string> | undefined,
  ): void {
    this.cols.push(seconds, nanos, lineStart, lineEnd, metadata);
  }

  endStream(raw: string, lineBytes: number, missingTs: number, where: Where): void {
    const out = this.out;
    const cols = this.cols;
    const from = this.#from;
    const kept = cols.n - from;
    const stream = out.streamForRaw(raw);
    if (!('entries' in stream)) {
      cols.n = from; // the stream is refused: its entries are not kept
      out.reject(raw, kept + missingTs, stream);
      return;
    }
    this.#from = cols.n;
    let target = this.#byStream.get(stream);
    if (target === undefined) {
      // Created at the collector's first sight of the label set, so the order is decodePush's.
      target = new MutableStream(stream.labels);
      this.#byStream.set(stream, target);
      this.streams.push(target);
    }
    if (missingTs > 0) rejectMissingTimestamps(out, raw, missingTs, where);
    if (kept > 0) {
      const runs = target.runs;
      // Consecutive stream objects with the same labels extend one run.
      if (runs.length > 0 && runs[runs.length - 1] === from) runs[runs.length - 1] = cols.n;
      else runs.push(from, cols.n);
      target.lines += kept;
    }
    this.lineBytes += lineBytes;
  }
}

/**
 * Materialises a columnar push as decodePush's {@link DecodedPush} (strings and entry objects). For
 * callers that need entries after all (a live view, tests); call it before the next decode.
 */
export function materializeColumns(push: ColumnarPush): DecodedPush {
  const strings = new StringReader(push.data);
  const { sec, nsec, start, end, meta } = push.entries;
  const streams: PushStream[] = [];
  for (const s of push.streams) {
    const entries: PushEntry[] = [];
    const runs = s.runs;
    for (let k = 0; k < runs.length; k += 2) {
      for (let i = runs[k]!; i < runs[k + 1]!; i++) {
        const ts = BigInt(sec[i]!) * NS_PER_S + BigInt(nsec[i]!);
        const line = strings.read(start[i]!, end[i]!);
        const m = meta?.[i];
        entries.push(m === undefined ? { ts, line } : { ts, line, metadata: m });
      }
    }
    streams.push({ labels: s.labels, entries });
  }
  const out: DecodedPush = { streams, lines: push.lines, lineBytes: push.lineBytes, format: push.format };
  if (push.rejected !== undefined) out.rejected = push.rejected;
  return out;
}

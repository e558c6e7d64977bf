/**
 * Loki protobuf pushes decoded into columns instead of objects: per entry its timestamp (seconds and
 * nanos as numbers) and the byte range of its line inside the decompressed body, nothing else. No string
 * and no object is built per line, so a receiver can count a push it is going to drop, or serialise lines
 * straight from the wire bytes, for a fraction of what {@link decodePush} costs (the strings and entry
 * objects are most of that: bench/decode.ts, "columns" rows). Validation, limits, stream merging,
 * partial rejections and errors are exactly those of decodePush (the property test checks it).
 */
import { newMetadata, StreamCollector } from './collector.js';
import {
  type Coding,
  decodeContent,
  decodeSnappyBlock,
  effectiveLimit,
  parseContentEncoding,
  parseMediaType,
  toBuffer,
} from './content.js';
import { DEFAULT_LIMITS, pushRouteOf } from './decode.js';
import { BadProtobufError, BodyTooLargeError, NoStreamsError, UnknownPathError } from './errors.js';
import {
  describeWhere,
  lokiTimestampError,
  rejectMissingTimestamps,
  resolveLabelString,
  UNKNOWN,
  type Where,
} from './loki-protobuf.js';
import { ProtoReader, StringReader, WireError } from './proto-reader.js';
import type {
  DecodedPush,
  DecodeLimits,
  PushEntry,
  PushRequestInput,
  PushStream,
  RejectedEntries,
} from './types.js';

const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;
const NS_PER_S = 1_000_000_000n;

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

const LOKI_CODINGS: readonly Coding[] = ['identity', 'gzip', 'deflate', 'snappy'];

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
  const route = pushRouteOf(input.path);
  if (route === undefined) throw new UnknownPathError(input.path);
  if (route === 'otlp') return undefined;
  const maxCompressed = effectiveLimit(options.maxCompressedBytes, DEFAULT_LIMITS.maxCompressedBytes);
  const maxDecompressed = effectiveLimit(options.maxDecompressedBytes, DEFAULT_LIMITS.maxDecompressedBytes);
  const body = input.body;
  if (body.length > maxCompressed) throw new BodyTooLargeError('compressed', maxCompressed, body.length);
  // Loki's order of checks: Content-Encoding, then Content-Type.
  const coding = parseContentEncoding(input.contentEncoding, LOKI_CODINGS);
  if (parseMediaType(input.contentType) === 'application/json') return undefined;
  const out = new StreamCollector(
    effectiveLimit(options.maxEntries, DEFAULT_LIMITS.maxEntries),
    effectiveLimit(options.maxStreams, DEFAULT_LIMITS.maxStreams),
  );
  const data = toBuffer(decodeSnappyBlock(decodeContent(body, coding, maxDecompressed), maxDecompressed));
  if (shared.sec.length > KEEP_COLUMNS) shared = new ColumnBuilder();
  const cols = shared;
  cols.reset();
  const streams: MutableStream[] = [];
  const byStream = new Map<PushStream, MutableStream>();
  const lineBytes = decodeColumns(data, out, cols, streams, byStream);
  if (out.streamCount === 0) throw new NoStreamsError();
  const kept: MutableStream[] = [];
  let lines = 0;
  for (const s of streams) {
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
    lineBytes,
    ...(rejected === undefined ? {} : { rejected }),
  };
  return push;
}

function decodeColumns(
  buf: Buffer,
  out: StreamCollector,
  cols: ColumnBuilder,
  streams: MutableStream[],
  byStream: Map<PushStream, MutableStream>,
): number {
  const where: Where = { stream: UNKNOWN, entry: UNKNOWN };
  const r = new ProtoReader(buf, 0, buf.length);
  let lineBytes = 0;
  try {
    let streamIndex = 0;
    for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
      if (tag === 0x0a) {
        const end = r.delimited();
        where.stream = streamIndex;
        where.entry = UNKNOWN;
        lineBytes += decodeStream(r, end, out, cols, streams, byStream, where);
        r.pos = end;
        r.end = buf.length;
        streamIndex++;
        where.stream = UNKNOWN;
      } else {
        r.skip(tag & 7);
      }
    }
  } catch (err) {
    if (err instanceof WireError) throw new BadProtobufError(describeWhere(where), err.offset, err.reason);
    throw err;
  }
  return lineBytes;
}

/** One Stream message: its entries go to the columns; returns the line bytes kept. */
function decodeStream(
  r: ProtoReader,
  end: number,
  out: StreamCollector,
  cols: ColumnBuilder,
  streams: MutableStream[],
  byStream: Map<PushStream, MutableStream>,
  where: Where,
): number {
  out.countStream();
  const buf = r.buf;
  const outerEnd = r.end;
  r.end = end;
  let labelsStart = -1;
  let labelsEnd = -1;
  const from = cols.n;
  let lineBytes = 0;
  let missingTs = 0;
  let entryIndex = 0;
  let strings: StringReader | undefined;
  for (let tag = r.tag(); tag !== 0; tag = r.tag()) {
    if (tag === 0x12) {
      const entryEnd = r.delimited();
      where.entry = entryIndex++;
      out.countEntries(1);
      r.end = entryEnd;
      let seconds = 0;
      let nanos = 0;
      let hasTs = false;
      let lineStart = 0;
      let lineEnd = 0;
      let metadata: Record<string, string> | undefined;
      for (let t = r.tag(); t !== 0; t = r.tag()) {
        if (t === 0x12) {
          lineEnd = r.delimited();
          lineStart = r.pos;
          r.pos = lineEnd;
        } else if (t === 0x0a) {
          const tsEnd = r.delimited();
          hasTs = true;
          seconds = 0;
          nanos = 0;
          r.end = tsEnd;
          for (let u = r.tag(); u !== 0; u = r.tag()) {
            if (u === 0x08) {
              r.varint64();
              seconds = r.int64Number();
            } else if (u === 0x10) {
              r.varint64();
              nanos = r.lo | 0;
            } else r.skip(u & 7);
          }
          r.end = entryEnd;
        } else if (t === 0x1a) {
          // Structured metadata is rare: decoded as strings, exactly as decodePush does.
          strings ??= r.strings;
          const pairEnd = r.delimited();
          r.end = pairEnd;
          let name = '';
          let value = '';
          for (let u = r.tag(); u !== 0; u = r.tag()) {
            if (u === 0x0a || u === 0x12) {
              const e = r.delimited();
              const s = strings.read(r.pos, e);
              r.pos = e;
              if (u === 0x0a) name = s;
              else value = s;
            } else r.skip(u & 7);
          }
          r.end = entryEnd;
          metadata ??= newMetadata();
          metadata[name] = value;
        } else {
          r.skip(t & 7);
        }
      }
      r.end = end;
      if (!hasTs) {
        missingTs++;
        continue;
      }
      if (!(seconds >= MIN_SECONDS && seconds <= MAX_SECONDS) || nanos < 0 || nanos > 999_999_999) {
        throw lokiTimestampError(where, seconds, nanos);
      }
      lineBytes += lineEnd - lineStart;
      cols.push(seconds, nanos, lineStart, lineEnd, metadata);
    } else if (tag === 0x0a) {
      labelsEnd = r.delimited();
      labelsStart = r.pos;
      r.pos = labelsEnd;
    } else {
      r.skip(tag & 7);
    }
  }
  where.entry = UNKNOWN;
  r.end = outerEnd;
  const raw = resolveLabelString(buf, labelsStart, labelsEnd, where);
  const stream = out.streamForRaw(raw);
  const kept = cols.n - from;
  if (!('entries' in stream)) {
    cols.n = from; // the stream is refused: its entries are not kept
    out.reject(raw, kept + missingTs, stream);
    return 0;
  }
  let target = byStream.get(stream);
  if (target === undefined) {
    // Created at the collector's first sight of the label set, so the order is decodePush's.
    target = new MutableStream(stream.labels);
    byStream.set(stream, target);
    streams.push(target);
  }
  if (missingTs > 0) rejectMissingTimestamps(out, raw, missingTs, where);
  if (kept > 0) {
    const runs = target.runs;
    // Consecutive stream objects with the same labels extend one run.
    if (runs.length > 0 && runs[runs.length - 1] === from) runs[runs.length - 1] = cols.n;
    else runs.push(from, cols.n);
    target.lines += kept;
  }
  return lineBytes;
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

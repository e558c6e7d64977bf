/**
 * The scan behind slice, export and grep: the lines of a capture that pass a {@link ToolFilter}, in file
 * order, in bounded memory.
 *
 * Closed, indexed `.jsonl.zst` files (everything recv writes) take a fast path: their frame table says
 * which byte ranges can hold the time range, each range is decompressed in one call into a buffer sized
 * from the table, and
 * - a message pattern with required literals (regex.ts) is searched in the raw bytes with a native
 *   `indexOf`: only lines containing a literal are decoded and tested (most greps decode almost nothing);
 * - in raw mode (JSONL export) a range that the filter keeps whole is passed on as bytes, never decoded.
 * Everything else (the active file of a live capture, files a crash left unindexed, the Go original's
 * raw or table-less files) goes through @logtap/capture's reader, which handles torn and corrupt data.
 */

import { isAscii } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';
import {
  type Capture,
  type CaptureEntry,
  type CaptureFile,
  EntryDecoder,
  EntryEncoder,
  type FrameEntry,
  parseTimestamp,
  type ReadWarning,
  readEntryBatches,
} from '@logtap/capture/read';
import type { RecordBatch } from 'apache-arrow';
import binding from 'zstd-napi/binding.js';
import type { ToolFilter } from './filter.js';
import { unescapeJsonString } from './json-string.js';
import { trailingCrIrrelevant } from './trailing-cr.js';

export type { ReadWarning } from '@logtap/capture/read';

/** Uncompressed bytes per decompressed range at most (frames are grouped up to this). */
const RANGE_BYTES = 4 << 20;
const NL = 0x0a;
const TS_KEY = Buffer.from('{"ts":"');
const LABELS_KEY = Buffer.from(',"labels":{');
const LABELS_END = Buffer.from('},"msg":"');
const MSG_KEY = Buffer.from(',"msg":"');
const META_KEY = Buffer.from('","meta":{');
const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});
/** Slots of the label-set cache (a power of two), see Scanner.#slotRaw. */
const LABEL_SLOTS = 1024;
/** Characters with a meaning in a RegExp (escaped to search a literal). */
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;
/** A raw control character, which a JSON string may not hold. */
const CONTROL = /[\x00-\x1f]/;
/** C0, DEL or C1: what a JSON string may not hold raw or terminal-safe text escapes (see LineParts.clean). */
const ANY_CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** Options of {@link scanEntries} / {@link scanRaw}. */
export interface ScanOptions {
  signal?: AbortSignal | undefined;
  onWarning?: ((w: ReadWarning) => void) | undefined;
  /** Called after each batch with the uncompressed capture bytes scanned so far (for progress bars). */
  onProgress?: ((scannedBytes: number) => void) | undefined;
  /** Test the filter's message pattern (default true; grep -C tests it itself to show context lines). */
  applyMsg?: boolean | undefined;
}

/** Decoded entries of one file. `entries` share label objects (see CaptureEntry.labels). */
export interface EntryBatch {
  file: string;
  entries: CaptureEntry[];
}

/** Canonical JSONL of one file: `data` holds whole lines, each ending in `\n`. */
export interface RawBatch {
  file: string;
  data: Buffer;
  lines: number;
}

/** Whether `buf` holds `needle` at `pos` (short needles: a loop beats a native call). */
function bytesAt(buf: Buffer, needle: Buffer, pos: number): boolean {
  if (pos + needle.length > buf.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[pos + i] !== needle[i]) return false;
  return true;
}

type Slicer = (this: Buffer, start: number, end: number) => string;
// Buffer's per-encoding slicers skip toString's encoding dispatch (the capture reader measured ~20%).
const proto = Buffer.prototype as unknown as { latin1Slice?: Slicer; utf8Slice?: Slicer };
const latin1: Slicer =
  proto.latin1Slice ??
  function (this: Buffer, s, e) {
    return this.toString('latin1', s, e);
  };
const utf8: Slicer =
  proto.utf8Slice ??
  function (this: Buffer, s, e) {
    return this.toString('utf8', s, e);
  };

/** A group of consecutive frames read and decompressed together. */
interface Range {
  offset: number;
  length: number;
  bytes: number;
  from: bigint;
  to: bigint;
  /** The frame-table entries merged into this range (re-read one by one when the range is corrupt). */
  parts: FrameEntry[];
}

/** Ranges of a file's frame table that overlap the filter's time range, merged up to RANGE_BYTES. */
function frameRanges(frames: readonly FrameEntry[], filter: ToolFilter): Range[] {
  const out: Range[] = [];
  for (const fr of frames) {
    if (
      (filter.from !== undefined && fr.to < filter.from) ||
      (filter.to !== undefined && fr.from > filter.to)
    )
      continue;
    const last = out[out.length - 1];
    if (
      last !== undefined &&
      last.offset + last.length === fr.offset &&
      last.bytes + fr.bytes <= RANGE_BYTES
    ) {
      last.length += fr.length;
      last.bytes += fr.bytes;
      if (fr.from < last.from) last.from = fr.from;
      if (fr.to > last.to) last.to = fr.to;
      last.parts.push(fr);
    } else {
      out.push({
        offset: fr.offset,
        length: fr.length,
        bytes: fr.bytes,
        from: fr.from,
        to: fr.to,
        parts: [fr],
      });
    }
  }
  return out;
}

function fastPath(f: CaptureFile): boolean {
  return f.compressed && f.index?.frames !== undefined && f.index.frames.length > 0;
}

/** Output buffers of finished reuse-mode scans (see RangeReader.reuse); each scan takes its own. */
const spareOut: Buffer[] = [];

/** Reads and decompresses ranges of one file. */
class RangeReader {
  readonly #dctx = new binding.DCtx();
  #in = Buffer.allocUnsafe(1 << 20);
  /**
   * Decompress every range into one buffer, overwritten by the next read (for consumers that are done
   * with a range when they return, see {@link scanRanges}): a fresh 4 MiB buffer per range is external
   * memory that makes V8 run a full GC every few ranges.
   */
  reuse = false;
  #out: Buffer | undefined;

  /** Hands the reused buffer to the next reuse-mode scan of this thread (triage reads unit after unit). */
  release(): void {
    if (this.#out !== undefined && spareOut.length < 2) spareOut.push(this.#out);
    this.#out = undefined;
  }

  /** Decompressed bytes of a range (a fresh buffer unless `reuse`: raw batches hand it on), or an error message. */
  async read(fh: FileHandle, r: Range): Promise<Buffer | string> {
    if (this.#in.length < r.length) this.#in = Buffer.allocUnsafe(r.length);
    const src = this.#in.subarray(0, r.length);
    let got = 0;
    while (got < r.length) {
      const { bytesRead } = await fh.read(src, got, r.length - got, r.offset + got);
      if (bytesRead <= 0) return `the file ends at byte ${r.offset + got}, inside a frame`;
      got += bytesRead;
    }
    if (this.reuse) this.#out ??= spareOut.pop();
    let out =
      this.reuse && this.#out !== undefined && this.#out.length >= r.bytes + 64
        ? this.#out
        : Buffer.allocUnsafe(r.bytes + 64);
    let produced = 0;
    let pos = 0;
    this.#dctx.reset(binding.ResetDirective.sessionOnly);
    try {
      for (;;) {
        if (produced === out.length) {
          const bigger = Buffer.allocUnsafe(out.length * 2);
          out.copy(bigger, 0, 0, produced);
          out = bigger;
        }
        const [ret, p, c] = this.#dctx.decompressStream(out.subarray(produced), src.subarray(pos));
        produced += p;
        pos += c;
        if (pos >= src.length && (ret === 0 || produced < out.length)) {
          if (ret !== 0) return 'the range ends inside a frame';
          break;
        }
        if (p === 0 && c === 0 && produced < out.length) return 'the decoder made no progress';
      }
    } catch (err) {
      return (err as Error).message;
    }
    if (this.reuse) this.#out = out;
    return out.subarray(0, produced);
  }
}

/** Receives the parts of a kept canonical line (see BatchBuilder.pushRaw); false = not taken. */
export interface RowSink {
  pushRaw(
    line: Buffer,
    tsAt: number,
    labels: Readonly<Record<string, string>>,
    msgStart: number,
    msgEnd: number,
    msg: string | undefined,
    meta: Readonly<Record<string, string>> | undefined,
  ): boolean;
}

/** Where the parts of a canonical line are (absolute offsets into the range's buffer). */
export interface LineParts {
  /** `{` of the labels object, or -1 when the line has no labels. */
  labelsOpen: number;
  labelsClose: number;
  msgStart: number;
  msgEnd: number;
  /** `{` of the meta object, or -1. */
  metaOpen: number;
  /** The message's raw text holds a backslash escape. */
  escaped: boolean;
  /**
   * Its only escape is a final `\r` (a CRLF-terminated log line: common, so it skips the unescaper, and
   * grep's text output, which drops that CR, can copy the bytes before it).
   */
  crOnly: boolean;
  /**
   * Set by {@link Scanner.match} for a line it passes: the message (before a crOnly CR) holds no control
   * character (C0, DEL, C1), so its raw bytes are its text, in JSON and in terminal-safe text alike.
   */
  clean: boolean;
}

/** Per-scan state shared by the files. */
class Scanner {
  readonly decoder = new EntryDecoder();
  readonly encoder = new EntryEncoder();
  readonly ranges = new RangeReader();
  /**
   * Whether {@link setRange} turns ASCII ranges into a string: worth it when most lines are visited (the
   * string costs a copy of the range and ~4 MiB of heap per range in flight); scans that pass ranges on
   * as bytes, or visit a few lines found by a literal, leave it off.
   */
  useText = false;
  #ascii = false;
  /** The current range as one latin1 string when it is ASCII (see {@link setRange}). */
  #text: string | undefined;
  /**
   * Labels objects by raw JSON, for ASCII ranges: looked up with a view into the range's string (no copy),
   * stored under a copy (a view would keep its whole range alive).
   */
  #labelsByRaw = new Map<string, Readonly<Record<string, string>>>();
  /**
   * A direct-mapped cache in front of {@link #labelsByRaw}, slotted by a hash of the length and a few
   * characters of the raw JSON and checked with one comparison: a Map lookup must hash the whole slice
   * first (~180 ns a line where ~30 ns do; grep -C looks up the labels of every printed line).
   */
  readonly #slotRaw = new Array<string | undefined>(LABEL_SLOTS).fill(undefined);
  readonly #slotLabels = new Array<Readonly<Record<string, string>>>(LABEL_SLOTS).fill(EMPTY_LABELS);
  scanned = 0;
  invalid = 0;

  /** Whether the message pattern answers the same with or without a final CR (see trailing-cr.ts). */
  readonly crFree: boolean;

  constructor(
    readonly cap: Capture,
    readonly filter: ToolFilter,
    readonly opts: ScanOptions,
  ) {
    this.crFree = filter.msg !== undefined && trailingCrIrrelevant(filter.msg);
  }

  get applyMsg(): boolean {
    return this.opts.applyMsg !== false && this.filter.msg !== undefined;
  }

  warn(w: ReadWarning): void {
    this.opts.onWarning?.(w);
  }

  progress(bytes: number): void {
    this.scanned += bytes;
    this.opts.onProgress?.(this.scanned);
  }

  /** Whether lines should go through {@link quickReject} before being decoded. */
  quick(inside: boolean): boolean {
    const f = this.filter;
    // Without a literal prefilter (or with only a weak one, like the `.` of `\d+\.\d+`), every line is a
    // candidate: test its raw message before decoding it. With a real literal the candidates are mostly
    // matches, and testing them twice would only cost.
    const lits = f.msg?.literals;
    const weak = lits === undefined || lits.every((l) => l.length < 3);
    return f.labels.length > 0 || (this.applyMsg && weak) || !inside;
  }

  readonly #parts: LineParts = {
    labelsOpen: -1,
    labelsClose: -1,
    msgStart: 0,
    msgEnd: 0,
    metaOpen: -1,
    escaped: false,
    crOnly: false,
    clean: false,
  };
  #escBuf: Buffer | undefined;
  #escFrom = 0;
  #escAt = -1;
  /** The line {@link #parse} last parsed (`#parts` describes it): grep -C reads a line twice in a row. */
  #parsedBuf: Buffer | undefined;
  #parsedA = -1;
  #parsedB = -1;
  /** `#parts.clean` is known for the line last parsed (see {@link #testable}). */
  #cleanKnown = false;

  /**
   * The next backslash at or after `from` in `buf` (any answer >= `to` means none before `to`). Lines are
   * visited in increasing order, so one search serves every line up to the backslash it found: linear in
   * the range, where a search per line (Buffer has no bounded indexOf) would run to the next backslash,
   * possibly the end of the range, every time.
   */
  #nextBackslash(buf: Buffer, from: number, to: number): number {
    if (buf === this.#escBuf && from < this.#escFrom) {
      // A line behind the cursor (grep -C printing the lines before a match): search that message alone (a
      // view of it), and keep the cursor for the lines ahead.
      const i =
        this.#text !== undefined
          ? this.#text.slice(from, to).indexOf('\\')
          : buf.subarray(from, to).indexOf(0x5c);
      return i < 0 ? -1 : from + i;
    }
    if (buf !== this.#escBuf || (this.#escAt >= 0 && this.#escAt < from)) {
      this.#escBuf = buf;
      this.#escAt = this.#indexOf(buf, '\\', 0x5c, from);
    }
    this.#escFrom = from;
    return this.#escAt;
  }

  /**
   * Locates the parts of `buf[a, b)` if it is a canonical line
   * (`{"ts":"<30-byte time>","labels":{...},"msg":"...","meta":{...}}`, labels and meta optional); false
   * otherwise. Every search is bounded by the line: the needles are present in a canonical line.
   */
  #parse(buf: Buffer, a: number, b: number): LineParts | undefined {
    const p = this.#parts;
    if (a === this.#parsedA && b === this.#parsedB && buf === this.#parsedBuf) return p;
    this.#parsedBuf = undefined;
    this.#cleanKnown = false;
    if (b - a < 40 || !bytesAt(buf, TS_KEY, a) || buf[a + 37] !== 0x22) return undefined;
    const at = a + 38;
    if (bytesAt(buf, LABELS_KEY, at)) {
      p.labelsOpen = at + LABELS_KEY.length - 1;
      // `},"msg":"` cannot occur inside the labels object (see EntryDecoder): the first one ends it.
      p.labelsClose = this.#indexOf(buf, '},"msg":"', LABELS_END, p.labelsOpen);
      if (p.labelsClose < 0 || p.labelsClose >= b) return undefined;
      p.msgStart = p.labelsClose + LABELS_END.length;
    } else if (bytesAt(buf, MSG_KEY, at)) {
      p.labelsOpen = -1;
      p.msgStart = at + MSG_KEY.length;
    } else {
      return undefined;
    }
    if (buf[b - 1] !== 0x7d) return undefined;
    if (buf[b - 2] === 0x22) {
      p.msgEnd = b - 2;
      p.metaOpen = -1;
    } else if (buf[b - 2] === 0x7d) {
      // A line with meta ends in `}}`; `","meta":{` cannot occur inside the message string.
      const m = this.#indexOf(buf, '","meta":{', META_KEY, p.msgStart);
      if (m < 0 || m >= b) return undefined;
      p.msgEnd = m;
      p.metaOpen = m + META_KEY.length - 1;
    } else {
      return undefined;
    }
    const esc = this.#nextBackslash(buf, p.msgStart, p.msgEnd);
    p.escaped = esc >= 0 && esc < p.msgEnd;
    p.crOnly = esc === p.msgEnd - 2 && buf[esc + 1] === 0x72;
    // Without escapes the first quote after the start must be the closing one (else: more fields); the
    // same before a final `\r`.
    if ((!p.escaped || p.crOnly) && this.#indexOf(buf, '"', 0x22, p.msgStart) !== p.msgEnd) return undefined;
    this.#parsedBuf = buf;
    this.#parsedA = a;
    this.#parsedB = b;
    return p;
  }

  /**
   * Prepares for the lines of a new range. An ASCII range becomes one latin1 string (a copy at memcpy
   * speed) that lines and messages are sliced from: V8 makes a slice of 13+ characters a view into its
   * parent, ~8 ns where a decode per line costs 60-130 ns (measured on the loghub lines).
   */
  setRange(buf: Buffer): void {
    this.#ascii = isAscii(buf);
    this.#text = this.useText && this.#ascii ? latin1.call(buf, 0, buf.length) : undefined;
    this.#escBuf = undefined;
    this.#parsedBuf = undefined;
  }

  /**
   * `buf.indexOf(bytes, from)`, on the range's string when there is one: String#indexOf on a one-byte
   * string is a plain memchr/search, where each Buffer#indexOf call pays a trip through a binding.
   */
  #indexOf(buf: Buffer, str: string, bytes: Buffer | number, from: number): number {
    return this.#text !== undefined ? this.#text.indexOf(str, from) : buf.indexOf(bytes, from);
  }

  /** The range's string (see {@link setRange}), or undefined when the range is not ASCII. */
  get text(): string | undefined {
    return this.#text;
  }

  /** The text of `buf[a, b)` of the current range (a view into the range's string when it is ASCII). */
  str(buf: Buffer, a: number, b: number): string {
    if (this.#text !== undefined) return this.#text.slice(a, b);
    return this.#ascii ? latin1.call(buf, a, b) : utf8.call(buf, a, b);
  }

  /**
   * The shared labels object of parsed parts (the decoder's cache, keyed by a copied string: a view would
   * keep a whole range alive), or undefined when they are not a string map.
   */
  #labels(buf: Buffer, p: LineParts): Readonly<Record<string, string>> | undefined {
    if (p.labelsOpen < 0) return EMPTY_LABELS;
    const end = p.labelsClose + 1;
    const text = this.#text;
    if (text === undefined) return this.decoder.labels(utf8.call(buf, p.labelsOpen, end));
    const open = p.labelsOpen;
    const len = end - open;
    // `{"` starts and `"}` ends a labels object: the characters hashed are the first value's (when its key
    // is short), the last value's (a pod name's unique suffix, often) and two in between.
    let h = len;
    h = (Math.imul(h, 31) + text.charCodeAt(end - 3)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(end - 4)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(end - 5)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(end - 7)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(open + 8)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(open + 9)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(open + (len >> 1))) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(open + (len >> 2))) | 0;
    h = (h ^ (h >>> 10) ^ (h >>> 20)) & (LABEL_SLOTS - 1);
    const slot = this.#slotRaw[h];
    // (A slice and === compare flat memory; startsWith on the range's string measured up to 4x slower.)
    if (slot !== undefined && slot.length === len && text.slice(open, end) === slot)
      return this.#slotLabels[h];
    const raw = latin1.call(buf, open, end);
    let labels = this.#labelsByRaw.get(raw);
    if (labels === undefined) {
      labels = this.decoder.labels(raw);
      if (labels === undefined) return undefined;
      if (this.#labelsByRaw.size >= 4096) this.#labelsByRaw.clear();
      this.#labelsByRaw.set(raw, labels);
    }
    this.#slotRaw[h] = raw;
    this.#slotLabels[h] = labels;
    return labels;
  }

  /**
   * What the message pattern is tested on: the message, or for a crOnly line the text before its CR
   * when the pattern answers the same either way (no concatenation); undefined when not a valid string.
   */
  #testable(buf: Buffer, p: LineParts): string | undefined {
    if (!p.crOnly || !this.crFree) return this.#message(buf, p);
    const body = this.str(buf, p.msgStart, p.msgEnd - 2);
    // One search tells both validity and cleanness, for {@link match} of the same line (grep -C).
    if (!ANY_CONTROL.test(body)) {
      p.clean = true;
      this.#cleanKnown = true;
      return body;
    }
    return CONTROL.test(body) ? undefined : body;
  }

  /** The message of parsed parts (unescaped when needed); undefined when it is not a valid string. */
  #message(buf: Buffer, p: LineParts): string | undefined {
    // Undefined when it is not a plain string literal: the decoder judges the line.
    if (p.crOnly) {
      const raw = this.str(buf, p.msgStart, p.msgEnd - 2);
      // JSON strings hold no raw control character (unescapeJsonString's check, which this case skips).
      return CONTROL.test(raw) ? undefined : `${raw}\r`;
    }
    return p.escaped
      ? unescapeJsonString(this.str(buf, p.msgStart, p.msgEnd))
      : this.str(buf, p.msgStart, p.msgEnd);
  }

  /**
   * True when the raw line `buf[a, b)` certainly fails the filter, judged from its parts without decoding
   * the entry: the time (only when `inside` is false), the labels (their raw JSON maps to a shared labels
   * object through the decoder's cache, and the filter memoises per object) and the message. Anything
   * unusual returns false: the caller decodes.
   */
  quickReject(buf: Buffer, a: number, b: number, inside: boolean): boolean {
    const p = this.#parse(buf, a, b);
    if (p === undefined) return false;
    const f = this.filter;
    if (!inside) {
      const ts = parseTimestamp(latin1.call(buf, a + 7, a + 37));
      if (ts === undefined) return false;
      if (!f.matchTime(ts)) return true;
    }
    if (f.labels.length > 0) {
      const labels = this.#labels(buf, p);
      if (labels === undefined) return false;
      if (!f.matchLabels(labels)) return true;
    }
    if (!this.applyMsg) return false;
    const msg = this.#testable(buf, p);
    return msg !== undefined && !f.msg!.test(msg);
  }

  /**
   * Filters a raw canonical line and, when kept, hands its parts to `out` without decoding the entry (the
   * time and an unescaped message go in as bytes). Returns 1 kept, 0 rejected, -1 when the line is not in
   * the canonical form (the caller decodes it).
   */
  rawRow(buf: Buffer, a: number, b: number, inside: boolean, out: RowSink): -1 | 0 | 1 {
    const p = this.#parse(buf, a, b);
    if (p === undefined) return -1;
    const f = this.filter;
    if (!inside) {
      const ts = parseTimestamp(latin1.call(buf, a + 7, a + 37));
      if (ts === undefined) return -1;
      if (!f.matchTime(ts)) return 0;
    }
    const labels = this.#labels(buf, p);
    if (labels === undefined) return -1;
    if (!f.matchLabels(labels)) return 0;
    let meta: Record<string, string> | undefined;
    if (p.metaOpen >= 0) {
      meta = this.#meta(buf, p, b);
      if (meta === undefined) return -1;
    }
    let msg: string | undefined;
    if (p.escaped || this.applyMsg) {
      msg = this.#message(buf, p);
      if (msg === undefined) return -1;
      if (this.applyMsg && !f.msg!.test(msg)) return 0;
    }
    // An unescaped message goes in as bytes (msg undefined), an escaped one as its decoded text.
    return out.pushRaw(buf, a + 7, labels, p.msgStart, p.msgEnd, p.escaped ? msg : undefined, meta) ? 1 : -1;
  }

  /** The meta object of parsed parts; undefined when it is not a string map (the decoder judges the line). */
  #meta(buf: Buffer, p: LineParts, b: number): Record<string, string> | undefined {
    let m: unknown;
    try {
      m = JSON.parse(this.str(buf, p.metaOpen, b - 1));
    } catch {
      return undefined;
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return undefined;
    for (const k in m) if (typeof (m as Record<string, unknown>)[k] !== 'string') return undefined;
    return m as Record<string, string>;
  }

  /**
   * The entry of the raw line `buf[a, b)` when it passes the filter, built from its parts (the message is
   * decoded once, for the test and the entry; the time only when needed); 0 when it fails; -1 when the
   * line is not in the canonical form (the caller decodes it).
   */
  entry(buf: Buffer, a: number, b: number, inside: boolean): CaptureEntry | 0 | -1 {
    const m = this.match(buf, a, b, inside);
    return m === 1 ? this.built(buf, a, b) : m;
  }

  /** Labels of the line {@link match} last passed. */
  matchedLabels: Readonly<Record<string, string>> = EMPTY_LABELS;
  #matchedMsg: string | undefined;
  #matchedBody = '';

  /** Message (unescaped) of the line {@link match} last passed. */
  get matchedMsg(): string {
    this.#matchedMsg ??= `${this.#matchedBody}\r`;
    return this.#matchedMsg;
  }
  /** Time of the line {@link match} last passed, when it had to be parsed (the range is not inside). */
  #matchedTs: bigint | undefined;

  /** Parts of the line {@link match} last passed (overwritten by the next line). */
  get parts(): Readonly<LineParts> {
    return this.#parts;
  }

  /**
   * Filters the raw line `buf[a, b)` from its parts: 1 when it passes (its parts, labels and message are
   * then in {@link parts}, {@link matchedLabels}, {@link matchedMsg}), 0 when it fails, -1 when it is not
   * in the canonical form (the caller decodes it). The message is decoded once, for the test and the
   * output; the time is parsed only when the range is not inside the time filter.
   */
  match(buf: Buffer, a: number, b: number, inside: boolean): -1 | 0 | 1 {
    const p = this.#parse(buf, a, b);
    if (p === undefined) return -1;
    const f = this.filter;
    let ts: bigint | undefined;
    if (!inside) {
      ts = parseTimestamp(latin1.call(buf, a + 7, a + 37));
      if (ts === undefined) return -1;
      if (!f.matchTime(ts)) return 0;
    }
    // Labels first only when they can reject the line; else only a line that passes needs them.
    let labels: Readonly<Record<string, string>> | undefined;
    if (f.labels.length > 0) {
      labels = this.#labels(buf, p);
      if (labels === undefined) return -1;
      if (!f.matchLabels(labels)) return 0;
    }
    let msg: string | undefined;
    // The message before a crOnly CR (else the message): a slice of the range's string.
    let body: string;
    if (p.crOnly) {
      body = this.str(buf, p.msgStart, p.msgEnd - 2);
      // Without the CR when the pattern cannot tell (trailing-cr.ts): no concatenation to copy.
      if (!this.crFree) msg = `${body}\r`;
    } else {
      msg = this.#message(buf, p);
      if (msg === undefined) return -1;
      body = msg;
    }
    if (this.applyMsg && !f.msg!.test(msg ?? body)) return 0;
    if (!this.#cleanKnown) {
      p.clean = false;
      if (!p.escaped || p.crOnly) {
        // One search serves the cleanness of both kinds and, rarely, the validity of a crOnly message.
        if (!ANY_CONTROL.test(body)) p.clean = true;
        else if (p.crOnly && CONTROL.test(body)) return -1;
      }
    }
    labels ??= this.#labels(buf, p);
    if (labels === undefined) return -1;
    this.matchedLabels = labels;
    this.#matchedBody = body;
    this.#matchedMsg = msg;
    this.#matchedTs = ts;
    return 1;
  }

  /**
   * The entry of the line {@link match} just passed (`buf[a, b)`), or -1 when its time or meta is not
   * valid (the caller decodes the line).
   */
  built(buf: Buffer, a: number, b: number): CaptureEntry | -1 {
    const p = this.#parts;
    const ts = this.#matchedTs ?? parseTimestamp(this.str(buf, a + 7, a + 37));
    if (ts === undefined) return -1;
    const labels = this.matchedLabels;
    const msg = this.matchedMsg;
    if (p.metaOpen < 0) return { ts, labels, msg };
    const meta = this.#meta(buf, p, b);
    return meta === undefined ? -1 : { ts, labels, msg, meta };
  }

  /**
   * A raw line for {@link scanContext}: -2 when it fails the time or label filter, 1 when its message
   * matches, 0 when not (not even decoded when it is no `candidate`, see {@link allLines}), -1 when the
   * line is not in the canonical form (the caller decodes it).
   */
  row(buf: Buffer, a: number, b: number, inside: boolean, candidate: boolean): -2 | -1 | 0 | 1 {
    const p = this.#parse(buf, a, b);
    if (p === undefined) return -1;
    const f = this.filter;
    if (!inside) {
      const ts = parseTimestamp(latin1.call(buf, a + 7, a + 37));
      if (ts === undefined) return -1;
      if (!f.matchTime(ts)) return -2;
    }
    if (f.labels.length > 0) {
      const labels = this.#labels(buf, p);
      if (labels === undefined) return -1;
      if (!f.matchLabels(labels)) return -2;
    }
    if (!candidate) return 0;
    const msg = this.#testable(buf, p);
    if (msg === undefined) return -1;
    return f.msg!.test(msg) ? 1 : 0;
  }

  /** See {@link RangeLines.load}: {@link match} of a line that passed the filters, without the message test. */
  load(buf: Buffer, a: number, b: number): boolean {
    return this.match(buf, a, b, true) === 1;
  }

  /** See {@link RangeLines.decodeRow}. */
  decodeRow(buf: Buffer, a: number, b: number): CaptureEntry | undefined {
    const e = this.decoder.decode(this.str(buf, a, b));
    if (e === undefined) {
      this.invalid++;
      return undefined;
    }
    // Its parts passed the filters; the decoded entry says the same unless the line is odd in some way.
    return this.filter.matchTime(e.ts) && this.filter.matchLabels(e.labels) ? e : undefined;
  }

  /** Whether a decoded entry passes (time is skipped when the range is inside the filter's range). */
  keep(e: CaptureEntry, timeInside: boolean): boolean {
    const f = this.filter;
    if (!timeInside && !f.matchTime(e.ts)) return false;
    if (!f.matchLabels(e.labels)) return false;
    return !this.applyMsg || f.msg!.test(e.msg);
  }

  /**
   * Calls `visit(start, end)` for each line of `buf` worth decoding: every line, or with a literal
   * prefilter only lines containing one of the literals.
   */
  lines(buf: Buffer, visit: (start: number, end: number) => void): void {
    const lits = this.applyMsg ? this.filter.msg!.literals : undefined;
    // A weak literal (the `.` of `\d+\.\d+`) is in nearly every raw line (its timestamp has one): the
    // search would only add a lookup per line.
    if (lits === undefined || lits.every((l) => l.length < 3)) this.#everyLine(buf, visit);
    else this.#literalLines(buf, lits, visit);
  }

  /**
   * Calls `visit(start, end, candidate)` for every line of `buf`; `candidate` is false for lines that hold
   * none of the message pattern's literals (they cannot match), true otherwise.
   */
  allLines(buf: Buffer, visit: (start: number, end: number, candidate: boolean) => void): void {
    const lits = this.filter.msg?.literals;
    // A weak literal is in nearly every line (see lines): every line is a candidate.
    if (lits === undefined || lits.every((l) => l.length < 3)) {
      this.#everyLine(buf, (a, b) => visit(a, b, true));
      return;
    }
    const starts: number[] = [];
    this.#literalLines(buf, lits, (a) => starts.push(a));
    let k = 0;
    this.#everyLine(buf, (a, b) => {
      const candidate = starts[k] === a;
      if (candidate) k++;
      visit(a, b, candidate);
    });
  }

  #everyLine(buf: Buffer, visit: (start: number, end: number) => void): void {
    const end = buf.length;
    const text = this.#text;
    let pos = 0;
    while (pos < end) {
      let nl = text !== undefined ? text.indexOf('\n', pos) : buf.indexOf(NL, pos);
      if (nl < 0) nl = end;
      if (nl > pos) visit(pos, nl);
      pos = nl + 1;
    }
  }

  /** Visits the lines holding one of `lits`, found in the raw bytes (nothing else is decoded). */
  #literalLines(buf: Buffer, lits: readonly string[], visit: (start: number, end: number) => void): void {
    const end = buf.length;
    let find: (needle: number, from: number) => number;
    if (this.filter.msg!.ignoreCase) {
      // latin1 maps byte i to char i, so positions are bytes. A case-insensitive RegExp per literal finds
      // what indexOf finds in the lower-cased text (the literals are printable ASCII, and without the `u`
      // flag no non-ASCII character matches an ASCII one), ~5x faster than lower-casing the range.
      const text = this.#text ?? latin1.call(buf, 0, end);
      const res = lits.map((l) => new RegExp(l.replace(REGEX_SPECIAL, '\\$&'), 'gi'));
      find = (i, from) => {
        const re = res[i]!;
        re.lastIndex = from;
        return re.test(text) ? re.lastIndex - lits[i]!.length : -1;
      };
    } else {
      const needles = lits.map((l) => Buffer.from(l, 'latin1'));
      find = (i, from) => buf.indexOf(needles[i]!, from);
    }
    const next = lits.map((_, i) => find(i, 0));
    for (;;) {
      let hit = -1;
      for (const n of next) if (n >= 0 && (hit < 0 || n < hit)) hit = n;
      if (hit < 0) return;
      const start = buf.lastIndexOf(NL, hit) + 1;
      let nl = buf.indexOf(NL, hit);
      if (nl < 0) nl = end;
      visit(start, nl);
      for (let i = 0; i < next.length; i++) if (next[i]! >= 0 && next[i]! <= nl) next[i] = find(i, nl + 1);
    }
  }
}

async function* fastFile<T>(
  s: Scanner,
  f: CaptureFile,
  onRange: (buf: Buffer, r: Range) => T | undefined,
): AsyncGenerator<T> {
  let fh: FileHandle;
  try {
    fh = await open(f.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      s.warn({ file: f.name, kind: 'missing', detail: 'evicted or removed before it could be read' });
      return;
    }
    throw err;
  }
  try {
    const queue = frameRanges(f.index!.frames!, s.filter);
    for (let i = 0; i < queue.length; i++) {
      const r = queue[i]!;
      s.opts.signal?.throwIfAborted();
      const buf = await s.ranges.read(fh, r);
      if (typeof buf === 'string') {
        if (r.parts.length > 1) {
          // Salvage the intact frames: retry the merged range one frame-table entry at a time.
          queue.splice(i + 1, 0, ...r.parts.map((p) => ({ ...p, parts: [p] })));
          continue;
        }
        s.warn({
          file: f.name,
          kind: 'corrupt',
          detail: `bytes ${r.offset}..${r.offset + r.length}: ${buf}; skipped`,
        });
        continue;
      }
      s.setRange(buf);
      const out = onRange(buf, r);
      s.progress(r.bytes);
      if (out !== undefined) yield out;
    }
  } finally {
    await fh.close();
  }
  if (s.invalid > 0) {
    s.warn({ file: f.name, kind: 'invalid_lines', detail: `${s.invalid} line(s) are not capture entries` });
    s.invalid = 0;
  }
}

/** Entries of a file through @logtap/capture's reader (orphans, raw files, files without a frame table). */
async function* slowFile(s: Scanner, f: CaptureFile): AsyncGenerator<CaptureEntry[]> {
  const one: Capture = { ...s.cap, files: [f], live: false };
  const time = {
    ...(s.filter.from !== undefined ? { from: s.filter.from } : {}),
    ...(s.filter.to !== undefined ? { to: s.filter.to } : {}),
  };
  const opts = {
    catchUp: false,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
    onWarning: (w: ReadWarning) => s.warn(w),
  };
  for await (const batch of readEntryBatches(one, time, opts)) {
    let bytes = 0;
    const kept: CaptureEntry[] = [];
    for (const e of batch) {
      bytes += e.msg.length + 64;
      if (s.keep(e, true)) kept.push(e);
    }
    s.progress(bytes);
    if (kept.length > 0) yield kept;
  }
}

function mayRead(s: Scanner, f: CaptureFile): boolean {
  return f.index === undefined || s.filter.mayMatchFile(f.index);
}

/**
 * The matching entries of a capture, a batch per decompressed range (about 1-4 MiB of data), in file
 * order. Damaged input is skipped and reported through `onWarning`.
 */
export async function* scanEntries(
  cap: Capture,
  filter: ToolFilter,
  opts: ScanOptions = {},
): AsyncGenerator<EntryBatch, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  // Entries hold strings copied out of the range: one output buffer serves every range.
  s.ranges.reuse = true;
  const lits = s.applyMsg ? filter.msg!.literals : undefined;
  s.useText = lits === undefined || lits.every((l) => l.length < 3);
  try {
    for (const f of cap.files) {
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) yield { file: f.name, entries };
        continue;
      }
      const onRange = (buf: Buffer, r: Range): EntryBatch | undefined => {
        const inside = filter.coversTime(r.from, r.to);
        const entries: CaptureEntry[] = [];
        s.lines(buf, (a, b) => {
          const e = s.entry(buf, a, b, inside);
          if (e === 0) return;
          if (e !== -1) {
            entries.push(e);
            return;
          }
          const d = s.decoder.decode(s.str(buf, a, b));
          if (d === undefined) s.invalid++;
          else if (s.keep(d, inside)) entries.push(d);
        });
        return entries.length > 0 ? { file: f.name, entries } : undefined;
      };
      yield* fastFile(s, f, onRange);
    }
  } finally {
    s.ranges.release();
  }
}

/** The message of the line a scan just matched (see MatchSink.line). */
export interface MatchedMessage {
  readonly matchedMsg: string;
}

/** Receives the matching lines of {@link scanMatches}. */
export interface MatchSink {
  /**
   * A new decompressed range of `file`: the lines that follow are in `buf` (overwritten after the next
   * yield of the scan); `text` is its latin1 string when the range is ASCII and the scan made one.
   */
  range(file: string, buf: Buffer, text: string | undefined): void;
  /**
   * A matching canonical line `buf[a, b)` (no newline) with its parts, shared labels object and message
   * (unescaped, built on first read: most lines are written from their bytes). Returns false when the
   * sink cannot use the raw line: it is then built into an entry and passed to {@link entry}.
   */
  line(
    a: number,
    b: number,
    parts: Readonly<LineParts>,
    labels: Readonly<Record<string, string>>,
    msg: MatchedMessage,
  ): boolean;
  /** A matching entry: a line not in the canonical form, or any line of a file without a frame table. */
  entry(file: string, e: CaptureEntry): void;
  /** True once no more lines are wanted (grep --max-count): the scan stops. */
  readonly full: boolean;
}

/**
 * The matching lines of a capture, in file order, handed to `sink` without building an entry for
 * canonical lines (grep writes them from the raw bytes). Yields after each range or reader batch that
 * gave the sink something, so that the caller can write its output with backpressure.
 */
export async function* scanMatches(
  cap: Capture,
  filter: ToolFilter,
  sink: MatchSink,
  opts: ScanOptions = {},
): AsyncGenerator<void, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  // The sink is done with a range's bytes before the next range is read.
  s.ranges.reuse = true;
  const lits = s.applyMsg ? filter.msg!.literals : undefined;
  s.useText = lits === undefined || lits.every((l) => l.length < 3);
  try {
    for (const f of cap.files) {
      if (sink.full) return;
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) {
          for (const e of entries) {
            if (sink.full) break;
            sink.entry(f.name, e);
          }
          yield;
          if (sink.full) return;
        }
        continue;
      }
      const onRange = (buf: Buffer, r: Range): true | undefined => {
        const inside = filter.coversTime(r.from, r.to);
        let any = false;
        sink.range(f.name, buf, s.text);
        s.lines(buf, (a, b) => {
          if (sink.full) return;
          const m = s.match(buf, a, b, inside);
          if (m === 0) return;
          any = true;
          if (m === 1) {
            if (sink.line(a, b, s.parts, s.matchedLabels, s)) return;
            const e = s.built(buf, a, b);
            if (e !== -1) {
              sink.entry(f.name, e);
              return;
            }
          }
          const d = s.decoder.decode(s.str(buf, a, b));
          if (d === undefined) s.invalid++;
          else if (s.keep(d, inside)) sink.entry(f.name, d);
        });
        return any ? true : undefined;
      };
      for await (const _ of fastFile(s, f, onRange)) {
        yield;
        if (sink.full) return;
      }
    }
  } finally {
    s.ranges.release();
  }
}

/**
 * The matching lines of a capture as Arrow record batches of `rows` rows (the last may be shorter), built
 * from the raw bytes of canonical lines where possible (see BatchBuilder). Yields nothing when nothing
 * matches.
 */
export async function* scanBatches(
  cap: Capture,
  filter: ToolFilter,
  rows: number,
  opts: ScanOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  // Loaded here, not at the top: apache-arrow takes ~70 ms to load, and grep, slice and triage (which
  // import this module) never build batches.
  const { BatchBuilder } = await import('./arrow.js');
  let builder = new BatchBuilder(rows);
  const done: RecordBatch[] = [];
  const push = (e: CaptureEntry): void => {
    builder.pushEntry(e);
    if (builder.full) {
      done.push(builder.finish());
      builder = new BatchBuilder(rows);
    }
  };
  for (const f of cap.files) {
    if (!mayRead(s, f)) continue;
    if (!fastPath(f)) {
      for await (const entries of slowFile(s, f)) {
        for (const e of entries) push(e);
        yield* done.splice(0);
      }
      continue;
    }
    const onRange = (buf: Buffer, r: Range): RecordBatch[] | undefined => {
      const inside = filter.coversTime(r.from, r.to);
      s.lines(buf, (a, b) => {
        const kept = s.rawRow(buf, a, b, inside, builder);
        if (kept === 1) {
          if (builder.full) {
            done.push(builder.finish());
            builder = new BatchBuilder(rows);
          }
          return;
        }
        if (kept === 0) return;
        const e = s.decoder.decode(s.str(buf, a, b));
        if (e === undefined) s.invalid++;
        else if (s.keep(e, inside)) push(e);
      });
      return done.length > 0 ? done.splice(0) : undefined;
    };
    for await (const batches of fastFile(s, f, onRange)) yield* batches;
  }
  if (builder.length > 0) yield builder.finish();
}

/**
 * Receives the rows of {@link scanContext}: every line that passes the time and label filters, in file
 * order, with whether its message matches. Canonical lines come as offsets into the current range and
 * are not validated (a line without one of the pattern's literals is not even read): the sink reads the
 * few it prints through {@link RangeLines}, and a line that turns out not to be an entry is no row.
 */
export interface ContextSink {
  /** A new range (or reader batch, then `buf` is empty) of `file`; `lines` reads its lines. */
  range(file: string, buf: Buffer, lines: RangeLines): void;
  /** A canonical-looking line `buf[a, b)` of the range (no newline). */
  row(a: number, b: number, match: boolean): void;
  /** A line decoded by the scan (not in the canonical form, or from a file without a frame table). */
  entry(e: CaptureEntry, match: boolean): void;
  /** The range is done: its buffer is overwritten by the next one. */
  endRange(): void;
  /** True once no more rows are wanted (grep --max-count): the scan stops. */
  readonly full: boolean;
}

/** Reads lines of the current range of {@link scanContext} for a sink that prints them. */
export interface RangeLines {
  /** The range as a latin1 string when it is ASCII (see RawGrepWriter.range). */
  readonly text: string | undefined;
  /**
   * Reads the canonical line `buf[a, b)` for printing: true when its parts, labels and message are ready
   * in {@link parts}, {@link matchedLabels} and {@link matchedMsg} (until the next read); false when the
   * line is not in the canonical form ({@link decodeRow} judges it).
   */
  load(buf: Buffer, a: number, b: number): boolean;
  readonly parts: Readonly<LineParts>;
  readonly matchedLabels: Readonly<Record<string, string>>;
  readonly matchedMsg: string;
  /** The entry of the line {@link load} just read, or -1 when its time or meta is not valid. */
  built(buf: Buffer, a: number, b: number): CaptureEntry | -1;
  /** The entry of a line decoded the ordinary way; undefined (and counted as invalid) when it is none. */
  decodeRow(buf: Buffer, a: number, b: number): CaptureEntry | undefined;
}

/**
 * The lines that pass the time and label filters, each marked with whether its message matches
 * `filter.msg`, handed to `sink` (grep -C: every line may be printed as context, few are). Lines without
 * one of the pattern's literals are marked without reading their message; nothing is decoded unless the
 * line is not canonical. Yields after each range or reader batch, so that the caller can write its output
 * with backpressure.
 */
export async function* scanContext(
  cap: Capture,
  filter: ToolFilter,
  sink: ContextSink,
  opts: ScanOptions = {},
): AsyncGenerator<void, void, undefined> {
  const msg = filter.msg;
  if (msg === undefined) throw new TypeError('scanContext needs a filter with a message pattern');
  const s = new Scanner(cap, filter, { ...opts, applyMsg: false });
  s.useText = true; // every line is visited
  // The sink is done with a range's bytes when endRange returns (it copies what it keeps).
  s.ranges.reuse = true;
  const empty = Buffer.alloc(0);
  try {
    for (const f of cap.files) {
      if (sink.full) return;
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) {
          sink.range(f.name, empty, s);
          for (const e of entries) {
            if (sink.full) break;
            sink.entry(e, msg.test(e.msg));
          }
          sink.endRange();
          yield;
          if (sink.full) return;
        }
        continue;
      }
      const onRange = (buf: Buffer, r: Range): true => {
        const inside = filter.coversTime(r.from, r.to);
        sink.range(f.name, buf, s);
        s.allLines(buf, (a, b, candidate) => {
          if (sink.full) return;
          const m = s.row(buf, a, b, inside, candidate);
          if (m === -2) return;
          if (m !== -1) {
            sink.row(a, b, m === 1);
            return;
          }
          const e = s.decoder.decode(s.str(buf, a, b));
          if (e === undefined) s.invalid++;
          else if ((inside || filter.matchTime(e.ts)) && filter.matchLabels(e.labels))
            sink.entry(e, msg.test(e.msg));
        });
        sink.endRange();
        return true;
      };
      for await (const _ of fastFile(s, f, onRange)) {
        yield;
        if (sink.full) return;
      }
    }
  } finally {
    s.ranges.release();
  }
}

/** Receives what {@link scanRanges} reads. */
export interface RangeSink {
  /**
   * The decompressed bytes of a range of frames (whole lines, not filtered; the buffer is reused for the
   * next range, so nothing may keep it); `inside` when the filter's time range covers all of it. Returns how many lines were not capture entries (reported as a
   * `invalid_lines` warning).
   */
  range(buf: Buffer, inside: boolean): number;
  /** An entry of a file without a frame table (read by @logtap/capture's reader), the filter applied. */
  entry(e: CaptureEntry): void;
}

/**
 * The raw material of a scan, for consumers of every line that parse it themselves (triage): the
 * decompressed ranges of the frames the filter may need (corrupt ones salvaged and reported as the other
 * scans do), and for files without a frame table their filtered entries, in file order.
 */
export async function scanRanges(
  cap: Capture,
  filter: ToolFilter,
  sink: RangeSink,
  opts: ScanOptions = {},
): Promise<void> {
  const s = new Scanner(cap, filter, opts);
  s.ranges.reuse = true; // the sink is done with a range when it returns
  try {
    for (const f of cap.files) {
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) for (const e of entries) sink.entry(e);
        continue;
      }
      const onRange = (buf: Buffer, r: Range): undefined => {
        s.invalid += sink.range(buf, filter.coversTime(r.from, r.to));
        return undefined;
      };
      for await (const _ of fastFile<never>(s, f, onRange)) {
        // Nothing is yielded: the sink had every range.
      }
    }
  } finally {
    s.ranges.release();
  }
}

/**
 * The matching lines of a capture as canonical JSONL bytes, in file order. Ranges the filter keeps whole
 * are passed through undecoded; other lines are decoded, tested and copied as written.
 */
export async function* scanRaw(
  cap: Capture,
  filter: ToolFilter,
  opts: ScanOptions = {},
): AsyncGenerator<RawBatch, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  const keepsLabels = filter.labels.length === 0;
  for (const f of cap.files) {
    if (!mayRead(s, f)) continue;
    if (!fastPath(f)) {
      for await (const entries of slowFile(s, f)) {
        const text = entries.map((e) => s.encoder.encode(e)).join('');
        yield { file: f.name, data: Buffer.from(text, 'utf8'), lines: entries.length };
      }
      continue;
    }
    const onRange = (buf: Buffer, r: Range): RawBatch | undefined => {
      const inside = filter.coversTime(r.from, r.to);
      if (inside && keepsLabels && !s.applyMsg) {
        // The whole range passes: hand the decompressed bytes on (our writer only writes whole lines).
        let lines = 0;
        for (let p = buf.indexOf(NL); p >= 0; p = buf.indexOf(NL, p + 1)) lines++;
        if (buf.length > 0 && buf[buf.length - 1] !== NL) lines++;
        if (lines === 0) return undefined;
        return {
          file: f.name,
          data: buf[buf.length - 1] === NL ? buf : Buffer.concat([buf, Buffer.from('\n')]),
          lines,
        };
      }
      const parts: Buffer[] = [];
      let lines = 0;
      const quick = s.quick(inside);
      s.lines(buf, (a, b) => {
        if (quick && s.quickReject(buf, a, b, inside)) return;
        const e = s.decoder.decode(s.str(buf, a, b));
        if (e === undefined) s.invalid++;
        else if (s.keep(e, inside)) {
          // Include the newline when there is one (there is, except at a torn end).
          parts.push(
            b < buf.length ? buf.subarray(a, b + 1) : Buffer.concat([buf.subarray(a, b), Buffer.from('\n')]),
          );
          lines++;
        }
      });
      return lines > 0 ? { file: f.name, data: Buffer.concat(parts), lines } : undefined;
    };
    yield* fastFile(s, f, onRange);
  }
}

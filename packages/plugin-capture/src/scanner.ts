/**
 * The per-scan state behind every scan of scan.ts: byte-level parsing of canonical lines
 * (`{"ts":...,"labels":{...},"msg":"...","meta":{...}}`) in a decompressed range, the filter tested on
 * their parts without decoding the entry, and the line walkers (every line, or only lines holding one of
 * the message pattern's literals).
 */

import { isAscii } from 'node:buffer';
import {
  type Capture,
  type CaptureEntry,
  EntryDecoder,
  EntryEncoder,
  parseTimestamp,
  type ReadWarning,
} from '@logtap/capture/read';
import type { ToolFilter } from './filter.js';
import { unescapeJsonString } from './json-string.js';
import { RangeReader } from './scan-ranges.js';
import { latin1, utf8 } from './slicers.js';
import { trailingCrIrrelevant } from './trailing-cr.js';

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

/** Whether `buf` holds `needle` at `pos` (short needles: a loop beats a native call). */
function bytesAt(buf: Buffer, needle: Buffer, pos: number): boolean {
  if (pos + needle.length > buf.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[pos + i] !== needle[i]) return false;
  return true;
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
export class Scanner {
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

  /**
   * Slices a range's messages from one string unless the pattern has a literal of 3+ characters: then
   * the literal prefilter skips most lines and one string per range would be built for nothing (a
   * 1-2 character literal such as the `.` of `\d+\.\d+` is in every line's timestamp).
   */
  useTextUnlessPrefiltered(): void {
    const lits = this.applyMsg ? this.filter.msg!.literals : undefined;
    this.useText = lits === undefined || lits.every((l) => l.length < 3);
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

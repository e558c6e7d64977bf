/**
 * Triage's reader of decompressed capture data: canonical lines go from their raw bytes straight into a
 * TriageAccumulator, with no entry object, no line string and no batch. Their time is parsed from the
 * bytes against the previous line's minute, their labels object is shared per distinct labels text (the
 * decoder's cache; the previous line's set is recognised by comparing bytes), and only the message
 * becomes a string, a flat one, which is what the engine's per-character scans run fastest on (a
 * message sliced from a line string, or from one string per range, was measurably slower to mine).
 * Anything else (meta, unusual spacing, a bare quote, a non-canonical time) is handed to @logtap/capture's
 * EntryDecoder, so every line ends up exactly as the decoder reads it.
 */

import { isAscii } from 'node:buffer';
import { type CaptureEntry, EntryDecoder, parseTimestamp } from '@logtap/capture/read';
import type { TriageAccumulator } from '@logtap/triage';
import type { ToolFilter } from '../filter.js';
import type { RangeSink } from '../scan.js';
import { latin1, type Slicer, utf8 } from '../slicers.js';

const NL = 0x0a;
const QUOTE = 0x22;
const BRACE_CLOSE = 0x7d;
const DOT = 0x2e;
const Z = 0x5a;
const D0 = 0x30;
const TS_KEY = Buffer.from('{"ts":"');
const LABELS_KEY = Buffer.from(',"labels":{');
const LABELS_END = Buffer.from('},"msg":"');
const MSG_KEY = Buffer.from(',"msg":"');
/** `{"ts":"` + 30-byte time + `"`: where the field after the time starts. */
const AFTER_TS = 38;
/** `YYYY-MM-DDTHH:MM`: the part of a canonical time that consecutive lines share. */
const MINUTE_CHARS = 16;
const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Whether `buf` holds `needle` at `pos` (short needles: a loop beats a native call). */
function bytesAt(buf: Buffer, needle: Buffer, pos: number): boolean {
  if (pos + needle.length > buf.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[pos + i] !== needle[i]) return false;
  return true;
}

/** A labels JSON text seen before: a copy of its bytes and its shared object. */
interface KnownLabels {
  raw: Buffer;
  labels: Readonly<Record<string, string>>;
  next: KnownLabels | undefined;
}

/** Distinct label sets remembered at most (the decoder's own cache holds 8192). */
const MAX_KNOWN_LABELS = 4096;
const FNV_PRIME = 0x01000193;
const FNV_BASIS = 0x811c9dc5 | 0;

/** Whether `buf` holds all of `bytes` at `at`. */
function holds(buf: Buffer, at: number, bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

/** Whether `buf[b, b + n)` equals `buf[a, a + n)` (`b + n` may run past the end: then false). */
function sameBytes(buf: Buffer, a: number, b: number, n: number): boolean {
  if (b + n > buf.length) return false;
  for (let i = 0; i < n; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** Feeds the lines that pass a filter's time and label tests into an accumulator (no message pattern). */
export class AccumulatorReader implements RangeSink {
  /** Lines pushed into the accumulator. */
  lines = 0;
  readonly #acc: TriageAccumulator;
  readonly #filter: ToolFilter;
  readonly #testLabels: boolean;
  readonly #decoder = new EntryDecoder();
  readonly #minute = Buffer.alloc(MINUTE_CHARS);
  #minuteNs: bigint | undefined;
  /** Where the previous canonical line's labels JSON is in the current range (length 0: none), and its object. */
  #lastLabelsAt = 0;
  #lastLabelsLength = 0;
  #lastLabels: Readonly<Record<string, string>> = EMPTY_LABELS;
  /** Label sets seen, by the FNV-1a hash of their JSON bytes (chained on collisions). */
  readonly #known = new Map<number, KnownLabels>();
  #knownCount = 0;
  /** Second result of #labelsAt: the index after the labels object's `}`. */
  #labelsEnd = 0;

  constructor(acc: TriageAccumulator, filter: ToolFilter) {
    if (filter.msg !== undefined)
      throw new TypeError('AccumulatorReader: filters with a message pattern go through scanEntries');
    this.#acc = acc;
    this.#filter = filter;
    this.#testLabels = filter.labels.length > 0;
  }

  range(buf: Buffer, inside: boolean): number {
    // Latin-1 slicing is the cheaper one and exact when the range is ASCII (one vectorised check).
    const slice = isAscii(buf) ? latin1 : utf8;
    this.#lastLabelsLength = 0; // the buffer is new (or overwritten)
    const end = buf.length;
    let invalid = 0;
    let pos = 0;
    while (pos < end) {
      let nl = buf.indexOf(NL, pos);
      if (nl < 0) nl = end;
      if (nl > pos && this.#canonical(buf, pos, nl, inside, slice) < 0) {
        const e = this.#decoder.decode(slice.call(buf, pos, nl));
        if (e === undefined) invalid++;
        else this.entry(e, inside);
      }
      pos = nl + 1;
    }
    return invalid;
  }

  entry(e: CaptureEntry, inside = true): void {
    if (!inside && !this.#filter.matchTime(e.ts)) return;
    if (this.#testLabels && !this.#filter.matchLabels(e.labels)) return;
    this.#acc.push(e);
    this.lines++;
  }

  /**
   * Pushes `buf[a, b)` if it is a canonical line (`{"ts":"<30-byte time>","labels":{...},"msg":"..."}`,
   * labels optional, no meta) that passes the filter: 1 pushed, 0 filtered out, -1 not canonical.
   */
  #canonical(buf: Buffer, a: number, b: number, inside: boolean, slice: Slicer): number {
    if (b - a < AFTER_TS + MSG_KEY.length + 2 || !bytesAt(buf, TS_KEY, a) || buf[a + AFTER_TS - 1] !== QUOTE)
      return -1;
    const ts = this.#time(buf, a + TS_KEY.length);
    if (ts === undefined) return -1;
    if (!inside && !this.#filter.matchTime(ts)) return 0;
    const at = a + AFTER_TS;
    let labels: Readonly<Record<string, string>> | undefined;
    let msgStart: number;
    if (bytesAt(buf, LABELS_KEY, at)) {
      const open = at + LABELS_KEY.length - 1;
      const n = this.#lastLabelsLength;
      if (n > 0 && sameBytes(buf, this.#lastLabelsAt, open, n) && bytesAt(buf, MSG_KEY, open + n)) {
        // The previous line's set: it is a whole JSON object followed by `,"msg":"`, so it is the labels.
        labels = this.#lastLabels;
        msgStart = open + n + MSG_KEY.length;
      } else {
        labels = this.#labelsAt(buf, open, b, slice);
        if (labels === undefined) return -1;
        const close = this.#labelsEnd - 1;
        this.#lastLabelsAt = open;
        this.#lastLabelsLength = close + 1 - open;
        this.#lastLabels = labels;
        msgStart = close + LABELS_END.length;
      }
    } else if (bytesAt(buf, MSG_KEY, at)) {
      labels = EMPTY_LABELS;
      msgStart = at + MSG_KEY.length;
    } else {
      return -1;
    }
    // The message is the last field: `"}` ends the line (with meta it would end in `}}`).
    if (buf[b - 1] !== BRACE_CLOSE || buf[b - 2] !== QUOTE || b - 2 < msgStart) return -1;
    if (this.#testLabels && !this.#filter.matchLabels(labels)) return 0;
    let msg = slice.call(buf, msgStart, b - 2);
    // String searches on the flat message are cheaper than byte searches through Buffer's wrapper.
    if (msg.indexOf('\\') !== -1) {
      try {
        msg = JSON.parse(`"${msg}"`) as string;
      } catch {
        return -1; // not a plain string literal: the decoder judges the line
      }
    } else if (msg.indexOf('"') !== -1) {
      return -1; // a bare quote: more fields than the canonical form has
    }
    this.#acc.add(ts, labels, msg);
    this.lines++;
    return 1;
  }

  /**
   * The labels object of the JSON object at `buf[open]` (a `{`) of a line ending at `b`, and its end in
   * `#labelsEnd`; undefined when it is not a string map. `},"msg":"` cannot occur inside the labels object
   * (see EntryDecoder): the first one ends it. A set seen before is found by a hash of its bytes,
   * confirmed by comparing them: measured against slicing the text and looking it up in the decoder's
   * map, a third of the reader's time when streams interleave line by line, and a string per line less.
   */
  #labelsAt(
    buf: Buffer,
    open: number,
    b: number,
    slice: Slicer,
  ): Readonly<Record<string, string>> | undefined {
    let h = FNV_BASIS;
    let i = open;
    for (;;) {
      if (i >= b) return undefined;
      const c = buf[i]!;
      h = Math.imul(h ^ c, FNV_PRIME);
      if (c === BRACE_CLOSE && bytesAt(buf, MSG_KEY, i + 1)) break;
      i++;
    }
    const end = i + 1;
    this.#labelsEnd = end;
    const n = end - open;
    const first = this.#known.get(h);
    for (let k = first; k !== undefined; k = k.next) {
      if (k.raw.length === n && holds(buf, open, k.raw)) return k.labels;
    }
    const labels = this.#decoder.labels(slice.call(buf, open, end));
    if (labels === undefined) return undefined;
    if (this.#knownCount >= MAX_KNOWN_LABELS) {
      this.#known.clear();
      this.#knownCount = 0;
    }
    this.#known.set(h, { raw: Buffer.from(buf.subarray(open, end)), labels, next: this.#known.get(h) });
    this.#knownCount++;
    return labels;
  }

  /** ns of the canonical time `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` at `buf[at, at + 30)`, or undefined. */
  #time(buf: Buffer, at: number): bigint | undefined {
    if (buf[at + 19] !== DOT || buf[at + 29] !== Z) return undefined;
    const minute = this.#minute;
    let same = this.#minuteNs !== undefined;
    for (let i = 0; same && i < MINUTE_CHARS; i++) same = buf[at + i] === minute[i];
    if (!same) {
      const ns = parseTimestamp(`${latin1.call(buf, at, at + MINUTE_CHARS)}:00Z`);
      if (ns === undefined) return undefined;
      buf.copy(minute, 0, at, at + MINUTE_CHARS);
      this.#minuteNs = ns;
    }
    if (buf[at + 16] !== 0x3a) return undefined;
    // Seconds and nanoseconds: below 6e10, exact as a double, so one BigInt per line.
    let n = 0;
    for (let i = at + 17; i < at + 29; i++) {
      if (i === at + 19) continue;
      const d = buf[i]! - D0;
      if (d < 0 || d > 9) return undefined;
      n = n * 10 + d;
    }
    // A leap second (`:60`) or worse: the decoder decides.
    if (n >= 60_000_000_000) return undefined;
    return this.#minuteNs! + BigInt(n);
  }
}

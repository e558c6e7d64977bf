/**
 * grep's output written straight from the raw decompressed bytes (no entry object, no string per line):
 * a matching canonical line becomes `time service msg` from its own bytes (the RFC3339 time is already in
 * the line, the service is cached per label set, the message copied when it needs no escaping), or in
 * JSONL the line itself, copied (a context line with its `"context"` field appended). Anything the raw
 * bytes cannot reproduce byte for byte (escaped or control characters, invalid UTF-8, a time or labels not
 * in the encoder's form, meta) goes through the entry formatters, so the output is the same either way
 * (grep-writer.test.ts compares them). With --color the line is composed as a string by the formatter's
 * own code from the raw time, the cached service and the message (the highlighting needs the string).
 */

import { isUtf8 } from 'node:buffer';
import { type CaptureEntry, EntryEncoder, formatTimestamp, parseTimestamp } from '@logtap/capture/read';
import { serviceOf } from '@logtap/tui/service';
import { escapeControls } from './escape.js';
import type { MatchedMessage, MatchSink } from './scan-match.js';
import type { LineParts } from './scanner.js';
import { TextFormatter } from './text-format.js';

/** Output chunk size: large writes, and a chunk is handed off (never reused: a stream may keep it). */
const CHUNK = 256 * 1024;
const DOT = 0x2e;
const Z = 0x5a;
const SPACE = 0x20;
const NL = 0x0a;
const SEPARATOR = Buffer.from('--\n');

/** How a line is printed: without -C (`plain`), or as a match or a context line of -C. */
export type LineKind = 'plain' | 'match' | 'before' | 'after';
/** The text mark after the service: `service msg`, `service: msg` (match), `service- msg` (context). */
const MARK: Record<LineKind, string> = { plain: ' ', match: ':', before: '-', after: '-' };
/** What ends a JSONL context line in place of its final `}` (EntryEncoder's line + the field). */
const CONTEXT_END: Record<LineKind, Buffer | undefined> = {
  plain: undefined,
  match: undefined,
  before: Buffer.from(',"context":"before"}\n'),
  after: Buffer.from(',"context":"after"}\n'),
};

/** What a label set turns into: its service (escaped, as bytes) and whether its raw JSON is canonical. */
interface LabelInfo {
  service: Buffer;
  serviceText: string;
  /** The raw labels JSON of the line is what EntryEncoder writes (sorted keys, same escapes). */
  canonical: boolean;
}

/** A position in {@link Chunks} to come back to (see Chunks.rollback). */
export interface ChunkMark {
  buf: Buffer;
  pos: number;
  full: number;
}

/** Line-aligned output chunks: whole lines only, so each chunk is valid UTF-8 when the lines are. */
class Chunks {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  pos = 0;
  readonly full: Buffer[] = [];

  /** Makes room for `n` more bytes (call before writing a line, with the line's upper bound). */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.full.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.pos = 0;
  }

  /** Short copies: a loop beats the native call and the view that Buffer#copy makes. */
  bytes(src: Buffer, a: number, b: number): void {
    const out = this.buf;
    let p = this.pos;
    if (b - a > 48) {
      src.copy(out, p, a, b);
      p += b - a;
    } else {
      for (let i = a; i < b; i++) out[p++] = src[i]!;
    }
    this.pos = p;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** `s` as UTF-8 (reserve `s.length * 3` bytes first). */
  string(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  mark(): ChunkMark {
    return { buf: this.buf, pos: this.pos, full: this.full.length };
  }

  /** Forgets what was written since `m` (nothing may have been taken since). */
  rollback(m: ChunkMark): void {
    this.buf = m.buf;
    this.pos = m.pos;
    this.full.length = m.full;
  }

  /** A copy of the bytes written since `m` (nothing may have been taken since). */
  since(m: ChunkMark): Buffer {
    if (this.full.length === m.full) return Buffer.from(this.buf.subarray(m.pos, this.pos));
    // The chunk current at `m` was pushed whole into `full` by the first reserve after it.
    return Buffer.concat([
      this.full[m.full]!.subarray(m.pos),
      ...this.full.slice(m.full + 1),
      this.buf.subarray(0, this.pos),
    ]);
  }

  /** The chunks written so far, the current one included, handed off. */
  take(): Buffer[] {
    if (this.pos > 0) {
      this.full.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(CHUNK);
      this.pos = 0;
    }
    return this.full.splice(0);
  }

  get size(): number {
    let n = this.pos;
    for (const c of this.full) n += c.length;
    return n;
  }
}

/**
 * The {@link MatchSink} of grep without context: counts matches per file and, unless counting only, writes
 * each match as text or JSONL into line-aligned chunks (see {@link take}). grep -C drives it through
 * {@link write}, {@link writeEntry} and {@link count} (ContextGrepWriter).
 */
export class RawGrepWriter implements MatchSink {
  readonly #chunks = new Chunks();
  readonly #text: TextFormatter;
  /** Text with --color: lines composed by the formatter (see the module comment). */
  readonly #color: boolean;
  readonly #encoder = new EntryEncoder();
  readonly #labels = new Map<object, LabelInfo>();
  /** The last `YYYY-MM-DDTHH:MM:SS` seen to round-trip through parseTimestamp and formatTimestamp (zeros: none yet). */
  #secBytes = Buffer.alloc(19);
  #buf: Buffer = Buffer.alloc(0);
  #rangeText: string | undefined;
  /** Whether the range is valid UTF-8 (undefined: not checked yet). */
  #utf8: boolean | undefined;
  #file = '';
  #fileCount = 0;
  /** What {@link accepts} found out about the line it accepted last. */
  #info: LabelInfo | undefined;
  #copyable = false;
  matches = 0;
  /** Lines written from their raw bytes (the others went through the entry formatters). */
  copied = 0;
  readonly files: Array<{ file: string; count: number }> = [];

  /** `highlight` (grep --color, text only) gives the ranges of a message to show in bold red. */
  constructor(
    readonly format: 'text' | 'jsonl',
    readonly countOnly: boolean,
    readonly max: number,
    highlight?: (msg: string) => Array<[number, number]>,
  ) {
    this.#color = highlight !== undefined && format === 'text';
    this.#text = new TextFormatter(this.#color ? highlight : undefined);
  }

  get full(): boolean {
    return this.matches >= this.max;
  }

  /** Bytes of output waiting in chunks. */
  get pending(): number {
    return this.#chunks.size;
  }

  /** The output written so far, as line-aligned chunks the caller owns. */
  take(): Buffer[] {
    this.#closeFile();
    return this.#chunks.take();
  }

  range(file: string, buf: Buffer, text: string | undefined): void {
    this.#openFile(file);
    this.#buf = buf;
    this.#rangeText = text;
    this.#utf8 = text !== undefined ? true : undefined;
  }

  entry(file: string, e: CaptureEntry): void {
    this.#openFile(file);
    this.count();
    if (!this.countOnly) this.writeEntry(e, 'plain');
  }

  /** Counts a match in the file of the current range. */
  count(): void {
    this.matches++;
    this.#fileCount++;
  }

  /** Writes an entry as a line of the given kind, through the formatters. */
  writeEntry(e: CaptureEntry, kind: LineKind): void {
    let s: string;
    if (this.format === 'jsonl') {
      s = this.#encoder.encode(e);
      if (kind === 'before' || kind === 'after') s = `${s.slice(0, -2)},"context":"${kind}"}\n`;
    } else {
      s = this.#text.format(e, MARK[kind]);
    }
    this.#chunks.reserve(s.length * 3);
    this.#chunks.string(s);
  }

  /** Writes `--` (text output: between groups of -C lines that are not adjacent). */
  separator(): void {
    if (this.format !== 'text') return;
    this.#chunks.reserve(SEPARATOR.length);
    this.#chunks.bytes(SEPARATOR, 0, SEPARATOR.length);
  }

  /** Writes lines rendered earlier (see {@link since}). */
  writeBytes(lines: Buffer): void {
    this.#chunks.reserve(lines.length);
    this.#chunks.bytes(lines, 0, lines.length);
  }

  /** The output position, to take back what follows (see ContextGrepWriter). */
  mark(): ChunkMark {
    return this.#chunks.mark();
  }

  rollback(m: ChunkMark): void {
    this.#chunks.rollback(m);
  }

  /** A copy of the output written since `m`. */
  since(m: ChunkMark): Buffer {
    return this.#chunks.since(m);
  }

  line(
    a: number,
    b: number,
    p: Readonly<LineParts>,
    labels: Readonly<Record<string, string>>,
    m: MatchedMessage,
  ): boolean {
    if (this.countOnly) {
      // The same lines as the output would take (the others go through the entry path, which judges them).
      if (!this.#timeCanonical(a) || p.metaOpen >= 0) return false;
    } else if (!this.write(a, b, p, labels, m, 'plain')) {
      return false;
    }
    this.count();
    return true;
  }

  /**
   * Whether the canonical line `buf[a, b)` (its parts, labels and message as the scan read them) can be
   * written from its bytes: false when the entry path must judge it (it may not even be valid) or format
   * it.
   */
  accepts(
    a: number,
    b: number,
    p: Readonly<LineParts>,
    labels: Readonly<Record<string, string>>,
    m: MatchedMessage,
  ): boolean {
    // A time that is not canonical may not even be valid, and meta is validated only when decoded: the
    // entry path judges such lines (and formats them), as it always did.
    if (!this.#timeCanonical(a) || p.metaOpen >= 0) return false;
    const info = this.#labelInfo(labels, p);
    this.#info = info;
    this.#copyable = p.clean && this.#validUtf8(a, b);
    if (this.format === 'jsonl') {
      if (!info.canonical) return false;
      if (!this.#copyable && !(p.escaped && this.#validUtf8(a, b) && this.#escapesCanonical(p, m.matchedMsg)))
        return false;
    }
    return true;
  }

  /** Writes the canonical line `buf[a, b)` as `kind` from its bytes; false when it {@link accepts} not. */
  write(
    a: number,
    b: number,
    p: Readonly<LineParts>,
    labels: Readonly<Record<string, string>>,
    m: MatchedMessage,
    kind: LineKind,
  ): boolean {
    if (!this.accepts(a, b, p, labels, m)) return false;
    const info = this.#info!;
    const copyable = this.#copyable;
    const ch = this.#chunks;
    const buf = this.#buf;
    if (this.format === 'jsonl') {
      const end = CONTEXT_END[kind];
      if (end === undefined) {
        ch.reserve(b - a + 1);
        ch.bytes(buf, a, b);
        ch.byte(NL);
      } else {
        // EntryEncoder's line without its final `}`, then the field.
        ch.reserve(b - a + end.length);
        ch.bytes(buf, a, b - 1);
        ch.bytes(end, 0, end.length);
      }
      this.copied++;
      return true;
    }
    const mark = MARK[kind];
    if (this.#color) {
      const time =
        this.#rangeText !== undefined
          ? this.#rangeText.slice(a + 7, a + 30)
          : buf.toString('latin1', a + 7, a + 30);
      const line = this.#text.compose(time, info.serviceText, mark, m.matchedMsg);
      ch.reserve(line.length * 3);
      ch.string(line);
      return true;
    }
    const svc = info.service;
    // The message bytes that can be copied: all of them, or those before a final `\r` escape.
    const msgEnd = p.crOnly ? p.msgEnd - 2 : p.msgEnd;
    if (copyable) {
      // TextFormatter drops a final CR (crOnly) and escapes nothing in a clean message.
      ch.reserve(28 + svc.length + msgEnd - p.msgStart);
      this.#head(a, svc, mark);
      ch.bytes(buf, p.msgStart, msgEnd);
      this.copied++;
    } else {
      // The same steps as TextFormatter.format: a trailing CR dropped, controls escaped.
      const msg = m.matchedMsg;
      const safe = escapeControls(msg.endsWith('\r') ? msg.slice(0, -1) : msg);
      ch.reserve(28 + svc.length + safe.length * 3);
      this.#head(a, svc, mark);
      ch.string(safe);
    }
    ch.byte(NL);
    return true;
  }

  /**
   * `2024-01-15T10:32:01.123Z service ` (or `service: `, `service- `) from the raw time at `a + 7`
   * (validated by #timeCanonical).
   */
  #head(a: number, svc: Buffer, mark: string): void {
    const ch = this.#chunks;
    ch.bytes(this.#buf, a + 7, a + 30);
    ch.byte(Z);
    ch.byte(SPACE);
    ch.bytes(svc, 0, svc.length);
    if (mark !== ' ') ch.byte(mark.charCodeAt(0));
    ch.byte(SPACE);
  }

  #openFile(file: string): void {
    if (file === this.#file) return;
    this.#closeFile();
    this.#file = file;
  }

  #closeFile(): void {
    if (this.#fileCount === 0) return;
    const last = this.files[this.files.length - 1];
    if (last?.file === this.#file) last.count += this.#fileCount;
    else this.files.push({ file: this.#file, count: this.#fileCount });
    this.#fileCount = 0;
  }

  /**
   * Whether the line's time `buf[a + 7, a + 37)` is what TimestampFormatter writes for it: nine fraction
   * digits, `Z`, and a seconds part that survives parse + format (checked once per second of data).
   */
  #timeCanonical(a: number): boolean {
    const buf = this.#buf;
    const t = a + 7;
    if (buf[t + 19] !== DOT || buf[t + 29] !== Z) return false;
    for (let i = t + 20; i < t + 29; i++) {
      const c = buf[i]! - 0x30;
      if (c < 0 || c > 9) return false;
    }
    // The seconds seen last, compared from their end (where they differ first): a loop over the bytes
    // beats startsWith on the range's string or a native compare (~35 ns a call).
    const known = this.#secBytes;
    let i = 18;
    while (i >= 0 && buf[t + i] === known[i]) i--;
    if (i < 0) return true;
    const sec = buf.toString('latin1', t, t + 19);
    const probe = `${sec}.000000000Z`;
    const ns = parseTimestamp(probe);
    if (ns === undefined || formatTimestamp(ns) !== probe) return false;
    this.#secBytes = Buffer.from(sec, 'latin1');
    return true;
  }

  #labelInfo(labels: Readonly<Record<string, string>>, p: Readonly<LineParts>): LabelInfo {
    let info = this.#labels.get(labels);
    if (info === undefined) {
      // A labels object comes from one raw text (the decoder caches by text), so one check serves it.
      const raw = p.labelsOpen < 0 ? undefined : this.#buf.toString('utf8', p.labelsOpen, p.labelsClose + 1);
      const serviceText = escapeControls(serviceOf(labels));
      info = {
        service: Buffer.from(serviceText, 'utf8'),
        serviceText,
        canonical: raw !== undefined && raw === this.#encoder.labelsJson(labels),
      };
      if (this.#labels.size >= 4096) this.#labels.clear();
      this.#labels.set(labels, info);
    }
    return info;
  }

  /** Whether the line `buf[a, b)` is valid UTF-8 (one check per range; per line in a range that is not). */
  #validUtf8(a: number, b: number): boolean {
    this.#utf8 ??= isUtf8(this.#buf);
    return this.#utf8 || isUtf8(this.#buf.subarray(a, b));
  }

  /** Whether an escaped message's raw JSON text is what JSON.stringify writes for it. */
  #escapesCanonical(p: Readonly<LineParts>, msg: string): boolean {
    const raw =
      this.#rangeText !== undefined
        ? this.#rangeText.slice(p.msgStart, p.msgEnd)
        : this.#buf.toString('utf8', p.msgStart, p.msgEnd);
    const json = JSON.stringify(msg);
    return json.length === raw.length + 2 && json.slice(1, -1) === raw;
  }
}

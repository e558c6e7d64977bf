/**
 * grep's output written straight from the raw decompressed bytes (no entry object, no string per line):
 * a matching canonical line becomes `time service msg` from its own bytes (the RFC3339 time is already in
 * the line, the service is cached per label set, the message copied when it needs no escaping), or in
 * JSONL the line itself, copied. Anything the raw bytes cannot reproduce byte for byte (escaped or
 * control characters, invalid UTF-8, a time or labels not in the encoder's form, meta) goes through the
 * entry formatters, so the output is the same either way (grep-writer.test.ts compares them).
 */

import { isUtf8 } from 'node:buffer';
import { type CaptureEntry, EntryEncoder, formatTimestamp, parseTimestamp } from '@logtap/capture/read';
import { serviceOf } from '@logtap/tui/service';
import { escapeControls } from './escape.js';
import type { LineParts, MatchedMessage, MatchSink } from './scan.js';
import { TextFormatter } from './text-format.js';

/** Output chunk size: large writes, and a chunk is handed off (never reused: a stream may keep it). */
const CHUNK = 256 * 1024;
const DOT = 0x2e;
const Z = 0x5a;
const SPACE = 0x20;
const NL = 0x0a;

/** What a label set turns into: its service (escaped, as bytes) and whether its raw JSON is canonical. */
interface LabelInfo {
  service: Buffer;
  /** The raw labels JSON of the line is what EntryEncoder writes (sorted keys, same escapes). */
  canonical: boolean;
}

/** Line-aligned output chunks: whole lines only, so each chunk is valid UTF-8 when the lines are. */
class Chunks {
  buf = Buffer.allocUnsafe(CHUNK);
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
 * The {@link MatchSink} of grep without context or colour: counts matches per file and, unless counting
 * only, writes each match as text or JSONL into line-aligned chunks (see {@link take}).
 */
export class RawGrepWriter implements MatchSink {
  readonly #chunks = new Chunks();
  readonly #text = new TextFormatter();
  readonly #encoder = new EntryEncoder();
  readonly #labels = new Map<object, LabelInfo>();
  /** The last `YYYY-MM-DDTHH:MM:SS` seen to round-trip through parseTimestamp and formatTimestamp. */
  #secPrefix = '';
  #secBytes = Buffer.alloc(19);
  #buf: Buffer = Buffer.alloc(0);
  #rangeText: string | undefined;
  /** Whether the range is valid UTF-8 (undefined: not checked yet). */
  #utf8: boolean | undefined;
  #file = '';
  #fileCount = 0;
  matches = 0;
  /** Matches written from their raw bytes (the others went through the entry formatters). */
  copied = 0;
  readonly files: Array<{ file: string; count: number }> = [];

  constructor(
    readonly format: 'text' | 'jsonl',
    readonly countOnly: boolean,
    readonly max: number,
  ) {}

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
    this.matches++;
    this.#fileCount++;
    if (this.countOnly) return;
    const s = this.format === 'jsonl' ? this.#encoder.encode(e) : this.#text.format(e);
    this.#chunks.reserve(s.length * 3);
    this.#chunks.string(s);
  }

  line(
    a: number,
    b: number,
    p: Readonly<LineParts>,
    labels: Readonly<Record<string, string>>,
    m: MatchedMessage,
  ): boolean {
    // A time that is not canonical may not even be valid, and meta is validated only when decoded: the
    // entry path judges such lines (and formats them), as it always did.
    if (!this.#timeCanonical(a) || p.metaOpen >= 0) return false;
    if (this.countOnly) {
      this.matches++;
      this.#fileCount++;
      return true;
    }
    const info = this.#labelInfo(labels, p);
    const ch = this.#chunks;
    const buf = this.#buf;
    // The message bytes that can be copied: all of them, or those before a final `\r` escape.
    const msgEnd = p.crOnly ? p.msgEnd - 2 : p.msgEnd;
    const copyable = p.clean && this.#validUtf8(a, b);
    if (this.format === 'jsonl') {
      if (!info.canonical) return false;
      if (!copyable && !(p.escaped && this.#validUtf8(a, b) && this.#escapesCanonical(p, m.matchedMsg)))
        return false;
      ch.reserve(b - a + 1);
      ch.bytes(buf, a, b);
      ch.byte(NL);
    } else {
      const svc = info.service;
      if (copyable) {
        // TextFormatter drops a final CR (crOnly) and escapes nothing in a clean message.
        ch.reserve(27 + svc.length + msgEnd - p.msgStart);
        this.#head(a, svc);
        ch.bytes(buf, p.msgStart, msgEnd);
      } else {
        // The same steps as TextFormatter.format: a trailing CR dropped, controls escaped.
        const msg = m.matchedMsg;
        const safe = escapeControls(msg.endsWith('\r') ? msg.slice(0, -1) : msg);
        ch.reserve(27 + svc.length + safe.length * 3);
        this.#head(a, svc);
        ch.string(safe);
      }
      ch.byte(NL);
    }
    if (copyable || this.format === 'jsonl') this.copied++;
    this.matches++;
    this.#fileCount++;
    return true;
  }

  /** `2024-01-15T10:32:01.123Z service ` from the raw time at `a + 7` (validated by #timeCanonical). */
  #head(a: number, svc: Buffer): void {
    const ch = this.#chunks;
    ch.bytes(this.#buf, a + 7, a + 30);
    ch.byte(Z);
    ch.byte(SPACE);
    ch.bytes(svc, 0, svc.length);
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
    const text = this.#rangeText;
    if (text !== undefined) {
      if (text.startsWith(this.#secPrefix, t) && this.#secPrefix !== '') return true;
    } else if (this.#secPrefix !== '' && this.#secBytes.equals(buf.subarray(t, t + 19))) {
      return true;
    }
    const sec = buf.toString('latin1', t, t + 19);
    const probe = `${sec}.000000000Z`;
    const ns = parseTimestamp(probe);
    if (ns === undefined || formatTimestamp(ns) !== probe) return false;
    this.#secPrefix = sec;
    this.#secBytes = Buffer.from(sec, 'latin1');
    return true;
  }

  #labelInfo(labels: Readonly<Record<string, string>>, p: Readonly<LineParts>): LabelInfo {
    let info = this.#labels.get(labels);
    if (info === undefined) {
      // A labels object comes from one raw text (the decoder caches by text), so one check serves it.
      const raw = p.labelsOpen < 0 ? undefined : this.#buf.toString('utf8', p.labelsOpen, p.labelsClose + 1);
      info = {
        service: Buffer.from(escapeControls(serviceOf(labels)), 'utf8'),
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

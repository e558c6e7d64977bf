/**
 * Data lines serialised on the caller's thread straight into bytes: the form a receiver hands the writer
 * when it has the lines as UTF-8 bytes already (a decoded Loki protobuf push). A line's message is copied
 * from the wire bytes with JSON escaping done byte by byte, so no JS string is built for it, JSON.stringify
 * never runs and nothing is transcoded; the writer thread only compresses and writes (bench/encoded.ts).
 * The bytes are exactly what {@link EntryEncoder} writes for the same entry.
 */

import { isUtf8 } from 'node:buffer';
import { encodeLabels } from './entry-codec.js';
import { MAX_TIMESTAMP_NS } from './timestamp.js';

/**
 * Lines in the capture's JSONL form plus what the writer needs per line (time and label set for the
 * index, byte length for rotation). Every member is a typed array over its own ArrayBuffer or a string:
 * the batch is transferred to the writer thread without a copy.
 */
export interface EncodedBatch {
  /** Lines in the batch. */
  readonly n: number;
  /** The JSONL bytes of the n lines, each ending in `\n` (a view from offset 0 of its ArrayBuffer). */
  readonly data: Uint8Array;
  /** `ends[i]`: offset in `data` just past line i's newline. */
  readonly ends: Uint32Array;
  /** Line i's time: whole seconds since the epoch and nanoseconds, already clamped to 1970..9999. */
  readonly sec: Float64Array;
  readonly nsec: Uint32Array;
  /** Line i's label set: an index into `labelSets`. */
  readonly sets: Uint32Array;
  /** Label sets as canonical JSON (keys sorted), as they appear in the lines. */
  readonly labelSets: string[];
}

const NS_PER_SEC = 1_000_000_000n;
const MAX_SEC = Number(MAX_TIMESTAMP_NS / NS_PER_SEC);
const MAX_NSEC = Number(MAX_TIMESTAMP_NS % NS_PER_SEC);

/** `{"ts":"` */
const HEAD = Buffer.from('{"ts":"');
/** `Z","labels":` */
const AFTER_TS = Buffer.from('Z","labels":');
/** `,"msg":"` */
const BEFORE_MSG = Buffer.from(',"msg":"');
/** `,"meta":` */
const BEFORE_META = Buffer.from(',"meta":');

/** JSON's two-character escapes by byte; 0 = `\u00XX`. */
const SHORT_ESCAPE = new Uint8Array(0x20);
SHORT_ESCAPE[0x08] = 0x62; // \b
SHORT_ESCAPE[0x09] = 0x74; // \t
SHORT_ESCAPE[0x0a] = 0x6e; // \n
SHORT_ESCAPE[0x0c] = 0x66; // \f
SHORT_ESCAPE[0x0d] = 0x72; // \r
const HEX = Buffer.from('0123456789abcdef');

/** Room kept per line besides the message and labels: 7 + 30 + 12 + 8 + 3 bytes of fixed text. */
const LINE_FIXED = 64;
const MIN_CAPACITY = 64 * 1024;

type Utf8Buffer = Buffer & {
  utf8Slice(start: number, end: number): string;
  utf8Write(text: string, offset: number): number;
};

/**
 * Builds {@link EncodedBatch}es. Keep one per producer: it caches the text of the current second and the
 * JSON of label sets. `take()` hands the buffers over (to be transferred) and starts a new batch.
 *
 * @example
 * const b = new EncodedBatchBuilder();
 * const set = b.labelSet({ app: 'api' });
 * b.addUtf8(set, 1700000000, 5, wire, lineStart, lineEnd);
 * writer.appendEncoded(b.take());
 */
export class EncodedBatchBuilder {
  #n = 0;
  #len = 0;
  #out: Utf8Buffer;
  #view: DataView;
  // A DataView of the last source buffer (lines of one push share it).
  #src: Uint8Array | undefined;
  #srcDataView: DataView | undefined;
  #ends: Uint32Array;
  #sec: Float64Array;
  #nsec: Uint32Array;
  #sets: Uint32Array;
  #labelSets: string[] = [];
  #labelBytes: Buffer[] = [];
  #setIndex = new Map<string, number>();
  // Per labels object (entries of one stream share it): its JSON, computed once.
  #labelsJson = new WeakMap<object, string>();
  // The text `YYYY-MM-DDTHH:MM:SS.` of the last second written.
  #tsSec = Number.NaN;
  readonly #tsPrefix = Buffer.alloc(20);
  // ns of the last second seen by addEntry (bigint times): saves the division for the next line.
  #lastBase = -1n;
  #lastBaseSec = 0;

  constructor(capacityBytes = MIN_CAPACITY, capacityLines = 1024) {
    this.#out = ownBuffer(capacityBytes);
    this.#view = new DataView(this.#out.buffer);
    this.#ends = new Uint32Array(0);
    this.#sec = new Float64Array(0);
    this.#nsec = new Uint32Array(0);
    this.#sets = new Uint32Array(0);
    this.#allocLines(capacityLines);
  }

  /** Lines added since the last take(). */
  get lines(): number {
    return this.#n;
  }

  /** JSONL bytes added since the last take(). */
  get bytes(): number {
    return this.#len;
  }

  /** Makes room for about this many more bytes and lines (avoids regrowing for a batch of known size). */
  reserve(bytes: number, lines: number): void {
    if (this.#len + bytes > this.#out.length) this.#growBytes(this.#len + bytes);
    if (this.#n + lines > this.#ends.length) this.#growLines(this.#n + lines);
  }

  /** New, empty columns for `lines` lines (from recycled buffers when there are). */
  #allocLines(lines: number): void {
    this.#ends = lines === 0 ? new Uint32Array(0) : new Uint32Array(acquire(lines * 4), 0, lines);
    this.#sec = lines === 0 ? new Float64Array(0) : new Float64Array(acquire(lines * 8), 0, lines);
    this.#nsec = lines === 0 ? new Uint32Array(0) : new Uint32Array(acquire(lines * 4), 0, lines);
    this.#sets = lines === 0 ? new Uint32Array(0) : new Uint32Array(acquire(lines * 4), 0, lines);
  }

  /** The index of a label set in this batch (its JSON computed once per labels object). */
  labelSet(labels: Record<string, string>): number {
    let json = this.#labelsJson.get(labels);
    if (json === undefined) {
      json = encodeLabels(labels);
      this.#labelsJson.set(labels, json);
    }
    return this.labelSetJson(json);
  }

  /** The index of a label set given as its canonical JSON (keys sorted, as encodeLabels writes it). */
  labelSetJson(json: string): number {
    let s = this.#setIndex.get(json);
    if (s === undefined) {
      s = this.#labelSets.length;
      this.#labelSets.push(json);
      this.#labelBytes.push(Buffer.from(json));
      this.#setIndex.set(json, s);
    }
    return s;
  }

  /**
   * Adds a line whose message is the UTF-8 bytes `src[start, end)`, at `sec` seconds + `nsec` ns. Bytes
   * that are not valid UTF-8 become U+FFFD, as a decoder would make them. `metaJson` is the canonical JSON
   * of its structured metadata (encodeLabels), if any.
   */
  addUtf8(
    set: number,
    sec: number,
    nsec: number,
    src: Buffer,
    start: number,
    end: number,
    metaJson?: string,
  ): void {
    const labels = this.#labelBytes[set]!;
    const worst = this.#len + LINE_FIXED + labels.length + (end - start) * 6 + (metaJson?.length ?? 0) * 3;
    if (worst > this.#out.length) this.#growBytes(worst);
    let o = this.#head(set, sec, nsec, labels);
    const out = this.#out;
    const view = this.#view;
    const srcView = this.#srcView(src);
    const lineAt = o;
    let checked = false;
    let k = start;
    while (k < end) {
      if (k + 4 <= end) {
        // Four bytes at a time while none needs attention (SWAR: a high bit, a byte below 0x20, a quote
        // or a backslash); log lines are mostly that, and this halves the cost of the byte loop.
        const w = srcView.getUint32(k, true);
        const q = w ^ 0x22222222;
        const b = w ^ 0x5c5c5c5c;
        const special =
          (w | ((w - 0x20202020) & ~w) | ((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b)) & 0x80808080;
        if (special === 0) {
          view.setUint32(o, w, true);
          o += 4;
          k += 4;
          continue;
        }
      }
      const c = src[k++]!;
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
        if (c >= 0x80 && !checked) {
          // Non-ASCII: valid UTF-8 is copied as is (JSON needs no escape there); anything else goes
          // through a string so invalid sequences become U+FFFD exactly as a decoder would make them.
          if (!isUtf8(src.subarray(start, end))) {
            o = this.#writeJsonString(lineAt - 1, (src as Utf8Buffer).utf8Slice(start, end));
            this.#tail(o, metaJson);
            return;
          }
          checked = true;
        }
        out[o++] = c;
      } else if (c === 0x22 || c === 0x5c) {
        out[o++] = 0x5c;
        out[o++] = c;
      } else {
        out[o++] = 0x5c;
        const short = SHORT_ESCAPE[c]!;
        if (short !== 0) out[o++] = short;
        else {
          out[o++] = 0x75; // u00XX
          out[o++] = 0x30;
          out[o++] = 0x30;
          out[o++] = HEX[c >> 4]!;
          out[o++] = HEX[c & 15]!;
        }
      }
    }
    out[o++] = 0x22;
    this.#tail(o, metaJson);
  }

  /** Adds a line whose message is a string, at `sec` seconds + `nsec` ns (see {@link addUtf8}). */
  addString(set: number, sec: number, nsec: number, msg: string, metaJson?: string): void {
    const labels = this.#labelBytes[set]!;
    // JSON.stringify writes at most 6 characters per UTF-16 unit, each at most 3 UTF-8 bytes... but an
    // escape is ASCII, so 6 bytes per unit bounds it.
    const worst = this.#len + LINE_FIXED + labels.length + msg.length * 6 + (metaJson?.length ?? 0) * 3;
    if (worst > this.#out.length) this.#growBytes(worst);
    const o = this.#head(set, sec, nsec, labels);
    this.#tail(this.#writeJsonString(o - 1, msg), metaJson);
  }

  /** Adds a line with a bigint time (ns since the epoch, clamped to 1970..9999 like the writer does). */
  addEntry(set: number, ts: bigint, msg: string, metaJson?: string): void {
    let sec: number;
    let nsec: number;
    if (ts >= this.#lastBase && ts - this.#lastBase < NS_PER_SEC && this.#lastBase >= 0n) {
      sec = this.#lastBaseSec;
      nsec = Number(ts - this.#lastBase);
    } else if (ts < 0n) {
      sec = 0;
      nsec = 0;
    } else if (ts > MAX_TIMESTAMP_NS) {
      sec = MAX_SEC;
      nsec = MAX_NSEC;
    } else {
      const q = ts / NS_PER_SEC;
      this.#lastBase = q * NS_PER_SEC;
      sec = Number(q);
      this.#lastBaseSec = sec;
      nsec = Number(ts - this.#lastBase);
    }
    this.addString(set, sec, nsec, msg, metaJson);
  }

  /**
   * Appends another batch's lines (a copy: the other batch stays usable). Used to coalesce small batches
   * into one hand-off.
   */
  addBatch(b: EncodedBatch): void {
    const bytes = b.n === 0 ? 0 : b.ends[b.n - 1]!;
    this.reserve(bytes, b.n);
    this.#out.set(b.data.subarray(0, bytes), this.#len);
    const remap = b.labelSets.map((json) => this.labelSetJson(json));
    const base = this.#len;
    for (let i = 0; i < b.n; i++) {
      const j = this.#n + i;
      this.#ends[j] = base + b.ends[i]!;
      this.#sec[j] = b.sec[i]!;
      this.#nsec[j] = b.nsec[i]!;
      this.#sets[j] = remap[b.sets[i]!]!;
    }
    this.#n += b.n;
    this.#len += bytes;
  }

  /**
   * The batch so far; its buffers now belong to the caller (and may be transferred to another thread).
   * The builder starts a new, empty batch with buffers of the given capacity (grown on demand).
   */
  take(nextCapacityBytes = 0, nextCapacityLines = 0): EncodedBatch {
    const n = this.#n;
    const b: EncodedBatch = {
      n,
      data: new Uint8Array(this.#out.buffer, 0, this.#len),
      ends: this.#ends,
      sec: this.#sec,
      nsec: this.#nsec,
      sets: this.#sets,
      labelSets: this.#labelSets,
    };
    OWNED.add(b.data.buffer);
    for (const a of [b.ends, b.sec, b.nsec, b.sets]) OWNED.add(a.buffer);
    this.#out = ownBuffer(nextCapacityBytes);
    this.#view = new DataView(this.#out.buffer);
    this.#allocLines(nextCapacityLines);
    this.#n = 0;
    this.#len = 0;
    this.#labelSets = [];
    this.#labelBytes = [];
    this.#setIndex = new Map();
    return b;
  }

  /** Forgets the lines added since the last take() (keeps the buffers). */
  clear(): void {
    this.#n = 0;
    this.#len = 0;
    this.#labelSets = [];
    this.#labelBytes = [];
    this.#setIndex = new Map();
  }

  #srcView(src: Uint8Array): DataView {
    if (src !== this.#src || this.#srcDataView === undefined) {
      this.#src = src;
      this.#srcDataView = new DataView(src.buffer, src.byteOffset, src.byteLength);
    }
    return this.#srcDataView;
  }

  /** Writes `{"ts":"<time>","labels":<set>,"msg":"` and records the line's columns; returns the offset. */
  #head(set: number, sec: number, nsec: number, labels: Buffer): number {
    if (this.#n === this.#ends.length) this.#growLines(this.#n + 1);
    // The format has no room for pre-1970 or post-9999 times; keep the line, clamp its time.
    if (sec < 0) {
      sec = 0;
      nsec = 0;
    } else if (sec > MAX_SEC) {
      sec = MAX_SEC;
      nsec = MAX_NSEC;
    }
    const i = this.#n;
    this.#sec[i] = sec;
    this.#nsec[i] = nsec;
    this.#sets[i] = set;
    const out = this.#out;
    let o = this.#len;
    out.set(HEAD, o);
    o += 7;
    if (sec !== this.#tsSec) {
      this.#tsSec = sec;
      // Date covers ±8.64e15 ms; years 1970..9999 are well inside it.
      this.#tsPrefix.write(`${new Date(sec * 1000).toISOString().slice(0, 19)}.`, 'latin1');
    }
    out.set(this.#tsPrefix, o);
    o += 20;
    for (let d = 8; d >= 0; d--) {
      out[o + d] = 0x30 + (nsec % 10);
      nsec = Math.floor(nsec / 10);
    }
    o += 9;
    out.set(AFTER_TS, o);
    o += AFTER_TS.length;
    out.set(labels, o);
    o += labels.length;
    out.set(BEFORE_MSG, o);
    return o + BEFORE_MSG.length;
  }

  /** Writes `JSON.stringify(text)` at `o` (where the opening quote goes); returns the end offset. */
  #writeJsonString(o: number, text: string): number {
    return o + this.#out.utf8Write(JSON.stringify(text), o);
  }

  /** Writes the optional meta and `}\n`, and closes the line. */
  #tail(o: number, metaJson: string | undefined): void {
    const out = this.#out;
    if (metaJson !== undefined) {
      out.set(BEFORE_META, o);
      o += BEFORE_META.length;
      o += out.utf8Write(metaJson, o);
    }
    out[o++] = 0x7d;
    out[o++] = 0x0a;
    this.#ends[this.#n++] = o;
    this.#len = o;
  }

  #growBytes(min: number): void {
    const next = ownBuffer(Math.max(min, this.#out.length * 2, MIN_CAPACITY));
    this.#out.copy(next, 0, 0, this.#len);
    this.#out = next;
    this.#view = new DataView(next.buffer);
  }

  #growLines(min: number): void {
    const n = this.#n;
    const old = [this.#ends, this.#sec, this.#nsec, this.#sets] as const;
    this.#allocLines(Math.max(min, this.#ends.length * 2, 1024));
    this.#ends.set(old[0].subarray(0, n));
    this.#sec.set(old[1].subarray(0, n));
    this.#nsec.set(old[2].subarray(0, n));
    this.#sets.set(old[3].subarray(0, n));
  }
}

/**
 * ArrayBuffers handed out by take(): owned by the batch, so the writer may transfer them to its thread.
 * Anything else (a view of Node's shared Buffer pool, say) is copied instead.
 */
const OWNED = new WeakSet<ArrayBufferLike>();

/**
 * Buffers of written batches, back from the writer thread for the next batches: a fresh 2 MB buffer per
 * push costs its page faults (and external-memory GC pressure) every time; a recycled one is warm.
 * Bounded, so a burst does not pin memory.
 */
const POOL: ArrayBuffer[] = [];
const POOL_MAX_BUFFERS = 16;
const POOL_MAX_BYTES = 12 * 1024 * 1024;
let poolBytes = 0;

/** Hands the buffers of a batch that is no longer needed back for reuse (the writer does this). */
export function recycleBuffers(buffers: readonly ArrayBuffer[]): void {
  for (const ab of buffers) {
    if (
      ab.byteLength === 0 ||
      POOL.length >= POOL_MAX_BUFFERS ||
      poolBytes + ab.byteLength > POOL_MAX_BYTES
    ) {
      continue;
    }
    POOL.push(ab);
    poolBytes += ab.byteLength;
  }
}

/**
 * Hands the buffers of a batch nothing refers to any more to this thread's builders for reuse (the
 * writer does this with the batches it has written; a thread that serialised a batch another thread
 * then copied can take its buffers back the same way).
 */
export function recycleEncodedBatch(b: EncodedBatch): void {
  recycleBuffers(batchBuffers(b).filter((ab) => ab.byteLength > 0));
}

/** The buffers of a batch, each once (what to transfer or recycle). */
export function batchBuffers(b: EncodedBatch): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of [b.data, b.ends, b.sec, b.nsec, b.sets]) {
    if (!out.includes(a.buffer as ArrayBuffer)) out.push(a.buffer as ArrayBuffer);
  }
  return out;
}

/** A pooled buffer of at least `size` bytes (and not much more), or a new one. */
function acquire(size: number): ArrayBuffer {
  let best = -1;
  for (let i = 0; i < POOL.length; i++) {
    const len = POOL[i]!.byteLength;
    if (len >= size && len <= size * 4 + 65536 && (best < 0 || len < POOL[best]!.byteLength)) best = i;
  }
  if (best < 0) return new ArrayBuffer(size);
  const ab = POOL[best]!;
  POOL[best] = POOL[POOL.length - 1]!;
  POOL.pop();
  poolBytes -= ab.byteLength;
  return ab;
}

/** The buffers of `b` when all of them came from an {@link EncodedBatchBuilder} (and may be moved). */
export function transferableBuffers(b: EncodedBatch): ArrayBuffer[] | undefined {
  const out = batchBuffers(b);
  for (const ab of out) if (!OWNED.has(ab)) return undefined;
  return out;
}

/** A Buffer over an ArrayBuffer of its own (never a slice of Node's shared pool, which cannot be transferred). */
function ownBuffer(size: number): Utf8Buffer {
  return Buffer.from(size === 0 ? new ArrayBuffer(0) : acquire(size)) as Utf8Buffer;
}

/**
 * Capture entries -> Apache Arrow record batches with the export schema:
 * `ts` Timestamp(ns, UTC), `labels` Map<Utf8, Utf8>, `msg` Utf8, `meta` Map<Utf8, Utf8> (empty map when a
 * line has none). Columns are built straight into typed buffers with makeData: `vectorFromArray` would
 * infer Int64 instead of a nanosecond timestamp, and per-value builders cost several times more.
 */

import type { CaptureEntry } from '@logtap/capture';
import { Field, Map_, makeData, RecordBatch, Schema, Struct, Timestamp, TimeUnit, Utf8 } from 'apache-arrow';

const tsType = new Timestamp(TimeUnit.NANOSECOND, 'UTC');
const entryType = new Struct([new Field('key', new Utf8(), false), new Field('value', new Utf8(), false)]);
const mapType = (): Map_<Utf8, Utf8> =>
  new Map_(new Field('entries', entryType, false), false) as Map_<Utf8, Utf8>;

/** The export schema (shared by Arrow IPC and Parquet). */
export const EXPORT_SCHEMA = new Schema([
  new Field('ts', tsType, false),
  new Field('labels', mapType(), false),
  new Field('msg', new Utf8(), false),
  new Field('meta', mapType(), false),
]);

/** A growable UTF-8 column: bytes plus Int32 offsets. */
class Utf8Column {
  #buf: Buffer;
  #pos = 0;
  #offsets: Int32Array;
  #n = 0;

  constructor(rows: number, bytes: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(bytes, 64));
    this.#offsets = new Int32Array(Math.max(rows, 1) + 1);
  }

  get length(): number {
    return this.#n;
  }

  push(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; grow before writing so Buffer#write never truncates.
    const need = this.#pos + s.length * 3;
    if (need > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2));
      this.#buf.copy(bigger, 0, 0, this.#pos);
      this.#buf = bigger;
    }
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
    this.#pushOffset();
  }

  /** Appends bytes `src[start, end)` (already UTF-8) as one value. */
  pushSlice(src: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.#pos + n > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#pos + n, this.#buf.length * 2));
      this.#buf.copy(bigger, 0, 0, this.#pos);
      this.#buf = bigger;
    }
    src.copy(this.#buf, this.#pos, start, end);
    this.#pos += n;
    this.#pushOffset();
  }

  /** Appends already encoded bytes. */
  pushBytes(b: Uint8Array): void {
    if (this.#pos + b.length > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#pos + b.length, this.#buf.length * 2));
      this.#buf.copy(bigger, 0, 0, this.#pos);
      this.#buf = bigger;
    }
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    this.#pushOffset();
  }

  #pushOffset(): void {
    if (this.#n + 1 >= this.#offsets.length) {
      const bigger = new Int32Array(this.#offsets.length * 2);
      bigger.set(this.#offsets);
      this.#offsets = bigger;
    }
    this.#offsets[++this.#n] = this.#pos;
  }

  data() {
    return makeData({
      type: new Utf8(),
      length: this.#n,
      nullCount: 0,
      valueOffsets: this.#offsets.subarray(0, this.#n + 1),
      data: new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#pos),
    });
  }
}

/** Pre-encoded key/value bytes of one map (a labels object is shared by many entries). */
interface EncodedMap {
  keys: Buffer[];
  values: Buffer[];
}

class MapColumn {
  readonly #keys: Utf8Column;
  readonly #values: Utf8Column;
  readonly #offsets: Int32Array;
  #rows = 0;
  #pairs = 0;
  readonly #cache = new WeakMap<object, EncodedMap>();

  /** `pairs`, `bytes`: initial capacities (the columns grow past them). */
  constructor(rows: number, pairs: number, bytes: number) {
    this.#keys = new Utf8Column(pairs, bytes);
    this.#values = new Utf8Column(pairs, bytes * 2);
    this.#offsets = new Int32Array(rows + 1);
  }

  push(m: Readonly<Record<string, string>> | undefined): void {
    if (m !== undefined) {
      let enc = this.#cache.get(m);
      if (enc === undefined) {
        // Keys sorted, as the capture writes them, so exports are deterministic.
        const keys = Object.keys(m).sort();
        enc = { keys: keys.map((k) => Buffer.from(k)), values: keys.map((k) => Buffer.from(String(m[k]))) };
        this.#cache.set(m, enc);
      }
      for (let i = 0; i < enc.keys.length; i++) {
        this.#keys.pushBytes(enc.keys[i]!);
        this.#values.pushBytes(enc.values[i]!);
      }
      this.#pairs += enc.keys.length;
    }
    this.#offsets[++this.#rows] = this.#pairs;
  }

  data() {
    return makeData({
      type: mapType(),
      length: this.#rows,
      nullCount: 0,
      valueOffsets: this.#offsets.subarray(0, this.#rows + 1),
      child: makeData({
        type: entryType,
        length: this.#pairs,
        nullCount: 0,
        children: [this.#keys.data(), this.#values.data()],
      }),
    });
  }
}

const TWO_32 = 2 ** 32;

/**
 * Builds record batches of the export schema row by row, from decoded entries or straight from the raw
 * bytes of canonical lines (scan.ts): the timestamp is parsed from its digits into the Int64 column
 * without a bigint per row, and an unescaped message is copied as bytes, never decoded to a string.
 */
export class BatchBuilder {
  readonly #ts: BigInt64Array;
  readonly #tsWords: Uint32Array;
  readonly #msg: Utf8Column;
  readonly #labels: MapColumn;
  readonly #meta: MapColumn;
  #n = 0;
  // The last whole second parsed (its 19 bytes `YYYY-MM-DDTHH:MM:SS` and its ns as two 32-bit words).
  readonly #secText = Buffer.alloc(19);
  #secLo = 0;
  #secHi = 0;
  #secValid = false;

  constructor(readonly capacity: number) {
    this.#ts = new BigInt64Array(capacity);
    this.#tsWords = new Uint32Array(this.#ts.buffer);
    this.#msg = new Utf8Column(capacity, capacity * 96);
    this.#labels = new MapColumn(capacity, capacity * 4, capacity * 24);
    this.#meta = new MapColumn(capacity, 16, 64);
  }

  get length(): number {
    return this.#n;
  }

  get full(): boolean {
    return this.#n >= this.capacity;
  }

  pushEntry(e: CaptureEntry): void {
    this.#ts[this.#n++] = e.ts;
    this.#msg.push(e.msg);
    this.#labels.push(e.labels);
    this.#meta.push(e.meta);
  }

  /**
   * Appends a row from a canonical line: `ts` is the 30-byte `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` at
   * `line[tsAt]`; the message is `msg` when given (it had escapes), else the bytes `line[msgStart, msgEnd)`.
   * Returns false (appending nothing) when the timestamp is not in that exact form.
   */
  pushRaw(
    line: Buffer,
    tsAt: number,
    labels: Readonly<Record<string, string>>,
    msgStart: number,
    msgEnd: number,
    msg: string | undefined,
    meta: Readonly<Record<string, string>> | undefined,
  ): boolean {
    if (!this.#second(line, tsAt)) return false;
    let frac = 0;
    for (let i = tsAt + 20; i < tsAt + 29; i++) {
      const d = line[i]! - 48;
      if (d < 0 || d > 9) return false;
      frac = frac * 10 + d;
    }
    // ns = second's ns + frac, as two 32-bit words (little-endian Int64), with the carry.
    let lo = this.#secLo + frac;
    let hi = this.#secHi;
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi = (hi + 1) >>> 0;
    }
    const i = this.#n++;
    this.#tsWords[2 * i] = lo;
    this.#tsWords[2 * i + 1] = hi;
    if (msg === undefined) this.#msg.pushSlice(line, msgStart, msgEnd);
    else this.#msg.push(msg);
    this.#labels.push(labels);
    this.#meta.push(meta);
    return true;
  }

  /** Loads the whole second of `line[at, at+19)` unless it is the cached one; false when malformed. */
  #second(line: Buffer, at: number): boolean {
    if (line[at + 19] !== 0x2e || line[at + 29] !== 0x5a) return false; // '.' and 'Z'
    const t = this.#secText;
    if (this.#secValid) {
      let same = true;
      for (let i = 0; i < 19; i++) {
        if (line[at + i] !== t[i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    const text = line.toString('latin1', at, at + 19);
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(text);
    if (!m) return false;
    const ms = Date.UTC(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    );
    if (!Number.isFinite(ms) || Number(m[1]) < 1000) return false;
    const ns = BigInt(ms) * 1_000_000n;
    const u = BigInt.asUintN(64, ns);
    this.#secLo = Number(u & 0xffffffffn);
    this.#secHi = Number(u >> 32n);
    line.copy(t, 0, at, at + 19);
    this.#secValid = true;
    return true;
  }

  /** The rows so far as a record batch (the builder must not be used afterwards). */
  finish(): RecordBatch {
    const n = this.#n;
    const data = makeData({
      type: new Struct(EXPORT_SCHEMA.fields),
      length: n,
      nullCount: 0,
      children: [
        makeData({ type: tsType, length: n, nullCount: 0, data: this.#ts.subarray(0, n) }),
        this.#labels.data(),
        this.#msg.data(),
        this.#meta.data(),
      ],
    });
    return new RecordBatch(EXPORT_SCHEMA, data);
  }
}

/** Builds one record batch of the export schema from entries. */
export function entriesToRecordBatch(entries: readonly CaptureEntry[]): RecordBatch {
  const b = new BatchBuilder(Math.max(1, entries.length));
  for (const e of entries) b.pushEntry(e);
  return b.finish();
}

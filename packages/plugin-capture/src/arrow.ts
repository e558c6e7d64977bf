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

/** Builds one record batch of the export schema from entries. */
export function entriesToRecordBatch(entries: readonly CaptureEntry[]): RecordBatch {
  const n = entries.length;
  const ts = new BigInt64Array(n);
  let msgBytes = 0;
  for (let i = 0; i < n; i++) msgBytes += entries[i]!.msg.length;
  const msg = new Utf8Column(n, msgBytes + 16);
  const labels = new MapColumn(n, n * 4, n * 24);
  const meta = new MapColumn(n, 16, 64);
  for (let i = 0; i < n; i++) {
    const e = entries[i]!;
    ts[i] = e.ts;
    msg.push(e.msg);
    labels.push(e.labels);
    meta.push(e.meta);
  }
  const data = makeData({
    type: new Struct(EXPORT_SCHEMA.fields),
    length: n,
    nullCount: 0,
    children: [
      makeData({ type: tsType, length: n, nullCount: 0, data: ts }),
      labels.data(),
      msg.data(),
      meta.data(),
    ],
  });
  return new RecordBatch(EXPORT_SCHEMA, data);
}

/**
 * Accumulators for what an index line records: per frame (lines, bytes, time range, label sets) and per
 * data file (totals, `{key: {value: count}}`, and the frame table, coalesced into seek ranges).
 */

import type { FrameEntry, IndexEntry, LabelCounts } from './schema.js';
import { formatTimestamp, MAX_TIMESTAMP_NS, MIN_TIMESTAMP_NS } from './timestamp.js';

const NS_PER_SEC = 1_000_000_000n;

/** Stats of one frame being built. Label sets are counted per object and expanded when the frame is done. */
export class FrameStats {
  lines = 0;
  bytes = 0;
  #from = MAX_TIMESTAMP_NS;
  #to = MIN_TIMESTAMP_NS;
  // Bounds of the lines added as seconds + nanoseconds (encoded batches), kept as numbers so the hot loop
  // makes no bigint; merged into from/to when those are read (a few times per frame).
  #fromSec = Number.POSITIVE_INFINITY;
  #fromNsec = 0;
  #toSec = Number.NEGATIVE_INFINITY;
  #toNsec = 0;
  /** Clock reading (ms) when the frame's first line arrived. */
  firstAtMs = 0;
  labelSets = new Map<Record<string, string>, number>();

  /** Earliest line time (ns). */
  get from(): bigint {
    if (this.#fromSec === Number.POSITIVE_INFINITY) return this.#from;
    const parts = BigInt(this.#fromSec) * NS_PER_SEC + BigInt(this.#fromNsec);
    return parts < this.#from ? parts : this.#from;
  }

  /** Latest line time (ns). */
  get to(): bigint {
    if (this.#toSec === Number.NEGATIVE_INFINITY) return this.#to;
    const parts = BigInt(this.#toSec) * NS_PER_SEC + BigInt(this.#toNsec);
    return parts > this.#to ? parts : this.#to;
  }

  add(ts: bigint, labels: Record<string, string>, bytes: number): void {
    this.lines++;
    this.bytes += bytes;
    if (ts < this.#from) this.#from = ts;
    if (ts > this.#to) this.#to = ts;
    // Entries of one push stream share a labels object, so this map stays tiny.
    this.labelSets.set(labels, (this.labelSets.get(labels) ?? 0) + 1);
  }

  /** {@link add} with the time as whole seconds and nanoseconds. */
  addParts(sec: number, nsec: number, labels: Record<string, string>, bytes: number): void {
    this.lines++;
    this.bytes += bytes;
    if (sec < this.#fromSec || (sec === this.#fromSec && nsec < this.#fromNsec)) {
      this.#fromSec = sec;
      this.#fromNsec = nsec;
    }
    if (sec > this.#toSec || (sec === this.#toSec && nsec > this.#toNsec)) {
      this.#toSec = sec;
      this.#toNsec = nsec;
    }
    this.labelSets.set(labels, (this.labelSets.get(labels) ?? 0) + 1);
  }

  reset(): void {
    this.lines = 0;
    this.bytes = 0;
    this.#from = MAX_TIMESTAMP_NS;
    this.#to = MIN_TIMESTAMP_NS;
    this.#fromSec = Number.POSITIVE_INFINITY;
    this.#toSec = Number.NEGATIVE_INFINITY;
    this.firstAtMs = 0;
    this.labelSets = new Map();
  }
}

/** Stats of one data file: totals, label counts and the frame table. */
export class FileStats {
  lines = 0;
  bytes = 0;
  from = MAX_TIMESTAMP_NS;
  to = MIN_TIMESTAMP_NS;
  /** Compressed bytes (= the file's size once everything is written). */
  compressed = 0;
  readonly labels = new Map<string, Map<string, number>>();
  readonly overflow = new Set<string>();
  readonly frames: FrameEntry[] = [];
  /** Rough size of this file's future index line, for the disk budget. */
  indexLineEstimate = 256;
  #group: FrameEntry | undefined;

  constructor(
    /** A frame-table entry grows over consecutive frames until it holds this many uncompressed bytes. */
    readonly seekBytes: number,
    /** Distinct values kept per label key; further values mark the key as overflowed. */
    readonly maxValuesPerKey: number,
  ) {}

  /** Records a frame written at `offset` with compressed `length`. */
  addFrame(f: FrameStats, offset: number, length: number): void {
    this.lines += f.lines;
    this.bytes += f.bytes;
    this.compressed = offset + length;
    if (f.from < this.from) this.from = f.from;
    if (f.to > this.to) this.to = f.to;
    for (const [set, n] of f.labelSets) this.#countLabels(set, n);
    const g = this.#group;
    if (g !== undefined && g.bytes < this.seekBytes && g.offset + g.length === offset) {
      g.length += length;
      g.lines += f.lines;
      g.bytes += f.bytes;
      if (f.from < g.from) g.from = f.from;
      if (f.to > g.to) g.to = f.to;
    } else {
      const entry: FrameEntry = { offset, length, from: f.from, to: f.to, lines: f.lines, bytes: f.bytes };
      this.frames.push(entry);
      this.#group = entry;
      this.indexLineEstimate += 140;
    }
  }

  #countLabels(set: Record<string, string>, n: number): void {
    for (const k in set) {
      const v = set[k]!;
      let values = this.labels.get(k);
      if (values === undefined) {
        values = new Map();
        this.labels.set(k, values);
        this.indexLineEstimate += k.length + 8;
      }
      const c = values.get(v);
      if (c !== undefined) {
        values.set(v, c + n);
      } else if (values.size < this.maxValuesPerKey) {
        values.set(v, n);
        this.indexLineEstimate += v.length + 16;
      } else {
        this.overflow.add(k);
      }
    }
  }

  /** The index entry for this file (label keys and values sorted). */
  toIndexEntry(file: string): IndexEntry {
    const labels: LabelCounts = {};
    for (const k of [...this.labels.keys()].sort()) {
      const values = this.labels.get(k)!;
      const out: Record<string, number> = {};
      for (const v of [...values.keys()].sort()) out[v] = values.get(v)!;
      labels[k] = out;
    }
    const e: IndexEntry = {
      file,
      from: this.from,
      to: this.to,
      lines: this.lines,
      bytes: this.bytes,
      labels,
      compressedBytes: this.compressed,
      frames: this.frames.map((f) => ({ ...f })),
    };
    if (this.overflow.size > 0) e.labelsOverflow = [...this.overflow].sort();
    return e;
  }
}

/** The index.jsonl line (newline included) for an entry. Field order: the original's first, then ours. */
export function indexLine(e: IndexEntry): string {
  const w: Record<string, unknown> = {
    file: e.file,
    from: formatTimestamp(e.from),
    to: formatTimestamp(e.to),
    lines: e.lines,
    bytes: e.bytes,
  };
  if (e.labels !== undefined) w['labels'] = e.labels;
  if (e.compressedBytes !== undefined) w['compressed_bytes'] = e.compressedBytes;
  if (e.frames !== undefined) {
    w['frames'] = e.frames.map((f) => ({
      offset: f.offset,
      length: f.length,
      from: formatTimestamp(f.from),
      to: formatTimestamp(f.to),
      lines: f.lines,
      bytes: f.bytes,
    }));
  }
  if (e.labelsOverflow !== undefined) w['labels_overflow'] = e.labelsOverflow;
  return `${JSON.stringify(w)}\n`;
}

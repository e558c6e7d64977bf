/**
 * The files of a capture directory without zod: their wire types, their in-memory types (timestamps as
 * bigint ns), the conversion between the two, and hand-written checks that accept exactly what the zod
 * schemas in schema.ts accept (a property test compares them on generated documents).
 *
 * Why not zod here: every command that opens a capture parses metadata.json and index.jsonl, and zod 4
 * is ~95 modules (zod/mini shares ~90 of them) that take ~30 ms to load, more than opening a 10 GB
 * capture. The schemas stay the format's specification and the public export; this module is the read
 * path's fast equivalent.
 */

import { isZeroTime, parseTimestamp } from './timestamp.js';

/** One entry of an index line's frame table, as written. */
export interface FrameWire {
  offset: number;
  length: number;
  from: string;
  to: string;
  lines: number;
  bytes: number;
  [key: string]: unknown;
}

/** One line of index.jsonl without its frame table, as written. */
export interface IndexHeadWire {
  file: string;
  from: string;
  to: string;
  lines: number;
  bytes: number;
  labels?: Record<string, Record<string, number>> | null | undefined;
  compressed_bytes?: number | undefined;
  labels_overflow?: string[] | undefined;
  [key: string]: unknown;
}

/** One line of index.jsonl, as written. */
export interface IndexLineWire extends IndexHeadWire {
  frames?: FrameWire[] | undefined;
}

/** metadata.json, as written. */
export interface MetadataWire {
  version: number;
  format?: string | undefined;
  started?: string | undefined;
  stopped?: string | undefined;
  total_lines?: number | undefined;
  total_bytes?: number | undefined;
  labels_seen?: string[] | null | undefined;
  redaction?:
    | {
        enabled: boolean;
        patterns?: string[] | null | undefined;
        policy_hash?: string | undefined;
        [key: string]: unknown;
      }
    | null
    | undefined;
  state?: 'live' | 'stopped' | undefined;
  updated?: string | undefined;
  first_ts?: string | undefined;
  last_ts?: string | undefined;
  files?: number | undefined;
  disk_bytes?: number | undefined;
  evictions?: { files: number; lines: number; bytes: number; [key: string]: unknown } | undefined;
  dropped?: { lines: number; bytes: number; [key: string]: unknown } | undefined;
  recoveries?: number | undefined;
  counters?: Record<string, number> | undefined;
  limits?: Record<string, number> | undefined;
  [key: string]: unknown;
}

/** Per-file label statistics: `{key: {value: lines}}`. */
export type LabelCounts = Record<string, Record<string, number>>;

/** A frame-table entry in memory. */
export interface FrameEntry {
  /** Byte offset of the first frame in the data file. */
  offset: number;
  /** Compressed length of the range (one or more whole zstd frames). */
  length: number;
  /** Earliest / latest entry timestamp in the range (ns). */
  from: bigint;
  to: bigint;
  lines: number;
  /** Uncompressed bytes of the range. */
  bytes: number;
}

/** One closed data file, as recorded in index.jsonl. */
export interface IndexEntry {
  file: string;
  /** Earliest / latest entry timestamp in the file (ns). Entries inside are in arrival order, not ts order. */
  from: bigint;
  to: bigint;
  lines: number;
  /** Uncompressed bytes. */
  bytes: number;
  /** `{key: {value: lines}}`; undefined when the index line has none (e.g. written by the original's slice). */
  labels?: LabelCounts;
  /** Label keys whose value map was capped; never prune by them. */
  labelsOverflow?: string[];
  /** Size of the file on disk when it was closed. */
  compressedBytes?: number;
  /** Seek table; undefined for files without one (the original's single-frame files). */
  frames?: FrameEntry[];
}

/** Parsed metadata.json. */
export interface CaptureMetadata {
  version: number;
  format: string;
  started?: bigint;
  /** Undefined while live or after a crash (the original writes Go's zero time then). */
  stopped?: bigint;
  /** `live` while a writer has it open (or it crashed), `stopped` after a clean close. */
  state: 'live' | 'stopped';
  totalLines: number;
  totalBytes: number;
  labelsSeen: string[];
  redaction?: { enabled: boolean; patterns: string[]; policyHash?: string };
  updated?: bigint;
  firstTs?: bigint;
  lastTs?: bigint;
  evictions: { files: number; lines: number; bytes: number };
  dropped: { lines: number; bytes: number };
  recoveries: number;
  counters: Record<string, number>;
  limits: Record<string, number>;
  /** The file as parsed, unknown fields included. */
  raw: Record<string, unknown>;
}

// The checks below mirror schema.ts field by field. Their input is a JSON.parse result, so an object is
// plain and its keys are its own (zod's record and looseObject accept the same objects).

type Obj = Record<string, unknown>;

/** z.looseObject's type check: an object, not null, not an array. */
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** z.number() (finite). */
function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** z.number().int() (a safe integer). */
function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** z.number().int().nonnegative(): schema.ts's `count`. */
export function isCount(v: unknown): v is number {
  return isInt(v) && v >= 0;
}

/** rfc3339Schema. */
export function isRfc3339(v: unknown): v is string {
  return typeof v === 'string' && parseTimestamp(v) !== undefined;
}

function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== 'string') return false;
  return true;
}

function isRecordOf(v: unknown, value: (x: unknown) => boolean): boolean {
  if (!isObj(v)) return false;
  for (const k in v) if (!value(v[k])) return false;
  return true;
}

const isLabelCounts = (v: unknown): boolean => isRecordOf(v, (m) => isRecordOf(m, isCount));

const opt = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || check(v);
const nullish = (v: unknown, check: (x: unknown) => boolean): boolean => v == null || check(v);

/**
 * True when `v` is an index line as indexLineSchema accepts it, its `frames` aside (index-file.ts checks
 * and converts the frame table in one pass).
 */
export function isIndexHead(v: unknown): v is IndexHeadWire {
  return (
    isObj(v) &&
    typeof v['file'] === 'string' &&
    v['file'].length >= 1 &&
    isRfc3339(v['from']) &&
    isRfc3339(v['to']) &&
    isCount(v['lines']) &&
    isCount(v['bytes']) &&
    nullish(v['labels'], isLabelCounts) &&
    opt(v['compressed_bytes'], isCount) &&
    opt(v['labels_overflow'], isStringArray)
  );
}

function isRedaction(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof v['enabled'] === 'boolean' &&
    nullish(v['patterns'], isStringArray) &&
    opt(v['policy_hash'], (s) => typeof s === 'string')
  );
}

const isString = (s: unknown): boolean => typeof s === 'string';

/** True when `v` is metadata.json as metadataSchema accepts it. */
export function isMetadata(v: unknown): v is MetadataWire {
  return (
    isObj(v) &&
    isInt(v['version']) &&
    opt(v['format'], isString) &&
    opt(v['started'], isRfc3339) &&
    opt(v['stopped'], isString) &&
    opt(v['total_lines'], isCount) &&
    opt(v['total_bytes'], isCount) &&
    nullish(v['labels_seen'], isStringArray) &&
    nullish(v['redaction'], isRedaction) &&
    opt(v['state'], (s) => s === 'live' || s === 'stopped') &&
    opt(v['updated'], isRfc3339) &&
    opt(v['first_ts'], isRfc3339) &&
    opt(v['last_ts'], isRfc3339) &&
    opt(v['files'], isCount) &&
    opt(v['disk_bytes'], isCount) &&
    opt(
      v['evictions'],
      (e) => isObj(e) && isCount(e['files']) && isCount(e['lines']) && isCount(e['bytes']),
    ) &&
    opt(v['dropped'], (d) => isObj(d) && isCount(d['lines']) && isCount(d['bytes'])) &&
    opt(v['recoveries'], isCount) &&
    opt(v['counters'], (c) => isRecordOf(c, isNum)) &&
    opt(v['limits'], (c) => isRecordOf(c, isNum))
  );
}

function ts(s: string): bigint {
  // Callers pass values validated as RFC3339.
  return parseTimestamp(s) as bigint;
}

/** Wire index line -> in-memory entry. */
export function indexEntryFromWire(w: IndexLineWire): IndexEntry {
  const e: IndexEntry = { file: w.file, from: ts(w.from), to: ts(w.to), lines: w.lines, bytes: w.bytes };
  if (w.labels) e.labels = w.labels;
  if (w.labels_overflow && w.labels_overflow.length > 0) e.labelsOverflow = w.labels_overflow;
  if (w.compressed_bytes !== undefined) e.compressedBytes = w.compressed_bytes;
  if (w.frames) {
    e.frames = w.frames.map((f) => ({
      offset: f.offset,
      length: f.length,
      from: ts(f.from),
      to: ts(f.to),
      lines: f.lines,
      bytes: f.bytes,
    }));
  }
  return e;
}

/** Wire metadata -> in-memory metadata. */
export function metadataFromWire(w: MetadataWire): CaptureMetadata {
  const stopped = isZeroTime(w.stopped) ? undefined : parseTimestamp(w.stopped as string);
  const m: CaptureMetadata = {
    version: w.version,
    format: w.format ?? 'jsonl',
    state: w.state ?? (stopped === undefined ? 'live' : 'stopped'),
    totalLines: w.total_lines ?? 0,
    totalBytes: w.total_bytes ?? 0,
    labelsSeen: w.labels_seen ?? [],
    evictions: w.evictions
      ? { files: w.evictions.files, lines: w.evictions.lines, bytes: w.evictions.bytes }
      : { files: 0, lines: 0, bytes: 0 },
    dropped: w.dropped ? { lines: w.dropped.lines, bytes: w.dropped.bytes } : { lines: 0, bytes: 0 },
    recoveries: w.recoveries ?? 0,
    counters: w.counters ?? {},
    limits: w.limits ?? {},
    raw: w,
  };
  if (w.started !== undefined && !isZeroTime(w.started)) m.started = ts(w.started);
  if (stopped !== undefined) m.stopped = stopped;
  if (w.redaction) {
    m.redaction = { enabled: w.redaction.enabled, patterns: w.redaction.patterns ?? [] };
    if (w.redaction.policy_hash !== undefined) m.redaction.policyHash = w.redaction.policy_hash;
  }
  if (w.updated !== undefined) m.updated = ts(w.updated);
  if (w.first_ts !== undefined) m.firstTs = ts(w.first_ts);
  if (w.last_ts !== undefined) m.lastTs = ts(w.last_ts);
  return m;
}

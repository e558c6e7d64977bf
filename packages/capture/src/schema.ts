/**
 * zod schemas of every file in a capture directory (the on-disk, "wire" form) and their conversion to the
 * in-memory types (timestamps as bigint ns). The schemas are lenient where the Go original differs
 * (offsets in timestamps, `labels_seen: null`, missing fields) and keep unknown fields: format version 1
 * readers ignore what they do not know. docs/capture-format.md describes each field.
 */

import { z } from 'zod';
import { isZeroTime, parseTimestamp } from './timestamp.js';

/** RFC3339 timestamp (any offset, any fraction length). */
export const rfc3339Schema = z.string().refine((s) => parseTimestamp(s) !== undefined, {
  message: 'expected an RFC3339 timestamp',
});

const count = z.number().int().nonnegative();
const labelCountsSchema = z.record(z.string(), z.record(z.string(), count));

/** One data line: `{"ts","labels","msg","meta"?}`. `labels` may be absent (the original omits empty). */
export const dataLineSchema = z.looseObject({
  ts: rfc3339Schema,
  labels: z.record(z.string(), z.string()).optional(),
  msg: z.string(),
  meta: z.record(z.string(), z.string()).optional(),
});
export type DataLineWire = z.infer<typeof dataLineSchema>;

/** One entry of an index line's frame table: a byte range holding one or more whole zstd frames. */
export const frameWireSchema = z.looseObject({
  offset: count,
  length: count,
  from: rfc3339Schema,
  to: rfc3339Schema,
  lines: count,
  bytes: count,
});
export type FrameWire = z.infer<typeof frameWireSchema>;

/** One line of index.jsonl: a closed data file. */
export const indexLineSchema = z.looseObject({
  file: z.string().min(1),
  from: rfc3339Schema,
  to: rfc3339Schema,
  lines: count,
  bytes: count,
  labels: labelCountsSchema.nullish(),
  // Extensions (format version 1 readers ignore them):
  compressed_bytes: count.optional(),
  frames: z.array(frameWireSchema).optional(),
  labels_overflow: z.array(z.string()).optional(),
});
export type IndexLineWire = z.infer<typeof indexLineSchema>;

/** metadata.json. Only `version` is required; everything else defaults (the original leaves most unset). */
export const metadataSchema = z.looseObject({
  version: z.number().int(),
  format: z.string().optional(),
  started: rfc3339Schema.optional(),
  stopped: z.string().optional(),
  total_lines: count.optional(),
  total_bytes: count.optional(),
  labels_seen: z.array(z.string()).nullish(),
  redaction: z
    .looseObject({
      enabled: z.boolean(),
      patterns: z.array(z.string()).nullish(),
      policy_hash: z.string().optional(),
    })
    .nullish(),
  // Extensions written by this package:
  state: z.enum(['live', 'stopped']).optional(),
  updated: rfc3339Schema.optional(),
  first_ts: rfc3339Schema.optional(),
  last_ts: rfc3339Schema.optional(),
  files: count.optional(),
  disk_bytes: count.optional(),
  evictions: z.looseObject({ files: count, lines: count, bytes: count }).optional(),
  dropped: z.looseObject({ lines: count, bytes: count }).optional(),
  recoveries: count.optional(),
  counters: z.record(z.string(), z.number()).optional(),
  limits: z.record(z.string(), z.number()).optional(),
});
export type MetadataWire = z.infer<typeof metadataSchema>;

/** One line of audit.jsonl: `timestamp` and `event`, then event-specific fields. */
export const auditLineSchema = z.looseObject({
  timestamp: rfc3339Schema,
  event: z.string().min(1),
});
export type AuditLineWire = z.infer<typeof auditLineSchema>;

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

function ts(s: string): bigint {
  // Callers pass values validated by rfc3339Schema.
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

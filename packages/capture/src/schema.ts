/**
 * zod schemas of every file in a capture directory (the on-disk, "wire" form) and their conversion to the
 * in-memory types (timestamps as bigint ns). The schemas are lenient where the Go original differs
 * (offsets in timestamps, `labels_seen: null`, missing fields) and keep unknown fields: format version 1
 * readers ignore what they do not know. docs/capture-format.md describes each field.
 */

import { z } from 'zod';
import { parseTimestamp } from './timestamp.js';
import type {
  FrameWire as FrameWireHand,
  IndexLineWire as IndexLineWireHand,
  MetadataWire as MetadataWireHand,
} from './wire.js';

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

export type { CaptureMetadata, FrameEntry, IndexEntry, LabelCounts } from './wire.js';
export { indexEntryFromWire, metadataFromWire } from './wire.js';

// wire.ts declares the same wire types by hand (the read path does not load zod): they must stay equal.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameWireTypes: [
  Same<FrameWire, FrameWireHand>,
  Same<IndexLineWire, IndexLineWireHand>,
  Same<MetadataWire, MetadataWireHand>,
] = [true, true, true];
void sameWireTypes;

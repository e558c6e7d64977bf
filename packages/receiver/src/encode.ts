/**
 * Decoded pushes serialised into the capture's data lines on the request thread (see @logtap/capture
 * EncodedBatchBuilder), so the writer thread only compresses and writes. Loki protobuf pushes go from
 * their wire bytes to JSONL without a string per line (decodePushColumns); other formats, and lines that
 * must be redacted or truncated, go through strings.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { EncodedBatchBuilder } from '@logtap/capture';
import type { ColumnarPush } from '@logtap/protocol';
import type { PushStream, Redactor } from './types.js';

/** Structured-metadata key added to a truncated line: its original length in bytes. */
export const TRUNCATED_META_KEY = 'logtap_truncated_bytes';

/** Per line of the JSONL besides the message and the labels (`{"ts":"<30>","labels":,"msg":""}\n`). */
const LINE_OVERHEAD = 56;

/** What serialising a push produced besides its lines. */
export interface EncodeOutcome {
  /** Lines cut to the maximum line size. */
  truncated: number;
}

/** {@link EncodeOutcome} of {@link encodeStreams}: also each stream's labels as written (redacted). */
export interface StreamsOutcome extends EncodeOutcome {
  labels: Array<Record<string, string>>;
}

/** Bytes of a label set as JSON, roughly (no escapes counted): for size estimates. */
export function labelsJsonBytes(labels: Record<string, string>): number {
  let n = 2;
  for (const key in labels) n += key.length + labels[key]!.length + 6;
  return n;
}

/**
 * What a columnar push will take as JSONL, give or take escapes (lines counted up to `maxLineBytes`, where
 * they will be cut): enough to tell "cannot fit" without serialising it, and to size the output once.
 */
export function estimateColumns(push: ColumnarPush, maxLineBytes: number): number {
  let total = 0;
  for (const s of push.streams) total += s.lines * (LINE_OVERHEAD + labelsJsonBytes(s.labels));
  if (push.lineBytes <= maxLineBytes) return total + push.lineBytes;
  const { start, end } = push.entries;
  for (const s of push.streams) {
    for (let r = 0; r < s.runs.length; r += 2) {
      for (let i = s.runs[r]!; i < s.runs[r + 1]!; i++) total += Math.min(end[i]! - start[i]!, maxLineBytes);
    }
  }
  return total;
}

/** {@link estimateColumns} for decoded streams (line lengths in UTF-16 units, capped at `maxLineBytes`). */
export function estimateStreams(streams: readonly PushStream[], maxLineBytes: number): number {
  let total = 0;
  for (const stream of streams) {
    total += stream.entries.length * (LINE_OVERHEAD + labelsJsonBytes(stream.labels));
    for (const entry of stream.entries) total += Math.min(entry.line.length, maxLineBytes);
  }
  return total;
}

/** JSON of structured metadata (keys sorted), or undefined when there is none. */
function metaJson(meta: Record<string, string> | undefined): string | undefined {
  if (meta === undefined) return undefined;
  const keys = Object.keys(meta);
  if (keys.length === 0) return undefined;
  keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(meta[k])}`;
  }
  return `${out}}`;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}

/**
 * Serialises a columnar Loki push into `b`: each line's bytes go from the wire buffer to the JSONL as
 * they are (escaped where JSON needs it). Lines past `maxLineBytes` are cut and tagged.
 */
export function encodeColumns(
  push: ColumnarPush,
  b: EncodedBatchBuilder,
  maxLineBytes: number,
): EncodeOutcome {
  const { sec, nsec, start, end, meta } = push.entries;
  const data = push.data;
  // Invalid UTF-8 can grow up to 3x when decoded (U+FFFD): only lines this long may need a closer look.
  const suspect = Math.floor(maxLineBytes / 3);
  let truncated = 0;
  for (const s of push.streams) {
    const set = b.labelSet(s.labels);
    const runs = s.runs;
    for (let r = 0; r < runs.length; r += 2) {
      for (let i = runs[r]!; i < runs[r + 1]!; i++) {
        const from = start[i]!;
        const to = end[i]!;
        const m = meta === undefined ? undefined : meta[i];
        if (to - from > suspect && (to - from > maxLineBytes || !isUtf8(data.subarray(from, to)))) {
          // Rare: a line that may be over the limit once decoded. Decide on its decoded text, as the
          // string path does.
          const text = data.toString('utf8', from, to);
          const bytes = Buffer.byteLength(text);
          if (bytes > maxLineBytes) {
            truncated++;
            const tagged = { ...m, [TRUNCATED_META_KEY]: String(bytes) };
            b.addString(set, sec[i]!, nsec[i]!, truncateUtf8(text, maxLineBytes), metaJson(tagged));
            continue;
          }
        }
        b.addUtf8(set, sec[i]!, nsec[i]!, data, from, to, metaJson(m));
      }
    }
  }
  return { truncated };
}

type SliceableBuffer = Buffer & {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
};

/**
 * {@link encodeColumns} with redaction: each line becomes a string only to be redacted (as decodePush
 * would make it: bytes past ASCII decoded as UTF-8, invalid ones as U+FFFD). A line the policy leaves
 * unchanged, nearly all of them, is still serialised from its bytes; only changed lines go through
 * their redacted string. Labels and structured metadata are redacted with `redactLabels`.
 */
export function encodeColumnsRedacted(
  push: ColumnarPush,
  b: EncodedBatchBuilder,
  maxLineBytes: number,
  redactor: Redactor,
  redactLabels: boolean,
): StreamsOutcome {
  const { sec, nsec, start, end, meta } = push.entries;
  const data = push.data as SliceableBuffer;
  const safeLength = Math.floor(maxLineBytes / 3);
  let truncated = 0;
  const written: Array<Record<string, string>> = [];
  for (const s of push.streams) {
    const labels = redactLabels ? redactor.redactLabels(s.labels) : s.labels;
    written.push(labels);
    const set = b.labelSet(labels);
    const runs = s.runs;
    for (let r = 0; r < runs.length; r += 2) {
      for (let i = runs[r]!; i < runs[r + 1]!; i++) {
        const from = start[i]!;
        const to = end[i]!;
        let m = meta === undefined ? undefined : meta[i];
        if (m !== undefined && redactLabels) m = redactor.redactLabels(m);
        // ASCII lines as latin1 strings: ~5x cheaper to build than through the UTF-8 decoder.
        const text = isAscii(data.subarray(from, to)) ? data.latin1Slice(from, to) : data.utf8Slice(from, to);
        let msg = redactor.redact(text).text;
        if (msg === text && to - from <= safeLength) {
          b.addUtf8(set, sec[i]!, nsec[i]!, data, from, to, metaJson(m));
          continue;
        }
        if (msg.length > safeLength) {
          const bytes = Buffer.byteLength(msg);
          if (bytes > maxLineBytes) {
            msg = truncateUtf8(msg, maxLineBytes);
            m = { ...m, [TRUNCATED_META_KEY]: String(bytes) };
            truncated++;
          }
        }
        b.addString(set, sec[i]!, nsec[i]!, msg, metaJson(m));
      }
    }
  }
  return { truncated, labels: written };
}

/**
 * Serialises decoded streams into `b`, redacting messages (and, with `redactLabels`, label values and
 * metadata) first when a redactor is given, and cutting lines past `maxLineBytes`.
 */
export function encodeStreams(
  streams: readonly PushStream[],
  b: EncodedBatchBuilder,
  maxLineBytes: number,
  redactor: Redactor | undefined,
  redactLabels: boolean,
): StreamsOutcome {
  // A JS string of n UTF-16 units encodes to at most 3n UTF-8 bytes: shorter strings skip the count.
  const safeLength = Math.floor(maxLineBytes / 3);
  const labelRedactor = redactLabels ? redactor : undefined;
  let truncated = 0;
  const written: Array<Record<string, string>> = [];
  for (const stream of streams) {
    const labels = labelRedactor === undefined ? stream.labels : labelRedactor.redactLabels(stream.labels);
    written.push(labels);
    const set = b.labelSet(labels);
    for (const entry of stream.entries) {
      let msg = redactor === undefined ? entry.line : redactor.redact(entry.line).text;
      let meta = entry.metadata;
      if (meta !== undefined && labelRedactor !== undefined) meta = labelRedactor.redactLabels(meta);
      if (msg.length > safeLength) {
        const bytes = Buffer.byteLength(msg);
        if (bytes > maxLineBytes) {
          msg = truncateUtf8(msg, maxLineBytes);
          meta = { ...meta, [TRUNCATED_META_KEY]: String(bytes) };
          truncated++;
        }
      }
      b.addEntry(set, entry.ts, msg, metaJson(meta));
    }
  }
  return { truncated, labels: written };
}

/** Parsing of index.jsonl and metadata.json text, shared by the writer's recovery and the reader. */

import { parseTimestamp } from './timestamp.js';
import {
  type CaptureMetadata,
  type FrameEntry,
  type IndexEntry,
  indexEntryFromWire,
  isCount,
  isIndexHead,
  isMetadata,
  metadataFromWire,
} from './wire.js';

/**
 * A frame table, validated as frameWireSchema would (whole numbers >= 0, RFC3339 times, unknown fields
 * allowed) and converted in the same pass; undefined when an entry is invalid. Hand-written because it is
 * the bulk of an index (a 10 GB capture has ~10,000 frames): zod plus a second timestamp parse per entry
 * made opening such a capture take ~70 ms instead of ~5.
 */
function parseFrames(frames: unknown): FrameEntry[] | undefined {
  if (!Array.isArray(frames)) return undefined;
  const out = new Array<FrameEntry>(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i] as Record<string, unknown> | null;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return undefined;
    const { offset, length, lines, bytes, from, to } = f;
    if (!isCount(offset) || !isCount(length) || !isCount(lines) || !isCount(bytes)) return undefined;
    if (typeof from !== 'string' || typeof to !== 'string') return undefined;
    const a = parseTimestamp(from);
    const b = parseTimestamp(to);
    if (a === undefined || b === undefined) return undefined;
    out[i] = { offset, length, from: a, to: b, lines, bytes };
  }
  return out;
}

/** Result of parsing index.jsonl. */
export interface ParsedIndex {
  entries: IndexEntry[];
  /** Lines that are not valid index lines (a torn last line after a crash, or foreign content). */
  invalidLines: number;
}

/** Parses index.jsonl text. Invalid lines are counted and skipped; a later line for the same file wins. */
export function parseIndex(text: string): ParsedIndex {
  const byFile = new Map<string, IndexEntry>();
  let invalidLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      invalidLines++;
      continue;
    }
    const raw = json as { frames?: unknown } | null;
    const hasFrames = typeof raw === 'object' && raw !== null && raw.frames !== undefined;
    const frames = hasFrames ? parseFrames(raw.frames) : undefined;
    // Checked by hand as indexLineSchema would (wire.ts: the read path does not load zod).
    const head = isIndexHead(json) ? json : undefined;
    if (head === undefined || (hasFrames && frames === undefined)) {
      invalidLines++;
      continue;
    }
    const e = indexEntryFromWire({ ...head, frames: undefined });
    if (frames !== undefined) e.frames = frames;
    byFile.delete(e.file); // keep insertion order of the latest line
    byFile.set(e.file, e);
  }
  return { entries: [...byFile.values()], invalidLines };
}

/** Parses metadata.json text; undefined when it is not valid JSON or not a capture's metadata. */
export function parseMetadata(text: string): CaptureMetadata | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isMetadata(json) ? metadataFromWire(json) : undefined;
}

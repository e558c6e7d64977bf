/** Parsing of index.jsonl and metadata.json text, shared by the writer's recovery and the reader. */

import {
  type CaptureMetadata,
  type IndexEntry,
  indexEntryFromWire,
  indexLineSchema,
  metadataFromWire,
  metadataSchema,
} from './schema.js';

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
    const r = indexLineSchema.safeParse(json);
    if (!r.success) {
      invalidLines++;
      continue;
    }
    const e = indexEntryFromWire(r.data);
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
  const r = metadataSchema.safeParse(json);
  return r.success ? metadataFromWire(r.data) : undefined;
}

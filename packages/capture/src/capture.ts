/**
 * openCapture: what a capture directory holds, from metadata.json, index.jsonl and a listing of the data
 * files (orphans included: the active file of a live capture, or files a crash left unindexed).
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CaptureIoError, CaptureNotFoundError, NotACaptureError } from './errors.js';
import { parseIndex, parseMetadata } from './index-file.js';
import { compareDataFileNames, INDEX_FILE, isDataFileName, METADATA_FILE } from './names.js';
import type { CaptureMetadata, IndexEntry } from './schema.js';
import type { TimeContext } from './time-bound.js';

/** One data file of a capture. */
export interface CaptureFile {
  name: string;
  path: string;
  /** `.jsonl.zst` (zstd frames) rather than raw `.jsonl` (the original's active file). */
  compressed: boolean;
  /** Size on disk when listed. */
  size: number;
  /** The file's index line; undefined for an orphan (not yet indexed). */
  index?: IndexEntry;
}

/** A capture directory as found by {@link openCapture}. */
export interface Capture {
  dir: string;
  /** Parsed metadata.json; undefined when absent or unreadable (see `warnings`). */
  metadata?: CaptureMetadata;
  /** index.jsonl entries, in file order (entries whose file is gone are in `missing`, not here). */
  index: IndexEntry[];
  /** Data files in file order (name = creation order), orphans included. */
  files: CaptureFile[];
  /** Files the index lists but the directory no longer holds (evicted, index not yet pruned). */
  missing: string[];
  /** True while a writer has the capture open, or it crashed (metadata not `stopped`). */
  live: boolean;
  /** Earliest / latest entry timestamp known (index, then metadata); orphans may extend it. */
  from?: bigint;
  to?: bigint;
  /** Lines and uncompressed bytes listed in the index (orphans not counted). */
  indexedLines: number;
  indexedBytes: number;
  /** Bytes of every file in the directory. */
  diskBytes: number;
  /** Problems that did not stop the opening (invalid index lines, unreadable metadata). */
  warnings: string[];
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CaptureIoError(file, 'read', { cause: err });
  }
}

/**
 * Reads a capture directory's metadata, index and file list. Cheap: data files are not opened. Throws
 * {@link CaptureNotFoundError} when `dir` does not exist and {@link NotACaptureError} when it holds no
 * capture files.
 *
 * @example
 * const cap = await openCapture('./capture');
 * console.log(cap.metadata?.totalLines, cap.files.length, cap.live);
 */
export async function openCapture(dir: string): Promise<Capture> {
  const abs = path.resolve(dir);
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CaptureNotFoundError(abs, { cause: err });
    throw new CaptureIoError(abs, 'list', { cause: err });
  }
  const warnings: string[] = [];
  const metaText = await readOptional(path.join(abs, METADATA_FILE));
  let metadata: CaptureMetadata | undefined;
  if (metaText !== undefined) {
    metadata = parseMetadata(metaText);
    if (metadata === undefined) warnings.push(`${METADATA_FILE} is not valid capture metadata; ignored`);
  }
  const indexText = await readOptional(path.join(abs, INDEX_FILE));
  const parsed = parseIndex(indexText ?? '');
  if (parsed.invalidLines > 0) warnings.push(`${INDEX_FILE}: ${parsed.invalidLines} invalid line(s) skipped`);

  const sizes = new Map<string, number>();
  let diskBytes = 0;
  await Promise.all(
    names.map(async (n) => {
      try {
        const s = await stat(path.join(abs, n));
        if (!s.isFile()) return;
        diskBytes += s.size;
        if (isDataFileName(n)) sizes.set(n, s.size);
      } catch {
        // Gone since the listing (evicted): it is simply not part of the capture any more.
      }
    }),
  );
  if (metaText === undefined && indexText === undefined && sizes.size === 0) throw new NotACaptureError(abs);

  const byName = new Map<string, IndexEntry>();
  const index: IndexEntry[] = [];
  const missing: string[] = [];
  for (const e of parsed.entries) {
    if (sizes.has(e.file)) {
      index.push(e);
      byName.set(e.file, e);
    } else {
      missing.push(e.file);
    }
  }
  index.sort((a, b) => compareDataFileNames(a.file, b.file));
  for (const name of [...sizes.keys()]) {
    // The original compressed `X.jsonl` into `X.jsonl.zst`, then deleted `X.jsonl`: with both present and the
    // `.zst` unindexed it died in between, so the raw file is the complete copy (the writer's recovery agrees).
    if (name.endsWith('.zst') && !byName.has(name) && sizes.has(name.slice(0, -4))) {
      sizes.delete(name);
      warnings.push(`${name}: unindexed compressed copy of ${name.slice(0, -4)} ignored`);
    }
  }
  const files: CaptureFile[] = [...sizes.keys()].sort(compareDataFileNames).map((name) => {
    const f: CaptureFile = {
      name,
      path: path.join(abs, name),
      compressed: name.endsWith('.zst'),
      size: sizes.get(name)!,
    };
    const e = byName.get(name);
    if (e !== undefined) f.index = e;
    return f;
  });

  let from: bigint | undefined;
  let to: bigint | undefined;
  let indexedLines = 0;
  let indexedBytes = 0;
  for (const e of index) {
    indexedLines += e.lines;
    indexedBytes += e.bytes;
    if (e.lines === 0) continue;
    if (from === undefined || e.from < from) from = e.from;
    if (to === undefined || e.to > to) to = e.to;
  }
  if (metadata?.firstTs !== undefined && (from === undefined || metadata.firstTs < from))
    from = metadata.firstTs;
  if (metadata?.lastTs !== undefined && (to === undefined || metadata.lastTs > to)) to = metadata.lastTs;

  const cap: Capture = {
    dir: abs,
    index,
    files,
    missing,
    live: metadata === undefined ? files.some((f) => f.index === undefined) : metadata.state === 'live',
    indexedLines,
    indexedBytes,
    diskBytes,
    warnings,
  };
  if (metadata !== undefined) cap.metadata = metadata;
  if (from !== undefined) cap.from = from;
  if (to !== undefined) cap.to = to;
  return cap;
}

/**
 * The context relative time bounds refer to, taken from the data: start = the earliest entry timestamp
 * known (index, metadata `first_ts`; else metadata `started`), end = the latest (else `stopped`, else
 * `now`). Data time rather than the receiver's clock, so `-30m` means the last 30 minutes of logs even for a
 * capture of old or replayed logs, or a slice of another capture.
 */
export function captureTimeContext(cap: Capture, nowNs?: bigint): TimeContext {
  const ctx: TimeContext = {};
  const start = cap.from ?? cap.metadata?.started;
  const end = cap.to ?? cap.metadata?.stopped ?? nowNs;
  if (start !== undefined) ctx.start = start;
  if (end !== undefined) ctx.end = end;
  if (nowNs !== undefined) ctx.now = nowNs;
  return ctx;
}

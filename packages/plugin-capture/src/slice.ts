/**
 * `logtap slice`: the lines of a capture that pass the filter, written as a new, complete capture by
 * @logtap/capture's own writer (zstd frames, frame tables, per-file label counts, metadata), so every
 * command reads a slice like any capture. The metadata gains a `slice` object recording where the slice
 * came from (source, filter, the source's losses), and its `started`/`stopped` are the window the slice
 * covers, so `--from 14:30` or `-5m` mean the same on a slice as on its source.
 */

import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { type Capture, CaptureWriter, formatTimestamp, type ReadWarning } from '@logtap/capture';
import { OutputExistsError, SliceIncompleteError } from './errors.js';
import type { FilterDescription, ToolFilter } from './filter.js';
import { scanEntries } from './scan.js';

/** Provenance stored as `slice` in the slice's metadata.json. */
export interface SliceProvenance {
  source: string;
  source_started: string | null;
  source_stopped: string | null;
  source_lines: number;
  source_evictions: { files: number; lines: number; bytes: number };
  source_dropped: { lines: number; bytes: number };
  filter: FilterDescription;
  created: string;
  lines: number;
  tool: string;
}

export interface SliceOptions {
  signal?: AbortSignal | undefined;
  onWarning?: ((w: ReadWarning) => void) | undefined;
  onProgress?: ((scannedBytes: number, lines: number) => void) | undefined;
  /** Clock (ms) for the writer and `created`. Default Date.now. */
  now?: (() => number) | undefined;
  /** Write into an existing empty directory (it is never merged into a non-empty one). */
  allowExistingEmpty?: boolean | undefined;
  /** Options passed to the writer (tests use small files). */
  maxFileBytes?: number | undefined;
}

export interface SliceResult {
  dir: string;
  lines: number;
  bytes: number;
  files: number;
  provenance: SliceProvenance;
}

const HUGE = Number.MAX_SAFE_INTEGER;

/** Refuses an existing target unless it is an empty directory and that is allowed; true when it exists. */
async function checkTarget(dir: string, allowEmpty: boolean): Promise<boolean> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new OutputExistsError(dir);
    if (!allowEmpty || (await readdir(dir)).length > 0) throw new OutputExistsError(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return false;
  }
}

/** Writes the filtered lines of `cap` as a new capture in `outDir` (which must not exist, or be empty). */
export async function sliceCapture(
  cap: Capture,
  filter: ToolFilter,
  outDir: string,
  opts: SliceOptions = {},
): Promise<SliceResult> {
  const out = path.resolve(outDir);
  if (out === cap.dir) throw new OutputExistsError(out);
  const existed = await checkTarget(out, opts.allowExistingEmpty === true);
  const now = opts.now ?? Date.now;
  const meta = cap.metadata;
  const redaction = meta?.redaction;
  const writer = await CaptureWriter.open(out, {
    // The slice must hold every matching line: no cap, no low-water eviction (a full disk is an error).
    maxDiskBytes: HUGE,
    minFreeBytes: 0,
    maxFileAge: HUGE,
    now,
    ...(opts.maxFileBytes !== undefined ? { maxFileBytes: opts.maxFileBytes } : {}),
    ...(redaction?.enabled
      ? {
          redaction: {
            enabled: true,
            rules: redaction.patterns,
            ...(redaction.policyHash !== undefined ? { policyHash: redaction.policyHash } : {}),
          },
        }
      : {}),
  });
  let lines = 0;
  let first: bigint | undefined;
  let last: bigint | undefined;
  let scanned = 0;
  try {
    writer.audit('slice_started', { source: cap.dir, filter: filter.describe() });
    const scan = scanEntries(cap, filter, {
      signal: opts.signal,
      onWarning: opts.onWarning,
      onProgress: (b) => {
        scanned = b;
      },
    });
    for await (const batch of scan) {
      // append refuses past its pending bound: wait for the writer thread to catch up, then retry.
      while (!writer.append(batch.entries)) await writer.flush();
      lines += batch.entries.length;
      for (const e of batch.entries) {
        if (first === undefined || e.ts < first) first = e.ts;
        if (last === undefined || e.ts > last) last = e.ts;
      }
      opts.onProgress?.(scanned, lines);
    }
  } catch (err) {
    // Aborted or failed half-way: a partial slice would pass for a complete one, so remove it.
    await writer.close().catch(() => {
      // The writer failed too: the directory goes anyway.
    });
    if (existed) {
      // The user's (empty) directory stays; what we wrote into it goes.
      for (const name of await readdir(out)) await rm(path.join(out, name), { recursive: true, force: true });
    } else {
      await rm(out, { recursive: true, force: true });
    }
    throw err;
  }
  await writer.close();
  const stats = writer.stats();
  if (stats.droppedLines > 0 || stats.evictions.files > 0 || stats.writtenLines !== lines) {
    throw new SliceIncompleteError(
      out,
      Math.max(stats.droppedLines, lines - stats.writtenLines),
      stats.lastError ?? 'the writer refused lines',
    );
  }
  // The source's extent: its session, widened to its data (clocks of pods and receiver differ).
  const min = (a: bigint | undefined, b: bigint | undefined) =>
    a === undefined ? b : b === undefined || a < b ? a : b;
  const max = (a: bigint | undefined, b: bigint | undefined) =>
    a === undefined ? b : b === undefined || a > b ? a : b;
  const srcStart = min(meta?.started, cap.from);
  const srcEnd = max(meta?.stopped, cap.to);
  const provenance: SliceProvenance = {
    source: cap.dir,
    source_started: srcStart === undefined ? null : formatTimestamp(srcStart),
    source_stopped: srcEnd === undefined ? null : formatTimestamp(srcEnd),
    source_lines: meta?.totalLines ?? cap.indexedLines,
    source_evictions: meta?.evictions ?? { files: 0, lines: 0, bytes: 0 },
    source_dropped: meta?.dropped ?? { lines: 0, bytes: 0 },
    filter: filter.describe(),
    created: formatTimestamp(BigInt(now()) * 1_000_000n),
    lines,
    tool: 'logtap slice',
  };
  // The window the slice covers: the filter's range clipped to the source's, else the data's own.
  const started = max(filter.from, srcStart) ?? first;
  const stopped = min(filter.to, srcEnd) ?? last;
  await patchMetadata(out, provenance, started, stopped);
  return { dir: out, lines, bytes: stats.writtenBytes, files: stats.files, provenance };
}

/** Adds the provenance and the covered window to the closed slice's metadata.json (atomic rewrite). */
async function patchMetadata(
  dir: string,
  provenance: SliceProvenance,
  started: bigint | undefined,
  stopped: bigint | undefined,
): Promise<void> {
  const file = path.join(dir, 'metadata.json');
  const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  if (started !== undefined) m['started'] = formatTimestamp(started);
  if (stopped !== undefined && (started === undefined || stopped >= started))
    m['stopped'] = formatTimestamp(stopped);
  m['slice'] = provenance;
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

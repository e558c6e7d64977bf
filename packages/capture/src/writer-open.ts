/**
 * Opening a capture directory for writing: take the lock, clean temp files, read the previous metadata and
 * index, recover every data file the index does not list (the active file of a crashed writer, or the
 * original's raw `.jsonl`), rewrite the index atomically, and hand the state to a {@link WriterCore}.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock, ensureDir, releaseLock, writeFileAtomicSync } from './disk.js';
import { CaptureIoError } from './errors.js';
import { indexLine } from './file-stats.js';
import { parseIndex, parseMetadata } from './index-file.js';
import { compareDataFileNames, INDEX_FILE, isDataFileName, METADATA_FILE, TEMP_SUFFIX } from './names.js';
import { recoverDataFile } from './recovery.js';
import type { CaptureMetadata, IndexEntry } from './schema.js';
import { formatTimestamp, msToNs } from './timestamp.js';
import type { CoreConfig } from './writer-config.js';
import { type ClosedFile, type CoreHooks, type InitialState, WriterCore } from './writer-core.js';

/** Opens (creating or resuming) the capture at `cfg.dir`. Throws CaptureLockedError / CaptureIoError. */
export function openWriterCore(cfg: CoreConfig, hooks: CoreHooks, nowMs: number): WriterCore {
  ensureDir(cfg.dir);
  const lockFile = cfg.lock ? acquireLock(cfg.dir, formatTimestamp(msToNs(nowMs))) : undefined;
  try {
    return openLocked(cfg, hooks, nowMs, lockFile);
  } catch (err) {
    if (lockFile !== undefined) releaseLock(lockFile);
    throw err;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CaptureIoError(file, 'read', { cause: err });
  }
}

function openLocked(
  cfg: CoreConfig,
  hooks: CoreHooks,
  nowMs: number,
  lockFile: string | undefined,
): WriterCore {
  const dir = cfg.dir;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new CaptureIoError(dir, 'list', { cause: err });
  }
  for (const n of names) {
    // Leftovers of an atomic rewrite interrupted by a crash; the renamed-over original is intact.
    if (n.endsWith(TEMP_SUFFIX)) fs.rmSync(path.join(dir, n), { force: true });
  }
  names = names.filter((n) => !n.endsWith(TEMP_SUFFIX));

  const metaText = readText(path.join(dir, METADATA_FILE));
  const prev: CaptureMetadata | undefined = metaText === undefined ? undefined : parseMetadata(metaText);
  const indexText = readText(path.join(dir, INDEX_FILE)) ?? '';
  const parsed = parseIndex(indexText);
  const present = new Set(names.filter(isDataFileName));
  let rewrite = parsed.invalidLines > 0;
  const entries: IndexEntry[] = [];
  for (const e of parsed.entries) {
    if (present.has(e.file)) entries.push(e);
    else rewrite = true; // evicted or deleted before the index was pruned
  }
  const indexed = new Set(entries.map((e) => e.file));
  let orphans = [...present].filter((n) => !indexed.has(n)).sort(compareDataFileNames);
  // The original compressed `X.jsonl` into `X.jsonl.zst` and then deleted `X.jsonl`: with both present the
  // raw file is complete and the compressed one possibly torn, so the raw one wins.
  orphans = orphans.filter((name) => {
    if (!name.endsWith('.zst') || !present.has(name.slice(0, -4))) return true;
    fs.rmSync(path.join(dir, name), { force: true });
    present.delete(name);
    return false;
  });

  const recovered: Record<string, unknown>[] = [];
  for (const name of orphans) {
    const r = recoverDataFile(dir, name, {
      zstdLevel: cfg.zstdLevel,
      seekBytes: cfg.seekBytes,
      flushBytes: cfg.flushBytes,
      maxValuesPerKey: cfg.maxLabelValuesPerKey,
      maxLineBytes: cfg.maxLineBytes,
    });
    present.delete(name);
    if (r.entry !== undefined) {
      entries.push(r.entry);
      present.add(r.name);
    }
    rewrite = true;
    recovered.push({
      file: r.original,
      ...(r.name !== r.original ? { renamed_to: r.name } : {}),
      lines: r.entry?.lines ?? 0,
      bytes: r.entry?.bytes ?? 0,
      truncated_bytes: r.truncatedBytes,
      salvaged_lines: r.salvagedLines,
      lost_bytes: r.lostBytes,
      lost_lines: r.lostLines,
      invalid_lines: r.invalidLines,
      corrupt: r.corrupt,
      deleted: r.entry === undefined,
    });
    hooks.onEvent?.({
      type: 'recovered',
      file: r.original,
      lines: r.entry?.lines ?? 0,
      truncatedBytes: r.truncatedBytes,
      salvagedLines: r.salvagedLines,
      corrupt: r.corrupt,
    });
  }
  entries.sort((a, b) => compareDataFileNames(a.file, b.file));
  if (rewrite) {
    try {
      writeFileAtomicSync(path.join(dir, INDEX_FILE), entries.map(indexLine).join(''));
    } catch (err) {
      throw new CaptureIoError(path.join(dir, INDEX_FILE), 'rewrite', { cause: err });
    }
  }

  const closed: ClosedFile[] = entries.map((entry) => ({ entry, size: sizeOf(dir, entry) }));
  const state = initialState(prev, entries, closed, present, lockFile, nowMs, recovered.length > 0);
  const core = new WriterCore(cfg, state, hooks, nowMs);
  const unclean = prev !== undefined && prev.state === 'live';
  for (const r of recovered) core.record(nowMs, 'recovered', r);
  core.opened(nowMs, {
    resumed: prev !== undefined || entries.length > 0,
    unclean_shutdown: unclean,
    recovered_files: recovered.length,
    files: entries.length,
  });
  return core;
}

function sizeOf(dir: string, e: IndexEntry): number {
  try {
    return fs.statSync(path.join(dir, e.file)).size;
  } catch {
    return e.compressedBytes ?? 0;
  }
}

function initialState(
  prev: CaptureMetadata | undefined,
  entries: IndexEntry[],
  closed: ClosedFile[],
  names: Set<string>,
  lockFile: string | undefined,
  nowMs: number,
  recovered: boolean,
): InitialState {
  let indexLines = 0;
  let indexBytes = 0;
  let firstTs = prev?.firstTs;
  let lastTs = prev?.lastTs;
  const labelsSeen = new Set(prev?.labelsSeen ?? []);
  for (const e of entries) {
    indexLines += e.lines;
    indexBytes += e.bytes;
    if (firstTs === undefined || e.from < firstTs) firstTs = e.from;
    if (lastTs === undefined || e.to > lastTs) lastTs = e.to;
    for (const k of Object.keys(e.labels ?? {})) labelsSeen.add(k);
  }
  const evictions = prev ? { ...prev.evictions } : { files: 0, lines: 0, bytes: 0 };
  // After a crash the last checkpoint may lag what is on disk; the index (just rebuilt) does not.
  const totalLines = Math.max(prev?.totalLines ?? 0, indexLines + evictions.lines);
  const totalBytes = Math.max(prev?.totalBytes ?? 0, indexBytes + evictions.bytes);
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(prev?.counters ?? {})) {
    if (k !== 'audit_dropped' && k !== 'writer_errors') counters[k] = v;
  }
  return {
    closed,
    names,
    lockFile,
    startedNs: prev?.started ?? msToNs(nowMs),
    totalLines,
    totalBytes,
    labelsSeen,
    firstTs,
    lastTs,
    evictions,
    dropped: prev ? { ...prev.dropped } : { lines: 0, bytes: 0 },
    recoveries: (prev?.recoveries ?? 0) + (recovered ? 1 : 0),
    counters,
  };
}

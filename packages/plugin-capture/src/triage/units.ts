/**
 * The work plan of a parallel triage: a capture cut into scan units in a fixed order. A closed,
 * compressed file with a frame table is cut at zstd frame boundaries (every range of the table holds
 * whole frames and whole lines), so one large file still spreads over every worker; files without a
 * table (the active file of a live capture, orphans after a crash, raw `.jsonl`) are one unit each.
 * Frames and files outside the time filter, and files whose index label counts rule the label
 * filter out, are not read at all.
 */

import type { Capture, CaptureFile, FrameEntry, IndexEntry } from '@logtap/capture';

/** What a scan needs to know about the filter to prune (a subset of the command's ToolFilter). */
export interface PruneFilter {
  readonly from: bigint | undefined;
  readonly to: bigint | undefined;
  mayMatchFile(ix: IndexEntry): boolean;
}

/** One piece of work: a whole data file, or some of its frames. Plain data (sent to workers). */
export interface ScanUnit {
  /** Position in scan order: files by name, frames by offset. */
  seq: number;
  /**
   * The file to read. For a frame unit its index line carries only this unit's frames (and no label
   * counts, which were used for pruning already), so the reader reads exactly those byte ranges.
   */
  file: CaptureFile;
  /** Estimated uncompressed bytes, for balancing and progress. */
  bytes: number;
}

export interface PlanOptions {
  /** Uncompressed bytes per unit to aim for (frames are never split). Default 8 MiB. */
  targetBytes?: number;
  /**
   * The last units covering about this many bytes are cut into single frames, so that threads taking
   * units from one queue run out of work within a frame of each other. Default 0.
   */
  fineTailBytes?: number;
}

/** Uncompressed / compressed ratio assumed for files whose index does not say (zstd on JSONL). */
const ASSUMED_RATIO = 8;

function overlaps(f: PruneFilter, from: bigint, to: bigint): boolean {
  return (f.from === undefined || to >= f.from) && (f.to === undefined || from <= f.to);
}

/** Compression ratio observed in the index, for estimating the size of files it does not list. */
function observedRatio(cap: Capture): number {
  let raw = 0;
  let packed = 0;
  for (const f of cap.files) {
    const c = f.index?.compressedBytes;
    if (f.compressed && c !== undefined && c > 0) {
      raw += f.index!.bytes;
      packed += c;
    }
  }
  return packed > 0 ? raw / packed : ASSUMED_RATIO;
}

function frameUnitFile(f: CaptureFile, ix: IndexEntry, frames: FrameEntry[]): CaptureFile {
  let lines = 0;
  let bytes = 0;
  let from = frames[0]!.from;
  let to = frames[0]!.to;
  for (const fr of frames) {
    lines += fr.lines;
    bytes += fr.bytes;
    if (fr.from < from) from = fr.from;
    if (fr.to > to) to = fr.to;
  }
  const index: IndexEntry = { file: ix.file, from, to, lines, bytes, frames };
  return { name: f.name, path: f.path, compressed: f.compressed, size: f.size, index };
}

/** Cuts a capture into scan units, in scan order, skipping what the filter rules out. */
export function planUnits(cap: Capture, filter: PruneFilter, opts: PlanOptions = {}): ScanUnit[] {
  const target = Math.max(1, opts.targetBytes ?? 8 << 20);
  const ratio = observedRatio(cap);
  const units: ScanUnit[] = [];
  const push = (file: CaptureFile, bytes: number) => units.push({ seq: units.length, file, bytes });
  for (const f of cap.files) {
    const ix = f.index;
    if (ix !== undefined && !filter.mayMatchFile(ix)) continue;
    const frames = ix?.frames;
    if (ix === undefined || !f.compressed || frames === undefined || frames.length === 0) {
      // No frame table: the whole file is one unit (the reader handles torn tails of live files).
      const bytes = ix?.bytes ?? (f.compressed ? Math.round(f.size * ratio) : f.size);
      const { name, path, compressed, size } = f;
      push(
        ix === undefined ? { name, path, compressed, size } : { name, path, compressed, size, index: ix },
        bytes,
      );
      continue;
    }
    let group: FrameEntry[] = [];
    let groupBytes = 0;
    for (const fr of frames) {
      if (!overlaps(filter, fr.from, fr.to)) continue;
      group.push(fr);
      groupBytes += fr.bytes;
      if (groupBytes >= target) {
        push(frameUnitFile(f, ix, group), groupBytes);
        group = [];
        groupBytes = 0;
      }
    }
    if (group.length > 0) push(frameUnitFile(f, ix, group), groupBytes);
  }
  return fineTail(units, opts.fineTailBytes ?? 0);
}

/** Splits the frame units at the end of `units` into one unit per frame (see PlanOptions.fineTailBytes). */
function fineTail(units: ScanUnit[], tailBytes: number): ScanUnit[] {
  if (tailBytes <= 0) return units;
  let from = units.length;
  for (let bytes = 0; from > 0 && bytes < tailBytes; ) bytes += units[--from]!.bytes;
  const out = units.slice(0, from);
  for (const u of units.slice(from)) {
    const ix = u.file.index;
    const frames = ix?.frames;
    if (!u.file.compressed || ix === undefined || frames === undefined || frames.length < 2) {
      out.push({ ...u, seq: out.length });
      continue;
    }
    for (const fr of frames)
      out.push({ seq: out.length, file: frameUnitFile(u.file, ix, [fr]), bytes: fr.bytes });
  }
  return out;
}

/**
 * A unit size that gives every worker about eight units, between 1 and 8 MiB: small enough that the
 * last units even out the workers' finishing times, large enough that the per-unit cost (opening
 * the file, a reader) stays negligible.
 */
export function unitTargetBytes(cap: Capture, jobs: number): number {
  const total = cap.indexedBytes + cap.files.filter((f) => !f.index).reduce((s, f) => s + f.size * 8, 0);
  const per = Math.floor(total / Math.max(1, jobs * 8));
  return Math.min(8 << 20, Math.max(1 << 20, per));
}

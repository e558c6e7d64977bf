/**
 * The scan behind slice, export and grep: the lines of a capture that pass a {@link ToolFilter}, in file
 * order, in bounded memory.
 *
 * Closed, indexed `.jsonl.zst` files (everything recv writes) take a fast path: their frame table says
 * which byte ranges can hold the time range, each range is decompressed in one call into a buffer sized
 * from the table, and
 * - a message pattern with required literals (regex.ts) is searched in the raw bytes with a native
 *   `indexOf`: only lines containing a literal are decoded and tested (most greps decode almost nothing);
 * - in raw mode (JSONL export) a range that the filter keeps whole is passed on as bytes, never decoded.
 * Everything else (the active file of a live capture, files a crash left unindexed, the Go original's
 * raw or table-less files) goes through @logtap/capture's reader, which handles torn and corrupt data.
 *
 * The pieces: scan-ranges.ts (planning and decompressing frame ranges), scanner.ts (parsing and filtering
 * canonical lines), scan-file.ts (the fast and the reader path of one file), scan-match.ts (scanMatches),
 * scan-context.ts (scanContext).
 */

import type { Capture, CaptureEntry } from '@logtap/capture/read';
import type { RecordBatch } from 'apache-arrow';
import type { ToolFilter } from './filter.js';
import { fastFile, mayRead, slowFile } from './scan-file.js';
import { fastPath, type Range } from './scan-ranges.js';
import { Scanner, type ScanOptions } from './scanner.js';

export type { ReadWarning } from '@logtap/capture/read';
export type { ScanOptions } from './scanner.js';

const NL = 0x0a;

/** Decoded entries of one file. `entries` share label objects (see CaptureEntry.labels). */
export interface EntryBatch {
  file: string;
  entries: CaptureEntry[];
}

/** Canonical JSONL of one file: `data` holds whole lines, each ending in `\n`. */
export interface RawBatch {
  file: string;
  data: Buffer;
  lines: number;
}

/**
 * The matching entries of a capture, a batch per decompressed range (about 1-4 MiB of data), in file
 * order. Damaged input is skipped and reported through `onWarning`.
 */
export async function* scanEntries(
  cap: Capture,
  filter: ToolFilter,
  opts: ScanOptions = {},
): AsyncGenerator<EntryBatch, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  // Entries hold strings copied out of the range: one output buffer serves every range.
  s.ranges.reuse = true;
  s.useTextUnlessPrefiltered();
  try {
    for (const f of cap.files) {
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) yield { file: f.name, entries };
        continue;
      }
      const onRange = (buf: Buffer, r: Range): EntryBatch | undefined => {
        const inside = filter.coversTime(r.from, r.to);
        const entries: CaptureEntry[] = [];
        s.lines(buf, (a, b) => {
          const e = s.entry(buf, a, b, inside);
          if (e === 0) return;
          if (e !== -1) {
            entries.push(e);
            return;
          }
          const d = s.decoder.decode(s.str(buf, a, b));
          if (d === undefined) s.invalid++;
          else if (s.keep(d, inside)) entries.push(d);
        });
        return entries.length > 0 ? { file: f.name, entries } : undefined;
      };
      yield* fastFile(s, f, onRange);
    }
  } finally {
    s.ranges.release();
  }
}

/**
 * The matching lines of a capture as Arrow record batches of `rows` rows (the last may be shorter), built
 * from the raw bytes of canonical lines where possible (see BatchBuilder). Yields nothing when nothing
 * matches.
 */
export async function* scanBatches(
  cap: Capture,
  filter: ToolFilter,
  rows: number,
  opts: ScanOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  // Loaded here, not at the top: apache-arrow takes ~70 ms to load, and grep, slice and triage (which
  // import this module) never build batches.
  const { BatchBuilder } = await import('./arrow.js');
  let builder = new BatchBuilder(rows);
  const done: RecordBatch[] = [];
  const push = (e: CaptureEntry): void => {
    builder.pushEntry(e);
    if (builder.full) {
      done.push(builder.finish());
      builder = new BatchBuilder(rows);
    }
  };
  for (const f of cap.files) {
    if (!mayRead(s, f)) continue;
    if (!fastPath(f)) {
      for await (const entries of slowFile(s, f)) {
        for (const e of entries) push(e);
        yield* done.splice(0);
      }
      continue;
    }
    const onRange = (buf: Buffer, r: Range): RecordBatch[] | undefined => {
      const inside = filter.coversTime(r.from, r.to);
      s.lines(buf, (a, b) => {
        const kept = s.rawRow(buf, a, b, inside, builder);
        if (kept === 1) {
          if (builder.full) {
            done.push(builder.finish());
            builder = new BatchBuilder(rows);
          }
          return;
        }
        if (kept === 0) return;
        const e = s.decoder.decode(s.str(buf, a, b));
        if (e === undefined) s.invalid++;
        else if (s.keep(e, inside)) push(e);
      });
      return done.length > 0 ? done.splice(0) : undefined;
    };
    for await (const batches of fastFile(s, f, onRange)) yield* batches;
  }
  if (builder.length > 0) yield builder.finish();
}

/** Receives what {@link scanRanges} reads. */
export interface RangeSink {
  /**
   * The decompressed bytes of a range of frames (whole lines, not filtered; the buffer is reused for the
   * next range, so nothing may keep it); `inside` when the filter's time range covers all of it. Returns how many lines were not capture entries (reported as a
   * `invalid_lines` warning).
   */
  range(buf: Buffer, inside: boolean): number;
  /** An entry of a file without a frame table (read by @logtap/capture's reader), the filter applied. */
  entry(e: CaptureEntry): void;
}

/**
 * The raw material of a scan, for consumers of every line that parse it themselves (triage): the
 * decompressed ranges of the frames the filter may need (corrupt ones salvaged and reported as the other
 * scans do), and for files without a frame table their filtered entries, in file order.
 */
export async function scanRanges(
  cap: Capture,
  filter: ToolFilter,
  sink: RangeSink,
  opts: ScanOptions = {},
): Promise<void> {
  const s = new Scanner(cap, filter, opts);
  s.ranges.reuse = true; // the sink is done with a range when it returns
  try {
    for (const f of cap.files) {
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) for (const e of entries) sink.entry(e);
        continue;
      }
      const onRange = (buf: Buffer, r: Range): undefined => {
        s.invalid += sink.range(buf, filter.coversTime(r.from, r.to));
        return undefined;
      };
      for await (const _ of fastFile<never>(s, f, onRange)) {
        // Nothing is yielded: the sink had every range.
      }
    }
  } finally {
    s.ranges.release();
  }
}

/**
 * The matching lines of a capture as canonical JSONL bytes, in file order. Ranges the filter keeps whole
 * are passed through undecoded; other lines are decoded, tested and copied as written.
 */
export async function* scanRaw(
  cap: Capture,
  filter: ToolFilter,
  opts: ScanOptions = {},
): AsyncGenerator<RawBatch, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  const keepsLabels = filter.labels.length === 0;
  for (const f of cap.files) {
    if (!mayRead(s, f)) continue;
    if (!fastPath(f)) {
      for await (const entries of slowFile(s, f)) {
        const text = entries.map((e) => s.encoder.encode(e)).join('');
        yield { file: f.name, data: Buffer.from(text, 'utf8'), lines: entries.length };
      }
      continue;
    }
    const onRange = (buf: Buffer, r: Range): RawBatch | undefined => {
      const inside = filter.coversTime(r.from, r.to);
      if (inside && keepsLabels && !s.applyMsg) {
        // The whole range passes: hand the decompressed bytes on (our writer only writes whole lines).
        let lines = 0;
        for (let p = buf.indexOf(NL); p >= 0; p = buf.indexOf(NL, p + 1)) lines++;
        if (buf.length > 0 && buf[buf.length - 1] !== NL) lines++;
        if (lines === 0) return undefined;
        return {
          file: f.name,
          data: buf[buf.length - 1] === NL ? buf : Buffer.concat([buf, Buffer.from('\n')]),
          lines,
        };
      }
      const parts: Buffer[] = [];
      let lines = 0;
      const quick = s.quick(inside);
      s.lines(buf, (a, b) => {
        if (quick && s.quickReject(buf, a, b, inside)) return;
        const e = s.decoder.decode(s.str(buf, a, b));
        if (e === undefined) s.invalid++;
        else if (s.keep(e, inside)) {
          // Include the newline when there is one (there is, except at a torn end).
          parts.push(
            b < buf.length ? buf.subarray(a, b + 1) : Buffer.concat([buf.subarray(a, b), Buffer.from('\n')]),
          );
          lines++;
        }
      });
      return lines > 0 ? { file: f.name, data: Buffer.concat(parts), lines } : undefined;
    };
    yield* fastFile(s, f, onRange);
  }
}

/** scanContext: grep -C's scan, every line passing the time and label filters marked match or not. */

import type { Capture, CaptureEntry } from '@logtap/capture/read';
import type { ToolFilter } from './filter.js';
import { fastFile, mayRead, slowFile } from './scan-file.js';
import { fastPath, type Range } from './scan-ranges.js';
import { type LineParts, Scanner, type ScanOptions } from './scanner.js';

/**
 * Receives the rows of {@link scanContext}: every line that passes the time and label filters, in file
 * order, with whether its message matches. Canonical lines come as offsets into the current range and
 * are not validated (a line without one of the pattern's literals is not even read): the sink reads the
 * few it prints through {@link RangeLines}, and a line that turns out not to be an entry is no row.
 */
export interface ContextSink {
  /** A new range (or reader batch, then `buf` is empty) of `file`; `lines` reads its lines. */
  range(file: string, buf: Buffer, lines: RangeLines): void;
  /** A canonical-looking line `buf[a, b)` of the range (no newline). */
  row(a: number, b: number, match: boolean): void;
  /** A line decoded by the scan (not in the canonical form, or from a file without a frame table). */
  entry(e: CaptureEntry, match: boolean): void;
  /** The range is done: its buffer is overwritten by the next one. */
  endRange(): void;
  /** True once no more rows are wanted (grep --max-count): the scan stops. */
  readonly full: boolean;
}

/** Reads lines of the current range of {@link scanContext} for a sink that prints them. */
export interface RangeLines {
  /** The range as a latin1 string when it is ASCII (see RawGrepWriter.range). */
  readonly text: string | undefined;
  /**
   * Reads the canonical line `buf[a, b)` for printing: true when its parts, labels and message are ready
   * in {@link parts}, {@link matchedLabels} and {@link matchedMsg} (until the next read); false when the
   * line is not in the canonical form ({@link decodeRow} judges it).
   */
  load(buf: Buffer, a: number, b: number): boolean;
  readonly parts: Readonly<LineParts>;
  readonly matchedLabels: Readonly<Record<string, string>>;
  readonly matchedMsg: string;
  /** The entry of the line {@link load} just read, or -1 when its time or meta is not valid. */
  built(buf: Buffer, a: number, b: number): CaptureEntry | -1;
  /** The entry of a line decoded the ordinary way; undefined (and counted as invalid) when it is none. */
  decodeRow(buf: Buffer, a: number, b: number): CaptureEntry | undefined;
}

/**
 * The lines that pass the time and label filters, each marked with whether its message matches
 * `filter.msg`, handed to `sink` (grep -C: every line may be printed as context, few are). Lines without
 * one of the pattern's literals are marked without reading their message; nothing is decoded unless the
 * line is not canonical. Yields after each range or reader batch, so that the caller can write its output
 * with backpressure.
 */
export async function* scanContext(
  cap: Capture,
  filter: ToolFilter,
  sink: ContextSink,
  opts: ScanOptions = {},
): AsyncGenerator<void, void, undefined> {
  const msg = filter.msg;
  if (msg === undefined) throw new TypeError('scanContext needs a filter with a message pattern');
  const s = new Scanner(cap, filter, { ...opts, applyMsg: false });
  s.useText = true; // every line is visited
  // The sink is done with a range's bytes when endRange returns (it copies what it keeps).
  s.ranges.reuse = true;
  const empty = Buffer.alloc(0);
  try {
    for (const f of cap.files) {
      if (sink.full) return;
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) {
          sink.range(f.name, empty, s);
          for (const e of entries) {
            if (sink.full) break;
            sink.entry(e, msg.test(e.msg));
          }
          sink.endRange();
          yield;
          if (sink.full) return;
        }
        continue;
      }
      const onRange = (buf: Buffer, r: Range): true => {
        const inside = filter.coversTime(r.from, r.to);
        sink.range(f.name, buf, s);
        s.allLines(buf, (a, b, candidate) => {
          if (sink.full) return;
          const m = s.row(buf, a, b, inside, candidate);
          if (m === -2) return;
          if (m !== -1) {
            sink.row(a, b, m === 1);
            return;
          }
          const e = s.decoder.decode(s.str(buf, a, b));
          if (e === undefined) s.invalid++;
          else if ((inside || filter.matchTime(e.ts)) && filter.matchLabels(e.labels))
            sink.entry(e, msg.test(e.msg));
        });
        sink.endRange();
        return true;
      };
      for await (const _ of fastFile(s, f, onRange)) {
        yield;
        if (sink.full) return;
      }
    }
  } finally {
    s.ranges.release();
  }
}

/** scanMatches: grep's scan without context, handing matching raw lines to a sink. */

import type { Capture, CaptureEntry } from '@logtap/capture/read';
import type { ToolFilter } from './filter.js';
import { fastFile, mayRead, slowFile } from './scan-file.js';
import { fastPath, type Range } from './scan-ranges.js';
import { type LineParts, Scanner, type ScanOptions } from './scanner.js';

/** The message of the line a scan just matched (see MatchSink.line). */
export interface MatchedMessage {
  readonly matchedMsg: string;
}

/** Receives the matching lines of {@link scanMatches}. */
export interface MatchSink {
  /**
   * A new decompressed range of `file`: the lines that follow are in `buf` (overwritten after the next
   * yield of the scan); `text` is its latin1 string when the range is ASCII and the scan made one.
   */
  range(file: string, buf: Buffer, text: string | undefined): void;
  /**
   * A matching canonical line `buf[a, b)` (no newline) with its parts, shared labels object and message
   * (unescaped, built on first read: most lines are written from their bytes). Returns false when the
   * sink cannot use the raw line: it is then built into an entry and passed to {@link entry}.
   */
  line(
    a: number,
    b: number,
    parts: Readonly<LineParts>,
    labels: Readonly<Record<string, string>>,
    msg: MatchedMessage,
  ): boolean;
  /** A matching entry: a line not in the canonical form, or any line of a file without a frame table. */
  entry(file: string, e: CaptureEntry): void;
  /** True once no more lines are wanted (grep --max-count): the scan stops. */
  readonly full: boolean;
}

/**
 * The matching lines of a capture, in file order, handed to `sink` without building an entry for
 * canonical lines (grep writes them from the raw bytes). Yields after each range or reader batch that
 * gave the sink something, so that the caller can write its output with backpressure.
 */
export async function* scanMatches(
  cap: Capture,
  filter: ToolFilter,
  sink: MatchSink,
  opts: ScanOptions = {},
): AsyncGenerator<void, void, undefined> {
  const s = new Scanner(cap, filter, opts);
  // The sink is done with a range's bytes before the next range is read.
  s.ranges.reuse = true;
  s.useTextUnlessPrefiltered();
  try {
    for (const f of cap.files) {
      if (sink.full) return;
      if (!mayRead(s, f)) continue;
      if (!fastPath(f)) {
        for await (const entries of slowFile(s, f)) {
          for (const e of entries) {
            if (sink.full) break;
            sink.entry(f.name, e);
          }
          yield;
          if (sink.full) return;
        }
        continue;
      }
      const onRange = (buf: Buffer, r: Range): true | undefined => {
        const inside = filter.coversTime(r.from, r.to);
        let any = false;
        sink.range(f.name, buf, s.text);
        s.lines(buf, (a, b) => {
          if (sink.full) return;
          const m = s.match(buf, a, b, inside);
          if (m === 0) return;
          any = true;
          if (m === 1) {
            if (sink.line(a, b, s.parts, s.matchedLabels, s)) return;
            const e = s.built(buf, a, b);
            if (e !== -1) {
              sink.entry(f.name, e);
              return;
            }
          }
          const d = s.decoder.decode(s.str(buf, a, b));
          if (d === undefined) s.invalid++;
          else if (s.keep(d, inside)) sink.entry(f.name, d);
        });
        return any ? true : undefined;
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

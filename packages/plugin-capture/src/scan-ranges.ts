/**
 * Planning and decompressing the frame ranges of an indexed `.jsonl.zst` file: which byte ranges of its
 * frame table can hold the filter's time range, merged up to RANGE_BYTES, each decompressed in one call.
 */

import type { FileHandle } from 'node:fs/promises';
import type { CaptureFile, FrameEntry } from '@logtap/capture/read';
import binding from 'zstd-napi/binding.js';
import type { ToolFilter } from './filter.js';

/** Uncompressed bytes per decompressed range at most (frames are grouped up to this). */
const RANGE_BYTES = 4 << 20;

/** A group of consecutive frames read and decompressed together. */
export interface Range {
  offset: number;
  length: number;
  bytes: number;
  from: bigint;
  to: bigint;
  /** The frame-table entries merged into this range (re-read one by one when the range is corrupt). */
  parts: FrameEntry[];
}

/** Ranges of a file's frame table that overlap the filter's time range, merged up to RANGE_BYTES. */
export function frameRanges(frames: readonly FrameEntry[], filter: ToolFilter): Range[] {
  const out: Range[] = [];
  for (const fr of frames) {
    if (
      (filter.from !== undefined && fr.to < filter.from) ||
      (filter.to !== undefined && fr.from > filter.to)
    )
      continue;
    const last = out[out.length - 1];
    if (
      last !== undefined &&
      last.offset + last.length === fr.offset &&
      last.bytes + fr.bytes <= RANGE_BYTES
    ) {
      last.length += fr.length;
      last.bytes += fr.bytes;
      if (fr.from < last.from) last.from = fr.from;
      if (fr.to > last.to) last.to = fr.to;
      last.parts.push(fr);
    } else {
      out.push({
        offset: fr.offset,
        length: fr.length,
        bytes: fr.bytes,
        from: fr.from,
        to: fr.to,
        parts: [fr],
      });
    }
  }
  return out;
}

export function fastPath(f: CaptureFile): boolean {
  return f.compressed && f.index?.frames !== undefined && f.index.frames.length > 0;
}

/** Output buffers of finished reuse-mode scans (see RangeReader.reuse); each scan takes its own. */
const spareOut: Buffer[] = [];

/** Reads and decompresses ranges of one file. */
export class RangeReader {
  readonly #dctx = new binding.DCtx();
  #in = Buffer.allocUnsafe(1 << 20);
  /**
   * Decompress every range into one buffer, overwritten by the next read (for consumers that are done
   * with a range when they return, see {@link scanRanges}): a fresh 4 MiB buffer per range is external
   * memory that makes V8 run a full GC every few ranges.
   */
  reuse = false;
  #out: Buffer | undefined;

  /** Hands the reused buffer to the next reuse-mode scan of this thread (triage reads unit after unit). */
  release(): void {
    if (this.#out !== undefined && spareOut.length < 2) spareOut.push(this.#out);
    this.#out = undefined;
  }

  /** Decompressed bytes of a range (a fresh buffer unless `reuse`: raw batches hand it on), or an error message. */
  async read(fh: FileHandle, r: Range): Promise<Buffer | string> {
    if (this.#in.length < r.length) this.#in = Buffer.allocUnsafe(r.length);
    const src = this.#in.subarray(0, r.length);
    let got = 0;
    while (got < r.length) {
      const { bytesRead } = await fh.read(src, got, r.length - got, r.offset + got);
      if (bytesRead <= 0) return `the file ends at byte ${r.offset + got}, inside a frame`;
      got += bytesRead;
    }
    if (this.reuse) this.#out ??= spareOut.pop();
    let out =
      this.reuse && this.#out !== undefined && this.#out.length >= r.bytes + 64
        ? this.#out
        : Buffer.allocUnsafe(r.bytes + 64);
    let produced = 0;
    let pos = 0;
    this.#dctx.reset(binding.ResetDirective.sessionOnly);
    try {
      for (;;) {
        if (produced === out.length) {
          const bigger = Buffer.allocUnsafe(out.length * 2);
          out.copy(bigger, 0, 0, produced);
          out = bigger;
        }
        const [ret, p, c] = this.#dctx.decompressStream(out.subarray(produced), src.subarray(pos));
        produced += p;
        pos += c;
        if (pos >= src.length && (ret === 0 || produced < out.length)) {
          if (ret !== 0) return 'the range ends inside a frame';
          break;
        }
        if (p === 0 && c === 0 && produced < out.length) return 'the decoder made no progress';
      }
    } catch (err) {
      return (err as Error).message;
    }
    if (this.reuse) this.#out = out;
    return out.subarray(0, produced);
  }
}

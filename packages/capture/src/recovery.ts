/**
 * Crash recovery of one unindexed data file (run by the writer when it reopens a directory): decode it
 * frame by frame, keep every complete frame, cut a torn final frame (rewriting the complete lines it still
 * held as a fresh frame), and compute the index entry. Raw `.jsonl` files left by the original are
 * compressed into a `.jsonl.zst` with a frame table.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { FILE_MODE, writeAllSync } from './disk.js';
import { EntryDecoder } from './entry-codec.js';
import { FileStats, FrameStats } from './file-stats.js';
import { LineSplitter } from './lines.js';
import type { IndexEntry } from './schema.js';
import { FrameCompressor, FrameDecoder } from './zstd.js';

const READ_CHUNK = 1 << 20;
/** Complete lines of a torn frame held for rewriting; beyond this they are dropped (and counted). */
const MAX_SALVAGE_BYTES = 64 << 20;

export interface RecoveryOptions {
  zstdLevel: number;
  seekBytes: number;
  flushBytes: number;
  maxValuesPerKey: number;
  maxLineBytes: number;
}

/** What recovery did to one file. */
export interface RecoveredFile {
  /** Name before recovery. */
  original: string;
  /** Name after recovery (a raw `.jsonl` becomes `.jsonl.zst`). */
  name: string;
  /** Index entry; undefined when nothing intact remained and the file was deleted. */
  entry?: IndexEntry;
  /** Size on disk after recovery (0 when deleted). */
  size: number;
  /** Compressed bytes cut from the end (torn or corrupt frame, or trailing garbage). */
  truncatedBytes: number;
  /** Complete lines rescued from the torn frame and written back as a new frame. */
  salvagedLines: number;
  /** Bytes of a partial last line that were lost. */
  lostBytes: number;
  /** Complete lines of a torn frame that did not fit the salvage buffer and were lost. */
  lostLines: number;
  /** Lines that are not valid entries (kept in the file, skipped by readers). */
  invalidLines: number;
  /** True when the file was corrupt before its end (frames after the damage are lost). */
  corrupt: boolean;
}

/** Recovers `<dir>/<name>` in place. Throws only on I/O errors (not on damaged content). */
export function recoverDataFile(dir: string, name: string, opts: RecoveryOptions): RecoveredFile {
  return name.endsWith('.zst') ? recoverCompressed(dir, name, opts) : convertRaw(dir, name, opts);
}

function recoverCompressed(dir: string, name: string, opts: RecoveryOptions): RecoveredFile {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'r+');
  try {
    const size = fs.fstatSync(fd).size;
    const stats = new FileStats(opts.seekBytes, opts.maxValuesPerKey);
    const decoder = new FrameDecoder();
    const splitter = new LineSplitter(opts.maxLineBytes);
    const entries = new EntryDecoder();
    let frame = new FrameStats();
    let frameLines: string[] = [];
    let frameLineBytes = 0;
    let lastEnd = 0;
    let invalid = 0;
    let overflowLines = 0;
    const onLine = (line: string): void => {
      const bytes = Buffer.byteLength(line) + 1;
      const e = entries.decode(line);
      if (e === undefined) {
        invalid++;
        frame.bytes += bytes;
        return;
      }
      frame.add(e.ts, e.labels, bytes);
      if (frameLineBytes + bytes <= MAX_SALVAGE_BYTES) {
        frameLines.push(line);
        frameLineBytes += bytes;
      } else {
        overflowLines++;
      }
    };
    const sink = {
      data: (chunk: Buffer) => splitter.push(chunk, onLine),
      frameEnd: (offset: number) => {
        if (frame.lines > 0 || frame.bytes > 0) stats.addFrame(frame, lastEnd, offset - lastEnd);
        else if (stats.frames.length > 0) stats.compressed = offset; // an empty (or skippable) frame
        frame = new FrameStats();
        frameLines = [];
        frameLineBytes = 0;
        overflowLines = 0;
        lastEnd = offset;
      },
    };
    let corrupt = false;
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (let pos = 0; pos < size; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(READ_CHUNK, size - pos), pos);
      if (n <= 0) break;
      pos += n;
      try {
        decoder.push(buf.subarray(0, n), sink);
      } catch {
        corrupt = true; // damaged bytes: keep what decoded up to the last complete frame
        break;
      }
    }
    const torn = corrupt || decoder.inFrame || lastEnd < size;
    const result: RecoveredFile = {
      original: name,
      name,
      size,
      truncatedBytes: 0,
      salvagedLines: 0,
      lostBytes: 0,
      lostLines: 0,
      invalidLines: invalid,
      corrupt,
    };
    if (torn) {
      result.lostBytes = splitter.reset();
      result.truncatedBytes = size - lastEnd;
      fs.ftruncateSync(fd, lastEnd);
      let end = lastEnd;
      if (frameLines.length > 0) {
        // Rewrite the complete lines the torn frame still held as one new, whole frame.
        const salvage = new FrameStats();
        for (const line of frameLines) {
          const e = entries.decode(line)!; // decoded once already
          salvage.add(e.ts, e.labels, Buffer.byteLength(line) + 1);
        }
        const c = new FrameCompressor(opts.zstdLevel);
        c.write(Buffer.from(`${frameLines.join('\n')}\n`));
        const bytes = c.end();
        writeAllSync(fd, bytes, lastEnd);
        stats.addFrame(salvage, lastEnd, bytes.length);
        result.salvagedLines = frameLines.length;
        end = lastEnd + bytes.length;
      }
      result.lostLines = overflowLines;
      result.size = end;
      fs.fsyncSync(fd);
    }
    if (stats.lines === 0) {
      fs.closeSync(fd);
      fs.unlinkSync(file);
      result.size = 0;
      return result;
    }
    stats.compressed = result.size;
    result.entry = stats.toIndexEntry(name);
    return result;
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed on the delete path.
    }
  }
}

/** Compresses a raw `.jsonl` (the original's active file) into `<name>.zst` with a frame table. */
function convertRaw(dir: string, name: string, opts: RecoveryOptions): RecoveredFile {
  const src = path.join(dir, name);
  const outName = `${name}.zst`;
  const dst = path.join(dir, outName);
  const inFd = fs.openSync(src, 'r');
  const outFd = fs.openSync(dst, 'w', FILE_MODE);
  const result: RecoveredFile = {
    original: name,
    name: outName,
    size: 0,
    truncatedBytes: 0,
    salvagedLines: 0,
    lostBytes: 0,
    lostLines: 0,
    invalidLines: 0,
    corrupt: false,
  };
  try {
    const stats = new FileStats(opts.seekBytes, opts.maxValuesPerKey);
    const compressor = new FrameCompressor(opts.zstdLevel);
    const splitter = new LineSplitter(opts.maxLineBytes);
    const entries = new EntryDecoder();
    let frame = new FrameStats();
    let offset = 0;
    const endFrame = (): void => {
      if (compressor.inputBytes === 0) return;
      const bytes = compressor.end();
      writeAllSync(outFd, bytes, offset);
      stats.addFrame(frame, offset, bytes.length);
      offset += bytes.length;
      frame = new FrameStats();
    };
    const onLine = (line: string): void => {
      const e = entries.decode(line);
      const bytes = Buffer.from(`${line}\n`);
      if (e === undefined) {
        result.invalidLines++;
        return; // not an entry: dropped while converting
      }
      compressor.write(bytes);
      frame.add(e.ts, e.labels, bytes.length);
      if (compressor.inputBytes >= opts.flushBytes) endFrame();
    };
    const size = fs.fstatSync(inFd).size;
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (let pos = 0; pos < size; ) {
      const n = fs.readSync(inFd, buf, 0, Math.min(READ_CHUNK, size - pos), pos);
      if (n <= 0) break;
      pos += n;
      splitter.push(buf.subarray(0, n), onLine);
    }
    result.lostBytes = splitter.reset();
    endFrame();
    fs.fsyncSync(outFd);
    fs.closeSync(outFd);
    fs.closeSync(inFd);
    fs.unlinkSync(src);
    if (stats.lines === 0) {
      fs.unlinkSync(dst);
      return result;
    }
    result.size = offset;
    stats.compressed = offset;
    result.entry = stats.toIndexEntry(outName);
    return result;
  } catch (err) {
    for (const fd of [inFd, outFd]) {
      try {
        fs.closeSync(fd);
      } catch {
        // Closed already.
      }
    }
    throw err;
  }
}

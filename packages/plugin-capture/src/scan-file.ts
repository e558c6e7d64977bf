/**
 * The two ways a scan reads a file: the fast path over the frame ranges of an indexed file (scan-ranges.ts),
 * and @logtap/capture's reader for everything else.
 */

import { type FileHandle, open } from 'node:fs/promises';
import {
  type Capture,
  type CaptureEntry,
  type CaptureFile,
  type ReadWarning,
  readEntryBatches,
} from '@logtap/capture/read';
import { frameRanges, type Range } from './scan-ranges.js';
import type { Scanner } from './scanner.js';

export async function* fastFile<T>(
  s: Scanner,
  f: CaptureFile,
  onRange: (buf: Buffer, r: Range) => T | undefined,
): AsyncGenerator<T> {
  let fh: FileHandle;
  try {
    fh = await open(f.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      s.warn({ file: f.name, kind: 'missing', detail: 'evicted or removed before it could be read' });
      return;
    }
    throw err;
  }
  try {
    const queue = frameRanges(f.index!.frames!, s.filter);
    for (let i = 0; i < queue.length; i++) {
      const r = queue[i]!;
      s.opts.signal?.throwIfAborted();
      const buf = await s.ranges.read(fh, r);
      if (typeof buf === 'string') {
        if (r.parts.length > 1) {
          // Salvage the intact frames: retry the merged range one frame-table entry at a time.
          queue.splice(i + 1, 0, ...r.parts.map((p) => ({ ...p, parts: [p] })));
          continue;
        }
        s.warn({
          file: f.name,
          kind: 'corrupt',
          detail: `bytes ${r.offset}..${r.offset + r.length}: ${buf}; skipped`,
        });
        continue;
      }
      s.setRange(buf);
      const out = onRange(buf, r);
      s.progress(r.bytes);
      if (out !== undefined) yield out;
    }
  } finally {
    await fh.close();
  }
  if (s.invalid > 0) {
    s.warn({ file: f.name, kind: 'invalid_lines', detail: `${s.invalid} line(s) are not capture entries` });
    s.invalid = 0;
  }
}

/** Entries of a file through @logtap/capture's reader (orphans, raw files, files without a frame table). */
export async function* slowFile(s: Scanner, f: CaptureFile): AsyncGenerator<CaptureEntry[]> {
  const one: Capture = { ...s.cap, files: [f], live: false };
  const time = {
    ...(s.filter.from !== undefined ? { from: s.filter.from } : {}),
    ...(s.filter.to !== undefined ? { to: s.filter.to } : {}),
  };
  const opts = {
    catchUp: false,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
    onWarning: (w: ReadWarning) => s.warn(w),
  };
  for await (const batch of readEntryBatches(one, time, opts)) {
    let bytes = 0;
    const kept: CaptureEntry[] = [];
    for (const e of batch) {
      bytes += e.msg.length + 64;
      if (s.keep(e, true)) kept.push(e);
    }
    s.progress(bytes);
    if (kept.length > 0) yield kept;
  }
}

export function mayRead(s: Scanner, f: CaptureFile): boolean {
  return f.index === undefined || s.filter.mayMatchFile(f.index);
}

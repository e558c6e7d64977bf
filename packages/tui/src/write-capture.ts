import { stat } from 'node:fs/promises';
import { TuiError } from './errors.js';
import type { TuiEntry } from './line.js';

/** The part of @logtap/capture's CaptureWriter that `w` needs. */
export interface CaptureWriterLike {
  append(entries: readonly TuiEntry[]): boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** `w` was given a directory that already exists. */
export class WriteTargetExistsError extends TuiError {
  override readonly code = 'TUI_WRITE_TARGET_EXISTS';
  constructor(readonly dir: string) {
    super(`${dir} already exists: choose a new directory (a capture is never appended to or overwritten)`);
  }
}

/**
 * Writes entries as a new capture directory through `open` (the command passes CaptureWriter.open).
 * Refuses an existing directory; appends in chunks, letting the writer catch up when its pending-bytes
 * bound is reached; always closes the writer (final frame, index, metadata).
 */
export async function writeEntriesAsCapture(
  open: (dir: string) => Promise<CaptureWriterLike>,
  dir: string,
  entries: readonly TuiEntry[],
): Promise<{ dir: string; lines: number }> {
  const exists = await stat(dir).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  if (exists) throw new WriteTargetExistsError(dir);
  const writer = await open(dir);
  try {
    const CHUNK = 1000;
    for (let i = 0; i < entries.length; i += CHUNK) {
      // Fresh label objects: the writer may keep them while the view keeps its own.
      const chunk = entries
        .slice(i, i + CHUNK)
        .map((e) => ({ ts: e.ts, labels: { ...e.labels }, msg: e.msg }));
      while (!writer.append(chunk)) await writer.flush();
    }
  } finally {
    await writer.close();
  }
  return { dir, lines: entries.length };
}

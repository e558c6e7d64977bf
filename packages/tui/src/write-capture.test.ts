import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { TuiEntry } from './line.js';
import { type CaptureWriterLike, WriteTargetExistsError, writeEntriesAsCapture } from './write-capture.js';

/** A writer that refuses every other append until flushed, like a full pending-bytes bound. */
class MemoryWriter implements CaptureWriterLike {
  got: TuiEntry[] = [];
  full = false;
  flushes = 0;
  closed = false;
  append(entries: readonly TuiEntry[]): boolean {
    if (this.full) return false;
    this.got.push(...entries);
    this.full = true;
    return true;
  }
  async flush(): Promise<void> {
    this.flushes++;
    this.full = false;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('writeEntriesAsCapture', () => {
  it('writes every entry in order through a writer that pushes back, then closes it', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tui-w-'));
    try {
      const w = new MemoryWriter();
      const entries = Array.from({ length: 2500 }, (_, i) => ({
        ts: BigInt(i),
        labels: { app: 'a' },
        msg: `m${i}`,
      }));
      const r = await writeEntriesAsCapture(async () => w, join(base, 'out'), entries);
      expect(r).toEqual({ dir: join(base, 'out'), lines: 2500 });
      expect(w.got.map((e) => e.msg)).toEqual(entries.map((e) => e.msg));
      expect(w.flushes).toBe(2);
      expect(w.closed).toBe(true);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
  it('refuses an existing directory without opening a writer', async () => {
    const base = await mkdtemp(join(tmpdir(), 'tui-w-'));
    try {
      let opened = false;
      await expect(
        writeEntriesAsCapture(
          async () => {
            opened = true;
            return new MemoryWriter();
          },
          base,
          [],
        ),
      ).rejects.toBeInstanceOf(WriteTargetExistsError);
      expect(opened).toBe(false);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

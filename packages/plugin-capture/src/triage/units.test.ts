import { describe, expect, it } from '@jest/globals';
import type { Capture, CaptureFile, FrameEntry, IndexEntry } from '@logtap/capture';
import { planUnits, unitTargetBytes } from './units.js';

const MiB = 1 << 20;

function frames(n: number, bytes: number, t0: bigint): FrameEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    offset: i * 1000,
    length: 1000,
    from: t0 + BigInt(i) * 10n,
    to: t0 + BigInt(i) * 10n + 9n,
    lines: 100,
    bytes,
  }));
}

function closed(name: string, fr: FrameEntry[], labels?: IndexEntry['labels']): CaptureFile {
  const index: IndexEntry = {
    file: name,
    from: fr[0]!.from,
    to: fr[fr.length - 1]!.to,
    lines: fr.length * 100,
    bytes: fr.reduce((s, f) => s + f.bytes, 0),
    compressedBytes: fr.length * 1000,
    frames: fr,
  };
  if (labels) index.labels = labels;
  return { name, path: `/cap/${name}`, compressed: true, size: fr.length * 1000, index };
}

function capture(files: CaptureFile[]): Capture {
  const index = files.flatMap((f) => (f.index ? [f.index] : []));
  return {
    dir: '/cap',
    index,
    files,
    missing: [],
    live: files.some((f) => !f.index),
    indexedLines: index.reduce((s, i) => s + i.lines, 0),
    indexedBytes: index.reduce((s, i) => s + i.bytes, 0),
    diskBytes: 0,
    warnings: [],
  };
}

const all = { from: undefined, to: undefined, mayMatchFile: () => true };

describe('planUnits', () => {
  it('cuts files at frame-table entries up to the target size, in file and offset order', () => {
    const cap = capture([
      closed('a.jsonl.zst', frames(10, MiB, 0n)),
      closed('b.jsonl.zst', frames(3, MiB, 1000n)),
    ]);
    const units = planUnits(cap, all, { targetBytes: 4 * MiB });
    expect(units.map((u) => [u.file.name, u.file.index!.frames!.map((f) => f.offset), u.bytes])).toEqual([
      ['a.jsonl.zst', [0, 1000, 2000, 3000], 4 * MiB],
      ['a.jsonl.zst', [4000, 5000, 6000, 7000], 4 * MiB],
      ['a.jsonl.zst', [8000, 9000], 2 * MiB],
      ['b.jsonl.zst', [0, 1000, 2000], 3 * MiB],
    ]);
    expect(units.map((u) => u.seq)).toEqual([0, 1, 2, 3]);
    // A unit's index line describes its frames only, without label counts (pruning was done).
    expect(units[1]!.file.index).toMatchObject({ from: 40n, to: 79n, lines: 400, bytes: 4 * MiB });
    expect(units[1]!.file.index!.labels).toBeUndefined();
  });

  it('cuts the last units into single frames with fineTailBytes, keeping every frame once, in order', () => {
    const cap = capture([
      closed('a.jsonl.zst', frames(10, MiB, 0n)),
      closed('b.jsonl.zst', frames(3, MiB, 1000n)),
    ]);
    const units = planUnits(cap, all, { targetBytes: 4 * MiB, fineTailBytes: 4 * MiB });
    // The tail reaches back over b (3 MiB) into a's last unit (2 MiB): both become single frames.
    expect(units.map((u) => [u.file.name, u.file.index!.frames!.map((f) => f.offset), u.bytes])).toEqual([
      ['a.jsonl.zst', [0, 1000, 2000, 3000], 4 * MiB],
      ['a.jsonl.zst', [4000, 5000, 6000, 7000], 4 * MiB],
      ['a.jsonl.zst', [8000], MiB],
      ['a.jsonl.zst', [9000], MiB],
      ['b.jsonl.zst', [0], MiB],
      ['b.jsonl.zst', [1000], MiB],
      ['b.jsonl.zst', [2000], MiB],
    ]);
    expect(units.map((u) => u.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(units[3]!.file.index).toMatchObject({ from: 90n, to: 99n, lines: 100, bytes: MiB });
    // A tail larger than the capture cuts everything; files without a frame table stay whole.
    const live: CaptureFile = { name: 'c.jsonl.zst', path: '/cap/c.jsonl.zst', compressed: true, size: 5000 };
    const whole = planUnits(capture([closed('a.jsonl.zst', frames(3, MiB, 0n)), live]), all, {
      targetBytes: 8 * MiB,
      fineTailBytes: 1 << 30,
    });
    expect(whole.map((u) => [u.file.name, u.file.index?.frames?.length])).toEqual([
      ['a.jsonl.zst', 1],
      ['a.jsonl.zst', 1],
      ['a.jsonl.zst', 1],
      ['c.jsonl.zst', undefined],
    ]);
  });

  it('skips frames outside the time filter and files the filter rules out', () => {
    const a = closed('a.jsonl.zst', frames(10, MiB, 0n));
    const b = closed('b.jsonl.zst', frames(3, MiB, 1000n));
    const cap = capture([a, b]);
    const filter = { from: 25n, to: 54n, mayMatchFile: (ix: IndexEntry) => ix.file === 'a.jsonl.zst' };
    const units = planUnits(cap, filter, { targetBytes: 64 * MiB });
    expect(units).toHaveLength(1);
    expect(units[0]!.file.index!.frames!.map((f) => f.offset)).toEqual([2000, 3000, 4000, 5000]);
  });

  it('reads files without a frame table whole, estimating their size from the observed ratio', () => {
    const a = closed('a.jsonl.zst', frames(2, 8000, 0n)); // 16000 bytes in 2000 on disk: ratio 8
    const orphan: CaptureFile = {
      name: 'c.jsonl.zst',
      path: '/cap/c.jsonl.zst',
      compressed: true,
      size: 500,
    };
    const raw: CaptureFile = { name: 'd.jsonl', path: '/cap/d.jsonl', compressed: false, size: 700 };
    const units = planUnits(capture([a, orphan, raw]), all, { targetBytes: 1 });
    expect(units.map((u) => [u.file.name, u.file.index?.frames?.length ?? 'whole', u.bytes])).toEqual([
      ['a.jsonl.zst', 1, 8000],
      ['a.jsonl.zst', 1, 8000],
      ['c.jsonl.zst', 'whole', 4000],
      ['d.jsonl', 'whole', 700],
    ]);
    expect(units[2]!.file.index).toBeUndefined();
  });

  it('sizes units so that every worker gets several, within 1..8 MiB', () => {
    const big = capture([closed('a.jsonl.zst', frames(400, MiB, 0n))]);
    expect(unitTargetBytes(big, 2)).toBe(8 * MiB);
    expect(unitTargetBytes(big, 8)).toBe(6.25 * MiB);
    const small = capture([closed('a.jsonl.zst', frames(4, MiB, 0n))]);
    expect(unitTargetBytes(small, 4)).toBe(MiB);
  });
});

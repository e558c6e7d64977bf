import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { openCapture } from './capture.js';
import { type EncodedBatch, EncodedBatchBuilder } from './encoded-batch.js';
import { type CaptureEntry, EntryEncoder } from './entry-codec.js';
import { InvalidEntryError, WriterClosedError } from './errors.js';
import { readEntries } from './reader.js';
import { corpusEntries } from './test-helpers/corpus.js';
import { bigMax, bigMin, dataFiles, fileText } from './test-helpers/inspect.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import { CaptureWriter } from './writer.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
});

async function readAll(d = dir): Promise<CaptureEntry[]> {
  const out: CaptureEntry[] = [];
  for await (const e of readEntries(d)) out.push(e);
  return out;
}

const NS = 1_000_000_000n;

/** Encodes entries as a receiver does: messages from UTF-8 bytes, times as seconds + nanoseconds. */
function encode(entries: readonly CaptureEntry[], b = new EncodedBatchBuilder()): EncodedBatch {
  for (const e of entries) {
    const src = Buffer.from(e.msg);
    b.addUtf8(b.labelSet(e.labels), Number(e.ts / NS), Number(e.ts % NS), src, 0, src.length);
  }
  return b.take();
}

const plain = (es: CaptureEntry[]) => es.map((e) => ({ ts: e.ts, labels: { ...e.labels }, msg: e.msg }));

describe.each([
  ['worker thread', true],
  ['inline', false],
])('CaptureWriter.appendEncoded (%s)', (_label, worker) => {
  it('writes encoded batches, in order with entry batches, rotating and framing inside a batch', async () => {
    const w = await CaptureWriter.open(dir, {
      worker,
      minFreeBytes: 0,
      maxFileBytes: 64 * 1024,
      flushBytes: 8 * 1024,
      seekBytes: 8 * 1024,
    });
    const entries = corpusEntries(3000);
    // Big encoded batches, entry batches and small encoded batches (coalesced) interleaved.
    expect(w.appendEncoded(encode(entries.slice(0, 1000)))).toBe(true);
    expect(w.append(entries.slice(1000, 1500))).toBe(true);
    for (let i = 1500; i < 2000; i++) expect(w.appendEncoded(encode(entries.slice(i, i + 1)))).toBe(true);
    expect(w.append(entries.slice(2000, 2100))).toBe(true);
    expect(w.appendEncoded(encode(entries.slice(2100)))).toBe(true);
    expect(w.stats()).toMatchObject({ acceptedLines: 3000 });
    await w.close();
    const s = w.stats();
    expect(s).toMatchObject({ writtenLines: 3000, pendingLines: 0, pendingBytes: 0, droppedLines: 0 });
    expect(s.rotations).toBeGreaterThan(10);
    expect(plain(await readAll())).toEqual(plain(entries));
    // The bytes are the canonical lines; every file stays within maxFileBytes; the index is exact.
    const enc = new EntryEncoder();
    expect(
      dataFiles(dir)
        .map((f) => fileText(`${dir}/${f}`))
        .join(''),
    ).toBe(entries.map((e) => enc.encode(e)).join(''));
    const cap = await openCapture(dir);
    let lines = 0;
    for (const f of cap.files) {
      const idx = f.index!;
      expect(idx.bytes).toBeLessThanOrEqual(64 * 1024);
      expect(idx.frames!.length).toBeGreaterThan(1);
      const inFile = (await readAllFile(f.name)).map((e) => e.ts);
      expect(idx.from).toBe(bigMin(inFile));
      expect(idx.to).toBe(bigMax(inFile));
      lines += idx.lines;
    }
    expect(lines).toBe(3000);
    expect(cap.indexedBytes).toBe(s.writtenBytes);
    expect(cap.index[0]!.labels!['app']).toBeDefined();
  });

  it('counts pending bytes exactly and refuses (keeping nothing of) a batch past maxPendingBytes', async () => {
    const w = await CaptureWriter.open(dir, { worker, minFreeBytes: 0, maxPendingBytes: 256 * 1024 });
    const entries = corpusEntries(20_000);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < entries.length; i += 500) {
      const batch = encode(entries.slice(i, i + 500));
      const size = batch.data.length; // read before the hand-off: the buffer moves to the writer thread
      const before = w.stats().pendingBytes;
      if (w.appendEncoded(batch)) {
        accepted += 500;
        expect(w.stats().pendingBytes).toBeLessThanOrEqual(before + size);
      } else refused += 500;
    }
    expect(refused).toBeGreaterThan(0);
    expect(w.stats().pendingBytes).toBeLessThanOrEqual(256 * 1024);
    expect(w.stats()).toMatchObject({ acceptedLines: accepted, rejectedLines: refused });
    await w.flush();
    expect(w.stats().pendingBytes).toBe(0);
    await w.close();
    expect((await readAll()).length).toBe(accepted);
  });

  it('copies batches whose buffers it does not own, leaving them usable', async () => {
    const w = await CaptureWriter.open(dir, { worker, minFreeBytes: 0 });
    const entries = corpusEntries(2000);
    const made = encode(entries);
    // The same lines in plain typed arrays (not from a builder): cloned, not transferred.
    const foreign: EncodedBatch = {
      n: made.n,
      data: Uint8Array.from(made.data),
      ends: Uint32Array.from(made.ends),
      sec: Float64Array.from(made.sec),
      nsec: Uint32Array.from(made.nsec),
      sets: Uint32Array.from(made.sets),
      labelSets: [...made.labelSets],
    };
    expect(w.appendEncoded(foreign)).toBe(true);
    await w.close();
    expect(foreign.data.length).toBe(made.data.length);
    expect(plain(await readAll())).toEqual(plain(entries));
  });

  it('reuses the buffers of written batches for later ones without mixing their lines', async () => {
    const w = await CaptureWriter.open(dir, { worker, minFreeBytes: 0 });
    const entries = corpusEntries(20_000);
    const b = new EncodedBatchBuilder();
    const seen = new Set<ArrayBufferLike>();
    let reused = 0;
    for (let i = 0; i < entries.length; i += 500) {
      const batch = encode(entries.slice(i, i + 500), b);
      if (seen.has(batch.data.buffer)) reused++;
      seen.add(batch.data.buffer);
      expect(w.appendEncoded(batch)).toBe(true);
      if (i % 2000 === 0) await w.flush(); // lets the writer thread hand buffers back
    }
    await w.close();
    expect(plain(await readAll())).toEqual(plain(entries));
    // Inline, a written batch's own buffer comes back at once; from the thread, a moved copy does.
    if (!worker) expect(reused).toBeGreaterThan(30);
  });

  it('validates batches and refuses use after close', async () => {
    const w = await CaptureWriter.open(dir, { worker, minFreeBytes: 0 });
    const good = encode(corpusEntries(3));
    expect(() => w.appendEncoded({ ...good, n: 10 })).toThrow(InvalidEntryError);
    expect(() => w.appendEncoded({ ...good, data: good.data.subarray(0, 5) })).toThrow(InvalidEntryError);
    expect(w.appendEncoded(new EncodedBatchBuilder().take())).toBe(true);
    await w.close();
    expect(() => w.appendEncoded(good)).toThrow(WriterClosedError);
  });
});

async function readAllFile(name: string): Promise<CaptureEntry[]> {
  const cap = await openCapture(dir);
  const one = { ...cap, files: cap.files.filter((f) => f.name === name) };
  const out: CaptureEntry[] = [];
  for await (const e of readEntries(one)) out.push(e);
  return out;
}

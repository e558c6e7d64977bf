import {
  appendFileSync,
  closeSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { batchOf } from './batch.js';
import { type Capture, captureTimeContext, openCapture } from './capture.js';
import { type CaptureEntry, EntryEncoder } from './entry-codec.js';
import { CaptureNotFoundError, NotACaptureError } from './errors.js';
import { compileFilter, type EntryFilter } from './filter.js';
import { type ReadWarning, readEntries, readEntryBatches } from './reader.js';
import { corpusEntries } from './test-helpers/corpus.js';
import { dataFiles } from './test-helpers/inspect.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import { writeOriginalCapture } from './testing.js';
import { parseTimeBound } from './time-bound.js';
import { CaptureWriter } from './writer.js';
import { resolveOptions } from './writer-config.js';
import { openWriterCore } from './writer-open.js';
import { FrameCompressor } from './zstd.js';

const T0 = Date.UTC(2024, 0, 15, 10, 32, 0);
let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
});

async function collect(
  source: string | Capture,
  filter?: EntryFilter,
  warnings: ReadWarning[] = [],
  extra: { signal?: AbortSignal; catchUp?: boolean; strict?: boolean } = {},
): Promise<CaptureEntry[]> {
  const out: CaptureEntry[] = [];
  for await (const e of readEntries(source, filter, { ...extra, onWarning: (w) => warnings.push(w) }))
    out.push(e);
  return out;
}

function same(a: CaptureEntry[], b: CaptureEntry[]): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.ts !== b[i]!.ts || a[i]!.msg !== b[i]!.msg) {
      expect({ i, ts: a[i]!.ts, msg: a[i]!.msg }).toEqual({ i, ts: b[i]!.ts, msg: b[i]!.msg });
    }
    expect(a[i]!.labels).toEqual(b[i]!.labels);
  }
}

/** A closed capture of `entries` written through the real (worker) writer. */
async function writeCapture(entries: CaptureEntry[], opts: Parameters<typeof CaptureWriter.open>[1] = {}) {
  const w = await CaptureWriter.open(dir, { minFreeBytes: 0, ...opts });
  for (let i = 0; i < entries.length; i += 500) expect(w.append(entries.slice(i, i + 500))).toBe(true);
  await w.close();
}

describe('readEntries', () => {
  it('reads back everything the writer wrote, in order, in bounded batches', async () => {
    const entries = corpusEntries(20_000);
    await writeCapture(entries, { maxFileBytes: 512 * 1024, flushBytes: 64 * 1024 });
    const cap = await openCapture(dir);
    expect(cap.files.length).toBeGreaterThan(5);
    expect(cap.files.every((f) => f.index !== undefined)).toBe(true);
    expect(cap.live).toBe(false);
    expect(cap.indexedLines).toBe(20_000);
    expect(cap.from).toBe(entries[0]!.ts);
    expect(cap.to).toBe(entries.at(-1)!.ts);
    const warnings: ReadWarning[] = [];
    same(await collect(cap, undefined, warnings), entries);
    expect(warnings).toEqual([]);
    let batches = 0;
    let maxBatch = 0;
    for await (const b of readEntryBatches(dir)) {
      batches++;
      maxBatch = Math.max(maxBatch, b.length);
    }
    expect(batches).toBeGreaterThan(5);
    expect(maxBatch).toBeLessThan(10_000);
  });

  it('applies time (inclusive), label (= != =~ !~) and message filters exactly like the in-memory matcher', async () => {
    const entries = corpusEntries(12_000);
    await writeCapture(entries, { maxFileBytes: 256 * 1024, flushBytes: 32 * 1024, seekBytes: 32 * 1024 });
    const t = (i: number) => entries[i]!.ts;
    const filters: EntryFilter[] = [
      { from: t(3000), to: t(3500) },
      { from: t(11_999) },
      { to: t(0) },
      { labels: [{ name: 'app', op: '=', value: 'hdfs' }] },
      { labels: [{ name: 'app', op: '!=', value: 'hdfs' }] },
      { labels: [{ name: 'app', op: '=~', value: 'hdfs|linux' }] },
      { labels: [{ name: 'pod', op: '!~', value: '.*-ax0q' }] },
      { labels: [{ name: 'app', op: '=~', value: 'hdf' }] }, // anchored: matches nothing
      { labels: [{ name: 'missing', op: '=', value: '' }] }, // absent label equals ""
      { labels: [{ name: 'missing', op: '!=', value: '' }] },
      { msg: 'ERROR|FATAL' },
      { msg: '(?i)error' },
      { from: t(5000), to: t(9000), labels: [{ name: 'app', op: '=', value: 'zookeeper' }], msg: 'WARN' },
    ];
    for (const f of filters) {
      const c = compileFilter(f);
      const want = entries.filter((e) => c.matches(e));
      same(await collect(dir, f), want);
    }
    const inclusive = await collect(dir, { from: t(100), to: t(100) });
    expect(inclusive.map((e) => e.ts)).toEqual([t(100)]);
  });

  it('prunes files by their index line and frames by the frame table', async () => {
    const entries = corpusEntries(8000);
    await writeCapture(entries, { maxFileBytes: 256 * 1024, flushBytes: 16 * 1024, seekBytes: 16 * 1024 });
    const cap = await openCapture(dir);
    const files = cap.files;
    expect(files.length).toBeGreaterThan(3);
    // Damage the first file's second seek range and the whole last file with garbage.
    const first = files[0]!;
    const fr = first.index!.frames![1]!;
    const fd = openSync(first.path, 'r+');
    writeSync(fd, Buffer.alloc(fr.length, 0x41), 0, fr.length, fr.offset);
    closeSync(fd);
    const last = files.at(-1)!;
    const lfd = openSync(last.path, 'r+');
    writeSync(lfd, Buffer.alloc(last.size, 0x42), 0, last.size, 0);
    closeSync(lfd);
    // A time window inside the first file's first range and the middle files never touches the damage.
    const from = first.index!.frames![0]!.from;
    const to = first.index!.frames![0]!.to;
    const warnings: ReadWarning[] = [];
    const got = await collect(dir, { from, to }, warnings);
    same(
      got,
      entries.filter((e) => e.ts >= from && e.ts <= to),
    );
    expect(warnings).toEqual([]);
    // Reading everything does hit the damage: reported, skipped, never thrown.
    const all: ReadWarning[] = [];
    const everything = await collect(dir, undefined, all);
    const corrupt = all.filter((w) => w.kind === 'corrupt').map((w) => w.file);
    // One warning per damaged seek range: decoding restarts at each one.
    expect(corrupt).toEqual([first.name, ...last.index!.frames!.map(() => last.name)]);
    expect(everything.length).toBeLessThan(entries.length);
    expect(everything.length).toBe(entries.length - fr.lines - last.index!.lines);
  });

  it('reads an unrecovered crashed capture: torn final frame skipped, complete lines kept', async () => {
    const core = openWriterCore(resolveOptions(dir, { minFreeBytes: 0, lock: false }), {}, T0);
    const entries = corpusEntries(300);
    core.append(1, batchOf(entries), T0);
    core.flush(T0);
    // abandoned: crash. Then half a frame lands at the end of the active file.
    const [active] = dataFiles(dir);
    const enc = new EntryEncoder();
    const more = corpusEntries(3000, 1_800_000_000_000_000_000n);
    const c = new FrameCompressor(3);
    c.write(Buffer.from(more.map((e) => enc.encode(e)).join('')));
    const frame = Buffer.from(c.end());
    appendFileSync(path.join(dir, active!), frame.subarray(0, frame.length >> 1));
    const cap = await openCapture(dir);
    expect(cap.live).toBe(true);
    expect(cap.files.map((f) => f.index)).toEqual([undefined]);
    const warnings: ReadWarning[] = [];
    const got = await collect(cap, undefined, warnings);
    same(got.slice(0, 300), entries);
    // Complete lines decoded from the torn frame are returned too (recovery keeps exactly those).
    expect(got.length).toBeGreaterThan(300);
    same(got.slice(300), more.slice(0, got.length - 300));
    expect(warnings.map((w) => w.kind)).toEqual(['torn']);
    // Verification tools ask for an error instead.
    await expect(collect(cap, undefined, [], { strict: true })).rejects.toMatchObject({
      code: 'CAPTURE_CORRUPT',
      file: active,
    });
  });

  it('reads a live capture while it is written: everything flushed before the scan, no duplicates', async () => {
    const w = await CaptureWriter.open(dir, { minFreeBytes: 0, maxFileBytes: 128 * 1024, flushInterval: 50 });
    const entries = corpusEntries(30_000);
    let i = 0;
    const feed = async (n: number) => {
      const end = Math.min(entries.length, i + n);
      for (; i < end; i += 100) w.append(entries.slice(i, Math.min(end, i + 100)));
      await w.flush();
    };
    await feed(5000);
    const flushedBeforeScan = i;
    const scan = (async () => {
      const out: CaptureEntry[] = [];
      for await (const b of readEntryBatches(dir)) {
        for (const e of b) out.push(e);
        await new Promise((r) => setImmediate(r)); // let the writer make progress during the scan
      }
      return out;
    })();
    while (i < entries.length) await feed(1000);
    const got = await scan;
    await w.close();
    expect(got.length).toBeGreaterThanOrEqual(flushedBeforeScan);
    // A prefix of what was written, in order: nothing lost before the cut, nothing doubled.
    same(got, entries.slice(0, got.length));
    same(await collect(dir), entries);
  });

  it('follows a live capture until the writer closes it', async () => {
    const w = await CaptureWriter.open(dir, { minFreeBytes: 0, maxFileBytes: 64 * 1024, flushInterval: 20 });
    const entries = corpusEntries(4000);
    w.append(entries.slice(0, 1000));
    await w.flush();
    const seen: CaptureEntry[] = [];
    const follower = (async () => {
      for await (const e of readEntries(dir, undefined, { follow: { intervalMs: 20 } })) seen.push(e);
    })();
    for (let i = 1000; i < 4000; i += 500) {
      w.append(entries.slice(i, i + 500));
      await new Promise((r) => setTimeout(r, 30));
    }
    await w.close();
    await follower;
    same(seen, entries);
  });

  it('skips files evicted after the listing, with a warning', async () => {
    const entries = corpusEntries(5000);
    await writeCapture(entries, { maxFileBytes: 128 * 1024 });
    const cap = await openCapture(dir);
    const gone = cap.files[1]!;
    rmSync(gone.path);
    const warnings: ReadWarning[] = [];
    const got = await collect(cap, undefined, warnings);
    expect(warnings).toEqual([{ file: gone.name, kind: 'missing', detail: expect.any(String) }]);
    expect(got.length).toBe(5000 - gone.index!.lines);
    const again = await openCapture(dir);
    expect(again.missing).toEqual([gone.name]);
  });

  it('stops with the abort reason when cancelled', async () => {
    const entries = corpusEntries(20_000);
    await writeCapture(entries);
    const ac = new AbortController();
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of readEntries(dir, undefined, ac.signal)) {
          if (++n === 100) ac.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(n).toBeLessThan(20_000);
  });

  it('reads a capture laid out exactly as the original writes it', async () => {
    const started = 1_705_314_720_000_000_000n;
    const a = corpusEntries(700, started + 1_000_000_000n, 1_000_000n);
    const b = corpusEntries(500, started + 5_000_000_000n, 1_000_000n);
    const c = corpusEntries(300, started + 9_000_000_000n, 1_000_000n);
    c[5] = { ts: c[5]!.ts, labels: {}, msg: 'no labels <tag> & "quotes" \u2028' };
    writeOriginalCapture(dir, {
      rotated: [a, b],
      active: c,
      activeTail: '{"ts":"2024-01-15T18:32',
      startedNs: started,
    });
    const cap = await openCapture(dir);
    expect(cap.metadata).toMatchObject({
      version: 1,
      format: 'jsonl',
      state: 'live',
      started,
      totalLines: 0,
    });
    expect(cap.metadata?.stopped).toBeUndefined();
    expect(cap.index.map((e) => e.from)).toEqual([a[0]!.ts, b[0]!.ts]);
    expect(cap.files.map((f) => [f.compressed, f.index !== undefined])).toEqual([
      [true, true],
      [true, true],
      [false, false],
    ]);
    const warnings: ReadWarning[] = [];
    same(await collect(cap, undefined, warnings), [...a, ...b, ...c]);
    expect(warnings).toEqual([{ file: cap.files[2]!.name, kind: 'torn', detail: expect.any(String) }]);
    // Filters and time bounds work against its offsets too.
    const ctx = captureTimeContext(cap);
    const from = parseTimeBound('+5s', ctx);
    same(
      await collect(cap, { from, labels: [{ name: 'app', op: '=', value: 'bgl' }] }),
      [...b, ...c].filter((e) => e.ts >= from && e.labels['app'] === 'bgl'),
    );
  });

  it('ignores the half-written .zst twin the original leaves when it dies while compressing', async () => {
    const started = 1_705_314_720_000_000_000n;
    const a = corpusEntries(50, started, 1_000_000n);
    const [raw] = writeOriginalCapture(dir, { rotated: [], active: a, startedNs: started });
    writeFileSync(path.join(dir, `${raw}.zst`), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    const cap = await openCapture(dir);
    expect(cap.files.map((f) => f.name)).toEqual([raw]);
    expect(cap.warnings).toEqual([`${raw}.zst: unindexed compressed copy of ${raw} ignored`]);
    same(await collect(cap), a);
  });

  it('round-trips huge and multi-byte lines across chunk boundaries, and skips lines past maxLineBytes', async () => {
    const big = (n: number, c: string) => c.repeat(n);
    const entries: CaptureEntry[] = [
      { ts: 1n, labels: { app: 'a' }, msg: big(600_000, 'é') }, // 1.2 MB of UTF-8, past the writer's staging buffer
      { ts: 2n, labels: { app: 'a' }, msg: `${big(700_001, 'x')}漢字😀` },
      { ts: 3n, labels: { app: 'b' }, msg: 'small' },
      { ts: 4n, labels: { app: 'b' }, msg: big(3_000_000, 'y') },
      { ts: 5n, labels: { app: 'b' }, msg: 'after' },
    ];
    await writeCapture(entries, { maxFileBytes: 2 << 20 });
    same(await collect(dir), entries);
    const warnings: ReadWarning[] = [];
    const out: CaptureEntry[] = [];
    for await (const e of readEntries(dir, undefined, {
      maxLineBytes: 2 << 20,
      onWarning: (w) => warnings.push(w),
    })) {
      out.push(e);
    }
    same(out, [entries[0]!, entries[1]!, entries[2]!, entries[4]!]);
    expect(warnings.map((w) => w.kind)).toEqual(['oversized_lines']);
  });

  it('reports a missing directory and a directory that is not a capture', async () => {
    await expect(openCapture(path.join(dir, 'nope'))).rejects.toBeInstanceOf(CaptureNotFoundError);
    await expect(openCapture(dir)).rejects.toBeInstanceOf(NotACaptureError);
    await expect(collect(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'CAPTURE_NOT_FOUND' });
  });

  it('reads captures whose metadata is damaged, with a warning', async () => {
    await writeCapture(corpusEntries(10));
    const meta = path.join(dir, 'metadata.json');
    const text = readFileSync(meta, 'utf8');
    writeFileSync(meta, text.slice(0, 20));
    const cap = await openCapture(dir);
    expect(cap.metadata).toBeUndefined();
    expect(cap.warnings).toEqual(['metadata.json is not valid capture metadata; ignored']);
    expect((await collect(cap)).length).toBe(10);
    expect(statSync(meta).size).toBe(20);
  });
});

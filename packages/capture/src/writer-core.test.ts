import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { batchOf } from './batch.js';
import { writeAllSync } from './disk.js';
import type { CaptureEntry } from './entry-codec.js';
import { CaptureLockedError } from './errors.js';
import { parseIndex, parseMetadata } from './index-file.js';
import type { IndexEntry } from './schema.js';
import { corpusEntries, noisyEntries } from './test-helpers/corpus.js';
import {
  bigMax,
  bigMin,
  dataFiles,
  dirBytes,
  fileText,
  jsonLines,
  rangeText,
} from './test-helpers/inspect.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import { parseTimestamp } from './timestamp.js';
import { resolveOptions, type WriterEvent, type WriterOptions } from './writer-config.js';
import type { CoreHooks, WriterCore } from './writer-core.js';
import { openWriterCore } from './writer-open.js';

const T0 = Date.UTC(2024, 0, 15, 10, 32, 0);
let dir: string;

beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  removeDir(dir);
});

function openCore(opts: WriterOptions = {}, hooks: CoreHooks = {}, now = T0): WriterCore {
  return openWriterCore(resolveOptions(dir, { minFreeBytes: 0, ...opts }), hooks, now);
}

function readIndex(): IndexEntry[] {
  const text = existsSync(path.join(dir, 'index.jsonl'))
    ? readFileSync(path.join(dir, 'index.jsonl'), 'utf8')
    : '';
  const parsed = parseIndex(text);
  expect(parsed.invalidLines).toBe(0);
  return parsed.entries;
}

function auditEvents(): Record<string, unknown>[] {
  return jsonLines(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'));
}

function metadata() {
  const m = parseMetadata(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
  expect(m).toBeDefined();
  return m!;
}

/** Every entry stored in the data files, in file order, from an independent decoder. */
function storedEntries(): { ts: bigint; labels: unknown; msg: unknown }[] {
  return dataFiles(dir).flatMap((f) =>
    jsonLines(fileText(path.join(dir, f))).map((o) => ({
      ts: parseTimestamp(o['ts'] as string)!,
      labels: o['labels'],
      msg: o['msg'],
    })),
  );
}

function appendAll(
  core: WriterCore,
  entries: CaptureEntry[],
  batch: number,
  now: (i: number) => number,
): void {
  let id = 0;
  for (let i = 0; i < entries.length; i += batch) {
    core.append(++id, batchOf(entries.slice(i, i + batch)), now(i));
  }
}

/** Checks one index entry against the file it describes, frame by frame. */
function checkIndexEntry(e: IndexEntry): void {
  const file = path.join(dir, e.file);
  const size = statSync(file).size;
  expect(e.compressedBytes).toBe(size);
  const text = fileText(file);
  const lines = jsonLines(text);
  expect(e.lines).toBe(lines.length);
  expect(e.bytes).toBe(Buffer.byteLength(text));
  const ts = lines.map((l) => parseTimestamp(l['ts'] as string)!);
  expect(e.from).toBe(bigMin(ts));
  expect(e.to).toBe(bigMax(ts));
  const counts: Record<string, Record<string, number>> = {};
  for (const l of lines) {
    for (const [k, v] of Object.entries(l['labels'] as Record<string, string>)) {
      counts[k] ??= {};
      counts[k][v] = (counts[k][v] ?? 0) + 1;
    }
  }
  expect(e.labels).toEqual(counts);
  // The frame table tiles the file, and each range decodes on its own to exactly what it says.
  let offset = 0;
  let total = 0;
  for (const f of e.frames!) {
    expect(f.offset).toBe(offset);
    const part = rangeText(file, f.offset, f.length);
    const pl = jsonLines(part);
    expect(pl.length).toBe(f.lines);
    expect(Buffer.byteLength(part)).toBe(f.bytes);
    const pts = pl.map((l) => parseTimestamp(l['ts'] as string)!);
    expect(f.from).toBe(bigMin(pts));
    expect(f.to).toBe(bigMax(pts));
    offset += f.length;
    total += f.lines;
  }
  expect(offset).toBe(size);
  expect(total).toBe(e.lines);
}

describe('WriterCore rotation and index', () => {
  it('rotates by uncompressed size and indexes every file with a correct frame table', () => {
    const core = openCore({ maxFileBytes: 64 * 1024, flushBytes: 8 * 1024, seekBytes: 16 * 1024 });
    const entries = corpusEntries(3000);
    appendAll(core, entries, 100, (i) => T0 + i);
    core.close(T0 + 10_000);

    const index = readIndex();
    const files = dataFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    expect(index.map((e) => e.file)).toEqual(files);
    for (const e of index) {
      expect(e.bytes).toBeLessThanOrEqual(64 * 1024);
      checkIndexEntry(e);
      // Coalescing: several 8 KiB frames per 16 KiB seek range.
      expect(e.frames!.length).toBeLessThan(e.bytes / (8 * 1024));
    }
    const stored = storedEntries();
    expect(stored.length).toBe(entries.length);
    stored.forEach((s, i) => {
      expect(s.ts).toBe(entries[i]!.ts);
      expect(s.msg).toBe(entries[i]!.msg);
      expect(s.labels).toEqual(entries[i]!.labels);
    });
    const m = metadata();
    expect(m.state).toBe('stopped');
    expect(m.totalLines).toBe(3000);
    expect(m.firstTs).toBe(entries[0]!.ts);
    expect(m.lastTs).toBe(entries[2999]!.ts);
    expect(m.labelsSeen).toEqual(['app', 'container', 'namespace', 'pod']);
    expect(m.stopped).toBeDefined();
    expect(auditEvents().filter((a) => a['event'] === 'rotated').length).toBe(files.length);
  });

  it('puts a line larger than maxFileBytes alone in its own file', () => {
    const core = openCore({ maxFileBytes: 4096 });
    const big = 'x'.repeat(10_000);
    core.append(
      1,
      batchOf([
        { ts: 1n, labels: {}, msg: 'a' },
        { ts: 2n, labels: {}, msg: big },
        { ts: 3n, labels: {}, msg: 'b' },
      ]),
      T0,
    );
    core.close(T0);
    expect(readIndex().map((e) => e.lines)).toEqual([1, 1, 1]);
  });

  it('flushes a frame once its oldest line is flushInterval old, and rotates by age', () => {
    const core = openCore({ flushInterval: 1000, maxFileAge: 10_000 });
    core.append(1, batchOf(corpusEntries(10)), T0);
    expect(dataFiles(dir)).toEqual([]); // nothing written until the frame ends
    core.tick(T0 + 999);
    expect(dataFiles(dir)).toEqual([]);
    core.tick(T0 + 1000);
    const [first] = dataFiles(dir);
    expect(first).toBe('2024-01-15T103200-000.jsonl.zst');
    const size1 = statSync(path.join(dir, first!)).size;
    expect(size1).toBeGreaterThan(0);
    expect(core.stats().ackedBatch).toBe(1);
    core.append(2, batchOf(corpusEntries(10)), T0 + 2000);
    core.tick(T0 + 3000);
    expect(statSync(path.join(dir, first!)).size).toBeGreaterThan(size1);
    expect(core.stats().frames).toBe(2);
    core.tick(T0 + 10_000);
    expect(readIndex().map((e) => e.file)).toEqual([first]);
    expect(auditEvents().at(-1)).toMatchObject({ event: 'rotated', reason: 'age', lines: 20 });
    core.append(3, batchOf(corpusEntries(5)), T0 + 11_000);
    core.close(T0 + 12_000);
    expect(readIndex().map((e) => e.lines)).toEqual([20, 5]);
    expect(dataFiles(dir)[1]).toBe('2024-01-15T103211-000.jsonl.zst');
  });

  it('never reuses the name of an evicted file, and resumes after the newest name', () => {
    const core = openCore({ maxDiskBytes: 128 * 1024, maxFileBytes: 16 * 1024, flushBytes: 8 * 1024 });
    for (let i = 0; i < 40; i++) core.append(i + 1, batchOf(noisyEntries(20, i)), T0);
    core.close(T0);
    const files = dataFiles(dir);
    const seqs = files.map((f) => Number(/-(\d+)\.jsonl\.zst$/.exec(f)![1]));
    expect(seqs[0]).toBeGreaterThan(0); // the first files were evicted...
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // ...and never named again
    const again = openCore({ maxDiskBytes: 128 * 1024 }, {}, T0 - 60_000); // clock behind the newest name
    again.append(1, batchOf(noisyEntries(5, 99)), T0 - 60_000);
    again.close(T0 - 60_000);
    expect(dataFiles(dir).at(-1)).toBe(
      `2024-01-15T103200-${String(seqs.at(-1)! + 1).padStart(3, '0')}.jsonl.zst`,
    );
  });

  it('keeps file names in creation order when the clock steps back', () => {
    const core = openCore({ maxFileBytes: 2048 });
    core.append(1, batchOf(corpusEntries(20)), T0 + 60_000);
    core.append(2, batchOf(corpusEntries(20)), T0);
    core.close(T0);
    const files = dataFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    expect(files.every((f) => f.startsWith('2024-01-15T103300-'))).toBe(true);
  });
});

describe('WriterCore disk cap', () => {
  const noisy = (n: number, seed: number) => noisyEntries(n, seed, BigInt(T0) * 1_000_000n);

  it('never lets the directory pass maxDiskBytes under sustained writes, and records every eviction', () => {
    const cap = 256 * 1024;
    const events: WriterEvent[] = [];
    const core = openCore(
      { maxDiskBytes: cap, maxFileBytes: 64 * 1024, flushBytes: 16 * 1024 },
      { onEvent: (e) => events.push(e) },
    );
    let now = T0;
    let max = 0;
    for (let round = 0; round < 60; round++) {
      now += 100;
      core.append(round + 1, batchOf(noisy(50, round)), now);
      if (round % 3 === 0) {
        now += 1000;
        core.tick(now);
      }
      core.audit('push', { lines: 50 }, now);
      max = Math.max(max, dirBytes(dir));
      expect(dirBytes(dir)).toBeLessThanOrEqual(cap);
    }
    core.close(now);
    expect(dirBytes(dir)).toBeLessThanOrEqual(cap);
    expect(max).toBeGreaterThan(cap * 0.6);
    const evictions = events.filter((e) => e.type === 'evicted');
    expect(evictions.length).toBeGreaterThan(0);
    const m = metadata();
    const evictedFiles = evictions.reduce((n, e) => n + (e.type === 'evicted' ? e.files.length : 0), 0);
    expect(m.evictions.files).toBe(evictedFiles);
    expect(auditEvents().filter((a) => a['event'] === 'evicted').length).toBeGreaterThan(0);
    // The index lists exactly the data files left, and they hold the newest data.
    const index = readIndex();
    expect(index.map((e) => e.file)).toEqual(dataFiles(dir));
    for (const e of index) checkIndexEntry(e);
    const kept = index.reduce((n, e) => n + e.lines, 0);
    expect(kept + m.evictions.lines + m.dropped.lines).toBe(60 * 50);
    expect(m.totalLines).toBe(60 * 50 - m.dropped.lines);
    const stored = storedEntries();
    expect(stored.at(-1)!.ts).toBe(noisy(50, 59).at(-1)!.ts);
  });

  it('evicts on a low free-space mark, refuses when nothing is left, and resumes', () => {
    let free = 1 << 30;
    const events: WriterEvent[] = [];
    const core = openCore(
      { minFreeBytes: 10 << 20, maxFileBytes: 16 * 1024, flushBytes: 8 * 1024 },
      { freeBytes: () => free, onEvent: (e) => events.push(e) },
    );
    core.append(1, batchOf(corpusEntries(400)), T0);
    core.flush(T0);
    expect(dataFiles(dir).length).toBeGreaterThan(2);
    free = (10 << 20) + 1000; // just above the mark: the next frame does not fit
    core.append(2, batchOf(corpusEntries(50)), T0 + 1);
    core.flush(T0 + 1);
    const evicted = events.find((e) => e.type === 'evicted');
    expect(evicted).toMatchObject({ reason: 'min_free' });
    // Evicting freed room (the hook is not told, but the writer counts what it deleted), so it wrote.
    expect(core.stats().droppedLines).toBe(0);
    free = 1000; // nothing can help now
    core.append(3, batchOf(corpusEntries(30)), T0 + 2);
    core.flush(T0 + 2);
    expect(core.stats().droppedLines).toBe(30);
    expect(events.find((e) => e.type === 'write_refused')).toMatchObject({ reason: 'min_free' });
    expect(core.stats().ackedBatch).toBe(3);
    free = 1 << 30;
    core.append(4, batchOf(corpusEntries(7)), T0 + 3);
    core.flush(T0 + 3);
    expect(events.find((e) => e.type === 'write_resumed')).toEqual({
      type: 'write_resumed',
      droppedLines: 30,
      droppedBytes: expect.any(Number),
    });
    core.close(T0 + 4);
    expect(metadata().dropped.lines).toBe(30);
    expect(auditEvents().map((a) => a['event'])).toEqual(
      expect.arrayContaining(['write_refused', 'write_resumed', 'evicted']),
    );
  });

  it('drops a frame whose write fails (e.g. ENOSPC), keeps the file whole and carries on', () => {
    let fail = true;
    const events: WriterEvent[] = [];
    const core = openCore(
      {},
      {
        onEvent: (e) => events.push(e),
        writeAll: (fd, data, pos) => {
          if (fail) {
            fail = false;
            // A short write then ENOSPC, as a full disk does.
            writeFileSync(fd, data.subarray(0, 10));
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
          writeAllSync(fd, data, pos);
        },
      },
    );
    core.append(1, batchOf(corpusEntries(5)), T0);
    core.flush(T0);
    expect(core.stats()).toMatchObject({ droppedLines: 5, errors: 1 });
    const [file] = dataFiles(dir);
    expect(statSync(path.join(dir, file!)).size).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['write_refused', 'error']);
    core.close(T0);
  });

  it('keeps audit.jsonl under its own cap, newest events last', () => {
    const core = openCore({ auditMaxBytes: 16 * 1024 });
    for (let i = 0; i < 2000; i++) core.audit('push', { seq: i, remote: '10.0.0.1', lines: 5n }, T0 + i);
    core.close(T0 + 5000);
    expect(statSync(path.join(dir, 'audit.jsonl')).size).toBeLessThanOrEqual(16 * 1024);
    const events = auditEvents();
    expect(events[0]!['event']).toBe('audit_truncated');
    const pushes = events.filter((e) => e['event'] === 'push');
    expect(pushes.at(-1)).toMatchObject({ seq: 1999, lines: '5' });
    expect(events.at(-1)!['event']).toBe('capture_closed');
    expect(metadata().counters['audit_dropped']).toBeGreaterThan(1000);
  });
});

describe('WriterCore metadata, lock and permissions', () => {
  it('checkpoints metadata while live, with counters and redaction', () => {
    const core = openCore({
      checkpointInterval: 1000,
      redaction: { enabled: true, rules: ['email'], policyHash: 'h1' },
    });
    let m = metadata();
    expect(m.state).toBe('live');
    expect(m.raw['stopped']).toBe('0001-01-01T00:00:00Z');
    expect(m.redaction).toEqual({ enabled: true, patterns: ['email'], policyHash: 'h1' });
    core.append(1, batchOf(corpusEntries(10)), T0);
    core.setCounters({ dropped_queue_full: 3 });
    core.tick(T0 + 1000);
    m = metadata();
    expect(m.totalLines).toBe(10);
    expect(m.counters['dropped_queue_full']).toBe(3);
    expect(m.updated).toBe(BigInt(T0 + 1000) * 1_000_000n);
    core.close(T0 + 2000);
  });

  it('writes files 0600 in a 0700 directory and holds a lock', () => {
    const sub = path.join(dir, 'new', 'capture');
    const core = openWriterCore(resolveOptions(sub, { minFreeBytes: 0 }), {}, T0);
    expect(statSync(sub).mode & 0o777).toBe(0o700);
    expect(() => openWriterCore(resolveOptions(sub, {}), {}, T0)).toThrow(CaptureLockedError);
    core.append(1, batchOf(corpusEntries(3)), T0);
    core.close(T0);
    for (const n of ['metadata.json', 'index.jsonl', 'audit.jsonl', ...dataFiles(sub)]) {
      expect(statSync(path.join(sub, n)).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(path.join(sub, '.logtap.lock'))).toBe(false);
  });

  it('takes over a lock left by a process that is gone', () => {
    writeFileSync(path.join(dir, '.logtap.lock'), `999999999 ${hostname()} x\n`);
    const core = openCore();
    core.close(T0);
  });
});

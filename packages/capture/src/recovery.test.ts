import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { batchOf } from './batch.js';
import { EntryEncoder } from './entry-codec.js';
import { parseIndex, parseMetadata } from './index-file.js';
import { corpusEntries } from './test-helpers/corpus.js';
import { dataFiles, fileText, jsonLines } from './test-helpers/inspect.js';
import { removeDir, tempDir } from './test-helpers/tmp.js';
import { resolveOptions, type WriterEvent, type WriterOptions } from './writer-config.js';
import type { WriterCore } from './writer-core.js';
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

function openCore(opts: WriterOptions = {}, events: WriterEvent[] = [], now = T0): WriterCore {
  // lock: false so a test can "crash" a writer by abandoning it and reopen in the same process.
  return openWriterCore(
    resolveOptions(dir, { minFreeBytes: 0, lock: false, ...opts }),
    { onEvent: (e) => events.push(e) },
    now,
  );
}

function index() {
  return parseIndex(readFileSync(path.join(dir, 'index.jsonl'), 'utf8'));
}

function allMessages(): string[] {
  return dataFiles(dir).flatMap((f) => jsonLines(fileText(path.join(dir, f))).map((o) => o['msg'] as string));
}

function audit(): Record<string, unknown>[] {
  return jsonLines(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'));
}

describe('recovery on reopen', () => {
  it('indexes the active file of a crashed writer and continues in a new file', () => {
    const a = openCore();
    const first = corpusEntries(200);
    a.append(1, batchOf(first), T0);
    a.flush(T0);
    // crash: `a` is abandoned without close (no index line, metadata says live)
    const [active] = dataFiles(dir);
    expect(parseMetadata(readFileSync(path.join(dir, 'metadata.json'), 'utf8'))?.state).toBe('live');

    const events: WriterEvent[] = [];
    const b = openCore({}, events, T0 + 5000);
    expect(index().entries.map((e) => e.file)).toEqual([active]);
    expect(index().entries[0]!.lines).toBe(200);
    expect(events).toEqual([
      { type: 'recovered', file: active, lines: 200, truncatedBytes: 0, salvagedLines: 0, corrupt: false },
    ]);
    b.append(1, batchOf(corpusEntries(10, 2_000_000_000_000_000_000n)), T0 + 5000);
    b.close(T0 + 6000);
    const files = dataFiles(dir);
    expect(files.length).toBe(2);
    expect(files[0]).toBe(active);
    expect(allMessages().length).toBe(210);
    const m = parseMetadata(readFileSync(path.join(dir, 'metadata.json'), 'utf8'))!;
    expect(m.recoveries).toBe(1);
    expect(m.totalLines).toBe(210);
    expect(m.started).toBe(BigInt(T0) * 1_000_000n); // the capture keeps its original start
    const opened = audit().filter((x) => x['event'] === 'capture_opened');
    expect(opened[1]).toMatchObject({ resumed: true, unclean_shutdown: true, recovered_files: 1 });
    expect(audit().find((x) => x['event'] === 'recovered')).toMatchObject({ file: active, lines: 200 });
  });

  it('cuts a torn final frame and rewrites the complete lines it still held', () => {
    const a = openCore();
    a.append(1, batchOf(corpusEntries(100)), T0);
    a.flush(T0);
    const [active] = dataFiles(dir);
    const file = path.join(dir, active!);
    const intact = statSync(file).size;
    // A big frame (several 128 KiB zstd blocks) whose write was cut short by the crash.
    const enc = new EntryEncoder();
    const torn = corpusEntries(3000, 1_800_000_000_000_000_000n);
    const c = new FrameCompressor(3);
    c.write(Buffer.from(torn.map((e) => enc.encode(e)).join('')));
    const frame = Buffer.from(c.end());
    appendFileSync(file, frame.subarray(0, Math.floor(frame.length * 0.7)));

    const events: WriterEvent[] = [];
    const b = openCore({}, events);
    const ev = events[0] as Extract<WriterEvent, { type: 'recovered' }>;
    expect(ev.truncatedBytes).toBe(Math.floor(frame.length * 0.7));
    expect(ev.salvagedLines).toBeGreaterThan(500);
    expect(ev.lines).toBe(100 + ev.salvagedLines);
    b.close(T0);
    const msgs = allMessages();
    expect(msgs.length).toBe(100 + ev.salvagedLines);
    // What was salvaged is exactly a prefix of the torn frame's lines.
    expect(msgs.slice(100)).toEqual(torn.slice(0, ev.salvagedLines).map((e) => e.msg));
    expect(statSync(file).size).toBeGreaterThan(intact);
    const e = index().entries.find((x) => x.file === active)!;
    expect(e.frames!.reduce((n, f) => n + f.lines, 0)).toBe(100 + ev.salvagedLines);
    expect(e.frames!.reduce((n, f) => n + f.length, 0)).toBe(statSync(file).size);
  });

  it('cuts garbage after the last complete frame', () => {
    const a = openCore();
    a.append(1, batchOf(corpusEntries(50)), T0);
    a.flush(T0);
    const [active] = dataFiles(dir);
    const size = statSync(path.join(dir, active!)).size;
    appendFileSync(path.join(dir, active!), Buffer.alloc(4096));
    const events: WriterEvent[] = [];
    openCore({}, events).close(T0);
    expect(events[0]).toMatchObject({ type: 'recovered', lines: 50, truncatedBytes: 4096, corrupt: true });
    expect(statSync(path.join(dir, active!)).size).toBe(size);
  });

  it('deletes an active file with nothing intact', () => {
    writeFileSync(path.join(dir, '2024-01-15T103200-000.jsonl.zst'), Buffer.from([0x28, 0xb5, 0x2f]));
    const events: WriterEvent[] = [];
    openCore({}, events).close(T0);
    expect(existsSync(path.join(dir, '2024-01-15T103200-000.jsonl.zst'))).toBe(false);
    expect(audit().find((x) => x['event'] === 'recovered')).toMatchObject({ deleted: true });
  });

  it('repairs the index: torn last line, entries of deleted files, leftover temp files', () => {
    const a = openCore({ maxFileBytes: 8 * 1024 });
    a.append(1, batchOf(corpusEntries(300)), T0);
    a.close(T0);
    const files = dataFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    removeDir(path.join(dir, files[0]!));
    appendFileSync(path.join(dir, 'index.jsonl'), '{"file":"2024-01-15T1032');
    writeFileSync(path.join(dir, 'metadata.json.tmp'), '{');
    const b = openCore();
    b.close(T0);
    const ix = index();
    expect(ix.invalidLines).toBe(0);
    expect(ix.entries.map((e) => e.file)).toEqual(files.slice(1));
    expect(existsSync(path.join(dir, 'metadata.json.tmp'))).toBe(false);
  });

  it("compresses the original's raw active .jsonl, preferring it over a half-written .zst twin", () => {
    const enc = new EntryEncoder();
    const lines = corpusEntries(40).map((e) => enc.encode(e));
    const raw = path.join(dir, '2024-01-15T103200-000.jsonl');
    // The original's active file after a crash: complete lines, then a torn one.
    writeFileSync(raw, `${lines.join('')}{"ts":"2024-01-15T10:3`);
    writeFileSync(`${raw}.zst`, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]));
    const events: WriterEvent[] = [];
    openCore({}, events).close(T0);
    expect(existsSync(raw)).toBe(false);
    expect(events[0]).toMatchObject({ type: 'recovered', file: '2024-01-15T103200-000.jsonl', lines: 40 });
    expect(index().entries.map((e) => [e.file, e.lines])).toEqual([['2024-01-15T103200-000.jsonl.zst', 40]]);
    expect(allMessages()).toEqual(corpusEntries(40).map((e) => e.msg));
    expect(audit().find((x) => x['event'] === 'recovered')).toMatchObject({
      renamed_to: '2024-01-15T103200-000.jsonl.zst',
      lost_bytes: Buffer.byteLength('{"ts":"2024-01-15T10:3'),
    });
  });

  it('enforces a disk cap lowered since the last session before writing', () => {
    const a = openCore({ maxFileBytes: 8 * 1024 });
    a.append(1, batchOf(corpusEntries(2000)), T0);
    a.close(T0);
    const events: WriterEvent[] = [];
    const b = openCore({ maxDiskBytes: 64 * 1024 }, events);
    expect(events.some((e) => e.type === 'evicted')).toBe(true);
    b.close(T0);
    let total = 0;
    for (const f of ['metadata.json', 'index.jsonl', 'audit.jsonl', ...dataFiles(dir)]) {
      total += statSync(path.join(dir, f)).size;
    }
    expect(total).toBeLessThanOrEqual(64 * 1024);
  });

  it('recovers a file whose last write was cut anywhere (every truncation point of a small file)', () => {
    const a = openCore({ flushBytes: 4096 });
    const entries = corpusEntries(60);
    for (let i = 0; i < 60; i += 10) {
      a.append(i + 1, batchOf(entries.slice(i, i + 10)), T0 + i);
      a.flush(T0 + i);
    }
    const [active] = dataFiles(dir);
    const file = path.join(dir, active!);
    const full = readFileSync(file);
    const sub = tempDir();
    try {
      for (let cut = 0; cut <= full.length; cut += Math.max(1, Math.floor(full.length / 41))) {
        removeDir(sub);
        mkdirSync(sub);
        writeFileSync(path.join(sub, active!), full.subarray(0, cut));
        const core = openWriterCore(resolveOptions(sub, { minFreeBytes: 0, lock: false }), {}, T0);
        core.close(T0);
        const files = dataFiles(sub);
        const msgs = files.flatMap((f) => jsonLines(fileText(path.join(sub, f))).map((o) => o['msg']));
        // Whatever survives is a prefix of what was written, in order, with no partial line.
        expect(msgs).toEqual(entries.slice(0, msgs.length).map((e) => e.msg));
      }
    } finally {
      removeDir(sub);
    }
    truncateSync(file, 0);
  });
});

/**
 * grep's raw output path (RawGrepWriter over scanMatches, and ContextGrepWriter over scanContext for -C)
 * against the entry path it replaces (scanEntries + TextFormatter / EntryEncoder) and against a plain pass
 * over @logtap/capture's reader: byte-identical output on canonical lines of every kind (escapes, CRLF,
 * controls, multi-byte UTF-8) and on lines the raw path must hand to the formatters (non-canonical times
 * and labels, meta, raw controls, invalid UTF-8, Go-style escapes), with and without context and colour.
 */

import { isAscii } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CaptureEntry, EntryEncoder, formatTimestamp, openCapture, readEntries } from '@logtap/capture';
import { writeOriginalCapture } from '@logtap/capture/testing';
import { compress } from 'zstd-napi';
import {
  BASE_NS,
  removeDir,
  tempDir,
  toolEntries,
  withoutMeta,
  writeCapture,
} from '../test/tools-fixtures.js';
import { buildFilter, type FilterInput } from './filter.js';
import { type GrepOptions, grepCapture } from './grep.js';
import { RawGrepWriter } from './grep-writer.js';
import { scanEntries, scanRaw } from './scan.js';
import { scanMatches } from './scan-match.js';
import { TextFormatter } from './text-format.js';

let root: string;
let raw: string;
let ours: string;
let original: string;
let dense: string;

const L = { app: 'api', pod: 'api-0' };
const enc = new EntryEncoder();
const ts = (i: number) => BASE_NS + BigInt(i) * 1_000_000_123n;
const line = (i: number, msg: string, labels: Record<string, string> = L, meta?: Record<string, string>) =>
  enc.encode({ ts: ts(i), labels, msg, ...(meta ? { meta } : {}) }).slice(0, -1);

/** Canonical lines (as our writer writes them) with every kind of message. */
const CANONICAL = [
  'plain ascii a',
  'crlf a\r',
  '\r',
  'a\r in the middle\r',
  'quoted "a" and back\\slash\r',
  'ab\\r not a CR',
  'tab\there a',
  'newline\nand escape \x1b[31m a',
  'nul \x00 and bell \x07 a',
  'del \x7f a',
  'c1 \u0085 next line a\r',
  'café a 日本語 🎉',
  'café a\r',
  'line sep \u2028 a',
  'lone surrogate \ud800 a',
  '',
  '<html> & a',
  'Sum (X+Y)/[z] = 1.5 ERROR a',
];

/** Lines the raw path must not copy (or must reject, as the reader does). */
function oddLines(): Buffer[] {
  const t = formatTimestamp(ts(100));
  const s = (x: string) => Buffer.from(`${x}`, 'utf8');
  return [
    s(`{"ts":"${t}","msg":"no labels a"}`),
    s(`{"ts":"${t}","labels":{"pod":"api-0","app":"api"},"msg":"unsorted labels a"}`),
    s(`{"ts":"${t}","labels":{},"msg":"empty labels a"}`),
    s(`{"ts":"2024-01-15T10:32:01.5Z","labels":{"app":"api"},"msg":"short time a"}`),
    s(`{"ts":"2024-01-15T10:32:01.1234+00:00","labels":{"app":"api"},"msg":"offset time a"}`),
    s(`{"ts":"2024-01-15t10:32:01.123456789z","labels":{"app":"api"},"msg":"lower-case time a"}`),
    s(`{"ts":"2024-13-45T10:32:01.123456789Z","labels":{"app":"api"},"msg":"invalid date a"}`),
    s(`{"ts":"2024-01-15T10:32:01.12345678xZ","labels":{"app":"api"},"msg":"bad digit a"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"raw\ttab a"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"raw \x1b escape a"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"raw \x01 control before a CR a\\r"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"raw\rCR a"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"raw del \x7f a\\r"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"raw c1 \u0085 a"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"go \\u003ctag\\u003e \\u0026 a\\r"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"escaped slash \\/ and \\u00e9 a"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"meta a","meta":{"z":"1","a":"2"}}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"empty meta a","meta":{}}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"extra field a","x":"1"}`),
    s(`{"ts":"${t}","labels":{"app":"api"},"msg":"bad escape \\q a"}`),
    s('not json at all a'),
    s(''),
    Buffer.concat([
      s(`{"ts":"${t}","labels":{"app":"api"},"msg":"invalid utf-8 `),
      Buffer.from([0xff, 0xc3]),
      s(' a"}'),
    ]),
    Buffer.concat([s(`{"ts":"${t}","labels":{"app":"a`), Buffer.from([0xfe]), s(`"},"msg":"bad label a"}`)]),
  ];
}

/**
 * Files of matches (`hit`), other lines and lines that are no entry although shaped like ours (a bad date,
 * a bad escape, a labels value that is no string), in a seeded random order: -C context around lines that
 * are no entry, across files (a one-line file among them, and files of such lines only).
 */
function denseFiles(): Buffer[][] {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const t = (i: number) => formatTimestamp(ts(i));
  const s = (x: string) => Buffer.from(x, 'utf8');
  const kinds: Array<(i: number) => Buffer> = [
    (i) => s(line(i, `hit ${i} a\r`)),
    (i) => s(line(i, `a hit \x1b[1m ${i}`, { 'app.kubernetes.io/name': 'chéckout', pod: 'c-0' })),
    (i) => s(line(i, CANONICAL[i % CANONICAL.length]!)),
    (i) =>
      s(
        line(
          i,
          CANONICAL[(i * 7) % CANONICAL.length]!,
          { zone: 'z' },
          i % 2 ? { trace: `t${i}` } : undefined,
        ),
      ),
    (i) => s(`{"ts":"2024-13-45T10:32:01.123456789Z","labels":{"app":"api"},"msg":"invalid date hit ${i}"}`),
    (i) => s(`{"ts":"${t(i)}","labels":{"app":"api"},"msg":"bad escape \\q hit ${i}"}`),
    (i) => s(`{"ts":"${t(i)}","labels":{"app":1},"msg":"labels not strings, hit ${i}"}`),
    (i) => s(`{"ts":"${t(i)}","labels":{"app":"api"},"msg":"raw\tcontrol\r ${i}"}`),
    (i) => s(`{"ts":"${t(i)}","labels":{"pod":"api-0","app":"api"},"msg":"unsorted labels hit ${i}\\r"}`),
    (i) => s(`not json, hit ${i}`),
  ];
  // Mostly lines that do not match: groups of context with gaps between them.
  const MIX = [0, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 7, 7, 8, 9];
  let i = 0;
  const file = (n: number, only?: number[]) =>
    Array.from({ length: n }, () => {
      const from = only ?? MIX;
      const k = from[rand(from.length)]!;
      return kinds[k]!(i++);
    });
  return [
    file(9),
    file(1),
    file(50),
    file(3, [4, 5, 6, 9]),
    file(1, [0]),
    file(70),
    file(4, [4, 6]),
    file(30),
    // Files shorter than the context: lines carried over several files, before a match that opens one.
    file(1, [2]),
    file(2, [3, 4]),
    file(1, [0]),
    file(8, [2, 3]),
    file(1, [3]),
    file(2, [0, 2]),
    file(20),
  ];
}

/**
 * Writes a capture whose data files hold exactly `files` (raw lines), one zstd frame per `perFrame` lines,
 * with an index describing the frames: the scan's fast path reads them as it reads recv's files.
 */
function writeRawCapture(dir: string, files: Buffer[][], perFrame: number): void {
  mkdirSync(dir, { recursive: true });
  const index: string[] = [];
  files.forEach((lines, k) => {
    const name = `2024-01-15T1032${String(k).padStart(2, '0')}-000.jsonl.zst`;
    const frames = [];
    const parts: Buffer[] = [];
    let offset = 0;
    let bytes = 0;
    for (let i = 0; i < lines.length; i += perFrame) {
      const data = Buffer.concat(lines.slice(i, i + perFrame).flatMap((l) => [l, Buffer.from('\n')]));
      const z = compress(data);
      frames.push({
        offset,
        length: z.length,
        from: formatTimestamp(ts(0)),
        to: formatTimestamp(ts(1000)),
        lines: Math.min(perFrame, lines.length - i),
        bytes: data.length,
      });
      parts.push(z);
      offset += z.length;
      bytes += data.length;
    }
    writeFileSync(path.join(dir, name), Buffer.concat(parts));
    index.push(
      JSON.stringify({
        file: name,
        from: formatTimestamp(ts(0)),
        to: formatTimestamp(ts(1000)),
        lines: lines.length,
        bytes,
        compressed_bytes: offset,
        frames,
      }),
    );
  });
  writeFileSync(path.join(dir, 'index.jsonl'), `${index.join('\n')}\n`);
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ version: 1, state: 'stopped' }));
}

beforeAll(async () => {
  root = tempDir();
  raw = path.join(root, 'raw');
  const asBuf = (s: string) => Buffer.from(s, 'utf8');
  const labelSets: Array<Record<string, string>> = [
    L,
    { 'app.kubernetes.io/name': 'chéckout', pod: 'c-0' },
    { zone: 'z\x1b1' },
    {},
  ];
  const ascii = CANONICAL.filter((m) => /^[\x00-\x7f]*$/.test(m));
  // File 1: ASCII only (the scan's latin1 string of the range); file 2: everything, with odd lines.
  const asciiSets = [L, { 'app.kubernetes.io/name': 'checkout', pod: 'c-0' }, { zone: 'z\x1b1' }];
  const f1 = Array.from({ length: 300 }, (_, i) =>
    asBuf(line(i, ascii[i % ascii.length]!, asciiSets[i % 3]!, i % 7 === 0 ? { trace: `t${i}` } : undefined)),
  );
  expect(isAscii(Buffer.concat(f1))).toBe(true);
  const odd = oddLines();
  const f2: Buffer[] = [];
  for (let i = 0; i < 400; i++) {
    f2.push(asBuf(line(300 + i, CANONICAL[i % CANONICAL.length]!, labelSets[i % labelSets.length]!)));
    if (i % 9 === 0) f2.push(odd[(i / 9) % odd.length]!);
  }
  writeRawCapture(raw, [f1, f2], 37);
  ours = path.join(root, 'ours');
  await writeCapture(ours, toolEntries(1400));
  dense = path.join(root, 'dense');
  writeRawCapture(dense, denseFiles(), 4);
  original = path.join(root, 'original');
  const plain = withoutMeta(toolEntries(700));
  writeOriginalCapture(original, {
    rotated: [plain.slice(0, 400)],
    active: plain.slice(400),
    startedNs: BASE_NS,
  });
});
afterAll(() => removeDir(root));

type Opts = Omit<GrepOptions, 'write'>;

async function grepOut(
  dir: string,
  input: FilterInput,
  opts: Opts,
): Promise<{ out: string; matches: number }> {
  const cap = await openCapture(dir);
  const chunks: Buffer[] = [];
  const r = await grepCapture(cap, buildFilter(cap, input), {
    ...opts,
    write: (c) => {
      // Every piece must be whole lines (and so whole UTF-8 characters).
      const b = typeof c === 'string' ? Buffer.from(c) : c;
      expect(b[b.length - 1]).toBe(0x0a);
      chunks.push(Buffer.from(b));
    },
  });
  return { out: Buffer.concat(chunks).toString('utf8'), matches: r.matches };
}

/** The entry path grep took before the raw writer: scanEntries, then the formatters. */
async function entryPath(dir: string, input: FilterInput, opts: Opts): Promise<string> {
  const cap = await openCapture(dir);
  const text = new TextFormatter();
  const encoder = new EntryEncoder();
  const max = opts.maxCount ?? Number.POSITIVE_INFINITY;
  let out = '';
  let n = 0;
  for await (const b of scanEntries(cap, buildFilter(cap, input))) {
    for (const e of b.entries) {
      if (n++ >= max) return utf8(out);
      out += opts.format === 'jsonl' ? encoder.encode(e) : text.format(e);
    }
  }
  return utf8(out);
}

/** A plain pass over the reader (every line decoded by @logtap/capture), filtered here. */
async function readerPath(dir: string, input: FilterInput, opts: Opts): Promise<string> {
  const cap = await openCapture(dir);
  const filter = buildFilter(cap, input);
  const text = new TextFormatter();
  const encoder = new EntryEncoder();
  let out = '';
  for await (const e of readEntries(cap)) {
    if (!filter.matchTime(e.ts) || !filter.matchLabels(e.labels) || !filter.msg!.test(e.msg)) continue;
    out += opts.format === 'jsonl' ? encoder.encode(e) : text.format(e as CaptureEntry);
  }
  return utf8(out);
}

/** The text as the bytes a stream writes for it (a lone surrogate becomes U+FFFD), read back. */
function utf8(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/**
 * grep -C as a plain pass defines it: the lines that pass the time and label filters (lines that are no
 * entry do not exist), the first `maxCount` matches with `context` lines on either side (a line after a
 * counted match is `after`, else `before`), `--` between groups that are not adjacent (text), matches
 * highlighted with --color. `reader`: the lines from @logtap/capture's reader, else from scanEntries.
 */
async function contextPath(
  dir: string,
  input: FilterInput,
  opts: Opts,
  reader: boolean,
): Promise<{ out: string; matches: number }> {
  const cap = await openCapture(dir);
  const filter = buildFilter(cap, input);
  const stream: CaptureEntry[] = [];
  if (reader) {
    for await (const e of readEntries(cap))
      if (filter.matchTime(e.ts) && filter.matchLabels(e.labels)) stream.push(e as CaptureEntry);
  } else {
    for await (const b of scanEntries(cap, filter, { applyMsg: false })) stream.push(...b.entries);
  }
  const c = opts.context ?? 0;
  const max = opts.maxCount ?? Number.POSITIVE_INFINITY;
  const counted = stream.map(() => false);
  let matches = 0;
  stream.forEach((e, i) => {
    if (matches < max && filter.msg!.test(e.msg)) {
      counted[i] = true;
      matches++;
    }
  });
  const text = new TextFormatter(opts.color ? (m) => filter.msg!.ranges(m) : undefined);
  const encoder = new EntryEncoder();
  let out = '';
  let last = -1;
  let lastMatch = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < stream.length; i++) {
    if (counted[i]) lastMatch = i;
    const shown = counted[i] || i - lastMatch <= c || counted.slice(i + 1, i + 1 + c).some(Boolean);
    if (!shown) continue;
    const kind = counted[i] ? 'match' : i - lastMatch <= c ? 'after' : 'before';
    if (opts.format === 'jsonl') {
      const l = encoder.encode(stream[i]!);
      out += kind === 'match' ? l : `${l.slice(0, -2)},"context":"${kind}"}\n`;
    } else {
      if (c > 0 && last >= 0 && i > last + 1) out += '--\n';
      out += text.format(stream[i]!, c === 0 ? ' ' : kind === 'match' ? ':' : '-');
    }
    last = i;
  }
  return { out: utf8(out), matches };
}

const INPUTS: FilterInput[] = [
  { grep: 'a' },
  { grep: '.' },
  { grep: '\\s$' },
  // Patterns that cannot see a final CR (trailing-cr.ts): tested on the message without it.
  { grep: '\\ba\\b' },
  { grep: '[a-z]+ a\\b|\\d' },
  { grep: 'é|日本|\\x{85}|\\x{7f}' },
  { grep: 'CR', ignoreCase: true },
  // -i literals found in the raw text by case-insensitive RegExps (scan.ts), special characters escaped.
  { grep: '\\(x\\+y\\)/\\[Z\\]|crlf A', ignoreCase: true },
  { grep: 'error A', ignoreCase: true },
  { grep: 'labels a|time a' },
  { grep: '\\x00|\\x1b|\\t' },
  { grep: 'a', labels: ['app=api'] },
  { grep: 'a', labels: ['pod!~"api-.*"'] },
  { grep: '.', from: '2024-01-15T10:32:51Z', to: '2024-01-15T10:39:00Z' },
];

describe('RawGrepWriter (grep without context or colour)', () => {
  it.each(['text', 'jsonl'] as const)('writes what the entry path writes, %s', async (format) => {
    for (const dir of [raw, ours, original]) {
      for (const input of INPUTS) {
        const got = await grepOut(dir, input, { format });
        const want = await entryPath(dir, input, { format });
        expect([path.basename(dir), input, got.out]).toEqual([path.basename(dir), input, want]);
        if (dir === raw && input.grep === '.' && input.from === undefined)
          expect(got.matches).toBeGreaterThan(600);
      }
    }
  });

  it('writes what a plain pass over the reader writes', async () => {
    for (const format of ['text', 'jsonl'] as const) {
      for (const input of INPUTS) {
        const got = await grepOut(raw, input, { format });
        expect([input, got.out]).toEqual([input, await readerPath(raw, input, { format })]);
      }
    }
  });

  it('stops at --max-count and counts per file like the entry path', async () => {
    for (const format of ['text', 'jsonl'] as const) {
      for (const max of [1, 5, 333, 450]) {
        const got = await grepOut(raw, { grep: 'a' }, { format, maxCount: max });
        expect(got.matches).toBe(max);
        expect(got.out).toBe(await entryPath(raw, { grep: 'a' }, { format, maxCount: max }));
      }
    }
    const cap = await openCapture(raw);
    const counted = await grepOut(raw, { grep: 'a' }, { count: true });
    const perFile = new Map<string, number>();
    for await (const b of scanEntries(cap, buildFilter(cap, { grep: 'a' })))
      perFile.set(b.file, (perFile.get(b.file) ?? 0) + b.entries.length);
    expect(counted.out).toBe([...perFile].map(([f, n]) => `${f}\t${n}\n`).join(''));
  });

  it('takes the raw path for canonical lines and the entry path for the others', async () => {
    const cap = await openCapture(raw);
    for (const format of ['text', 'jsonl'] as const) {
      // Range by range: file 1 is ASCII (the scan's latin1 string), file 2 is not.
      for (const [input, file] of [
        [{ grep: '.' }, 0],
        [{ grep: '.' }, 1],
        [{ grep: 'café a' }, 1],
      ] as const) {
        const one = { ...cap, files: [cap.files[file]!] };
        const w = new RawGrepWriter(format, false, Number.POSITIVE_INFINITY);
        for await (const _ of scanMatches(one, buildFilter(one, input), w)) w.take();
        expect([format, input, file, w.copied > w.matches / 4, w.copied < w.matches]).toEqual([
          format,
          input,
          file,
          true,
          input.grep === '.',
        ]);
      }
    }
  });

  it('answers the same with and without the trailing-CR shortcut (grep, -C, --count, export scan)', async () => {
    // `P|\x{10FFFF}` means P (no message holds U+10FFFF) but is not CR-free: the scan then tests whole
    // messages, CR included.
    for (const p of ['\\ba\\b', '[a-z]+ a\\b|\\d', 'crlf']) {
      const slow = `${p}|\\x{10FFFF}`;
      for (const opts of [{}, { context: 1 }, { context: 2, format: 'jsonl' as const }, { count: true }]) {
        const a = await grepOut(raw, { grep: p }, opts);
        const b = await grepOut(raw, { grep: slow }, opts);
        expect([p, opts, a.matches > 0, a.out]).toEqual([p, opts, true, b.out]);
      }
      const cap = await openCapture(raw);
      const exported = async (grep: string) => {
        const parts: Buffer[] = [];
        for await (const r of scanRaw(cap, buildFilter(cap, { grep }))) parts.push(r.data);
        return Buffer.concat(parts).toString('utf8');
      };
      expect(await exported(p)).toBe(await exported(slow));
    }
  });

  it('writes -C context as a plain pass over the reader defines it (lines that are no entry skipped)', async () => {
    const inputs: FilterInput[] = [
      { grep: 'hit' },
      // No usable literal: every line is read and tested.
      { grep: 'h.t\\b' },
      { grep: 'HIT \\d', ignoreCase: true },
      { grep: 'hit', labels: ['app=~"api|chéckout"'] },
    ];
    let groups = 0;
    for (const input of inputs) {
      for (const context of [1, 2, 3]) {
        for (const maxCount of [undefined, 1, 4]) {
          for (const style of [{}, { format: 'jsonl' as const }, { color: true }]) {
            const opts = { ...style, context, maxCount };
            const got = await grepOut(dense, input, opts);
            const want = await contextPath(dense, input, opts, true);
            expect([input, opts, got.matches, got.out]).toEqual([input, opts, want.matches, want.out]);
            groups += got.out.split('\n--\n').length - 1;
          }
        }
      }
    }
    expect(groups).toBeGreaterThan(100);
  });

  it('writes -C context, -m and --color as the entry path does on every capture', async () => {
    const inputs: FilterInput[] = [
      { grep: 'a' },
      { grep: 'crlf a' },
      { grep: '\\s$' },
      { grep: 'é|日本|\\x{85}|\\x{7f}' },
      { grep: 'error A', ignoreCase: true },
      { grep: '\\x00|\\x1b|\\t' },
      { grep: 'a', labels: ['pod!~"api-.*"'] },
      { grep: '.', from: '2024-01-15T10:32:51Z', to: '2024-01-15T10:39:00Z' },
      { grep: 'items/(7|14|70)\\b|multi' },
    ];
    for (const dir of [raw, ours, original]) {
      for (const input of inputs) {
        for (const opts of [
          { context: 1 },
          { context: 2, format: 'jsonl' as const },
          { context: 3, maxCount: 5 },
          { context: 2, color: true },
          { color: true },
          { color: true, maxCount: 3 },
        ]) {
          const got = await grepOut(dir, input, opts);
          const want = await contextPath(dir, input, opts, false);
          expect([path.basename(dir), input, opts, got.matches, got.out]).toEqual([
            path.basename(dir),
            input,
            opts,
            want.matches,
            want.out,
          ]);
        }
      }
    }
  });

  it('takes output back and copies it across chunk boundaries (mark, since, rollback)', () => {
    const w = new RawGrepWriter('text', false, Number.POSITIVE_INFINITY);
    const text = new TextFormatter();
    const first = { ts: ts(0), labels: L, msg: 'first' };
    const more = Array.from({ length: 700 }, (_, i) => ({
      ts: ts(i),
      labels: L,
      msg: `${i} ${'é'.repeat(500)}`,
    }));
    w.writeEntry(first, 'plain');
    const m = w.mark();
    // ~700 KB: the 256 KiB chunk fills up twice after the mark.
    for (const e of more) w.writeEntry(e, 'before');
    const copy = w.since(m);
    w.rollback(m);
    expect(Buffer.concat(w.take()).toString('utf8')).toBe(text.format(first));
    w.writeBytes(copy);
    w.writeEntry(first, 'after');
    expect(Buffer.concat(w.take()).toString('utf8')).toBe(
      more.map((e) => text.format(e, '-')).join('') + text.format(first, '-'),
    );
  });

  it('copies the bytes of canonical lines (multi-byte UTF-8 kept, a final CR dropped in text)', async () => {
    const { out } = await grepOut(raw, { grep: 'café a' }, {});
    expect(out).toMatch(/^\S+ chéckout café a 日本語 🎉$/m);
    expect(out).toMatch(/^\S+ api café a$/m);
    const jsonl = await grepOut(raw, { grep: 'crlf a' }, { format: 'jsonl' });
    expect(jsonl.out.split('\n')[0]).toBe(
      line(1, 'crlf a\r', { 'app.kubernetes.io/name': 'checkout', pod: 'c-0' }),
    );
  });
});

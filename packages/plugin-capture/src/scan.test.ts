import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CaptureEntry, EntryDecoder, openCapture, readEntries } from '@logtap/capture';
import { writeOriginalCapture } from '@logtap/capture/testing';
import {
  BASE_NS,
  removeDir,
  tempDir,
  toolEntries,
  withoutMeta,
  writeCapture,
} from '../test/tools-fixtures.js';
import { buildFilter, type FilterInput } from './filter.js';
import { scanBatches, scanEntries, scanRaw } from './scan.js';

let root: string;
let ours: string;
let original: string;
let live: string;
let liveWriter: { close(): Promise<void> } | undefined;
const ENTRIES = toolEntries(3000);

beforeAll(async () => {
  root = tempDir();
  ours = path.join(root, 'ours');
  original = path.join(root, 'original');
  live = path.join(root, 'live');
  await writeCapture(ours, ENTRIES);
  const plain = withoutMeta(ENTRIES);
  writeOriginalCapture(original, {
    rotated: [plain.slice(0, 1000), plain.slice(1000, 2000)],
    active: plain.slice(2000),
    startedNs: BASE_NS,
  });
  // A live capture: closed files plus an active file with unindexed frames.
  liveWriter = await writeCapture(live, ENTRIES, { close: false });
});

afterAll(async () => {
  await liveWriter?.close();
  removeDir(root);
});

function sorted(m: Readonly<Record<string, string>> | undefined): string {
  return JSON.stringify(Object.fromEntries(Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function key(e: CaptureEntry): string {
  return `${e.ts}|${sorted(e.labels)}|${e.msg}|${sorted(e.meta)}`;
}

async function collect(dir: string, input: FilterInput): Promise<string[]> {
  const cap = await openCapture(dir);
  const out: string[] = [];
  for await (const b of scanEntries(cap, buildFilter(cap, input)))
    for (const e of b.entries) out.push(key(e));
  return out;
}

/** The reference: every entry through @logtap/capture's reader, filtered here by plain code. */
async function reference(dir: string, keep: (e: CaptureEntry) => boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readEntries(dir)) if (keep(e)) out.push(key(e));
  return out;
}

const CASES: Array<[string, FilterInput, (e: CaptureEntry) => boolean]> = [
  ['no filter', {}, () => true],
  ['a literal', { grep: 'payment' }, (e) => e.msg.includes('payment')],
  ['a case-insensitive literal', { grep: 'ERROR', ignoreCase: true }, (e) => /error/i.test(e.msg)],
  ['an alternation', { grep: 'timeout|declined' }, (e) => /timeout|declined/.test(e.msg)],
  ['a regex without literal', { grep: '\\d{3}ms' }, (e) => /\d{3}ms/.test(e.msg)],
  [
    'a literal with JSON-escaped characters',
    { grep: 'said: hello', fixedStrings: true },
    (e) => e.msg.includes('said: hello'),
  ],
  ['a quote and a newline', { grep: '"u1\\d*" said' }, (e) => /"u1\d*" said/.test(e.msg)],
  ['non-ASCII', { grep: 'café 日本' }, (e) => e.msg.includes('café 日本')],
  ['HTML characters', { grep: '<tag> &' }, (e) => e.msg.includes('<tag> &')],
  ['a label', { labels: ['app=api'] }, (e) => e.labels['app'] === 'api'],
  ['a negated label (missing = "")', { labels: ['app!=api'] }, (e) => e.labels['app'] !== 'api'],
  ['a label regex', { labels: ['pod=~"(api|web)-0"'] }, (e) => /^(api|web)-0$/.test(e.labels['pod'] ?? '')],
  ['a negated label regex', { labels: ['pod!~"api-.*"'] }, (e) => !/^api-.*$/.test(e.labels['pod'] ?? '')],
  [
    'two labels ANDed',
    { labels: ['namespace=shop', 'container=main'] },
    (e) => e.labels['namespace'] === 'shop' && e.labels['container'] === 'main',
  ],
  [
    'a selector',
    { labels: ['{namespace="shop", app!="api"}'] },
    (e) => e.labels['namespace'] === 'shop' && e.labels['app'] !== 'api',
  ],
  [
    'an inclusive time range',
    { from: '2024-01-15T10:32:04.5Z', to: '2024-01-15T10:32:12.000000185Z' },
    (e) => e.ts >= BASE_NS + 3_500_000_000n && e.ts <= BASE_NS + 11_000_000_185n,
  ],
  ['HH:MM:SS on the capture date', { from: '10:32:20' }, (e) => e.ts >= BASE_NS + 19_000_000_000n],
  [
    'everything together',
    { from: '10:32:05', labels: ['app=~"api|web"'], grep: 'GET|warn' },
    (e) =>
      e.ts >= BASE_NS + 4_000_000_000n && /^(api|web)$/.test(e.labels['app'] ?? '') && /GET|warn/.test(e.msg),
  ],
];

describe('scanEntries', () => {
  it.each(CASES)('matches the reference reader on our capture: %s', async (_name, input, keep) => {
    const got = await collect(ours, input);
    const want = await reference(ours, keep);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  });

  it.each(CASES)(
    'matches the reference reader on an original-format capture: %s',
    async (_name, input, keep) => {
      const got = await collect(original, input);
      expect(got).toEqual(await reference(original, keep));
    },
  );

  it('reads the active file of a live capture', async () => {
    const cap = await openCapture(live);
    expect(cap.live).toBe(true);
    expect(cap.files.some((f) => f.index === undefined)).toBe(true);
    const got = await collect(live, { grep: 'timeout' });
    expect(got).toEqual(ENTRIES.filter((e) => e.msg.includes('timeout')).map(key));
  });

  it('skips a corrupt range with a warning and keeps the rest', async () => {
    const dir = path.join(root, 'corrupt');
    await writeCapture(dir, ENTRIES);
    const cap = await openCapture(dir);
    const f = cap.files[0]!;
    const fr = f.index!.frames![1]!;
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(f.path, 'r+');
    writeSync(fd, Buffer.alloc(16, 0x55), 0, 16, fr.offset + Math.floor(fr.length / 2));
    closeSync(fd);
    const warnings: string[] = [];
    let n = 0;
    for await (const b of scanEntries(cap, buildFilter(cap, {}), { onWarning: (w) => warnings.push(w.kind) }))
      n += b.entries.length;
    expect(warnings).toContain('corrupt');
    expect(n).toBeLessThan(ENTRIES.length);
    expect(n).toBeGreaterThan(ENTRIES.length - 2 * fr.lines - 50);
  });
});

/** Rows of Arrow batches as keys, read from the raw column data (ts as Int64, maps as key/value lists). */
async function collectBatches(dir: string, input: FilterInput): Promise<string[]> {
  const cap = await openCapture(dir);
  const out: string[] = [];
  for await (const b of scanBatches(cap, buildFilter(cap, input), 333)) {
    expect(b.numRows).toBeLessThanOrEqual(333);
    const ts = b.getChild('ts')!.data[0]!.values as BigInt64Array;
    const msg = b.getChild('msg')!;
    const labels = b.getChild('labels')!;
    const meta = b.getChild('meta')!;
    for (let i = 0; i < b.numRows; i++) {
      const l = Object.fromEntries(labels.get(i) as Map<string, string>);
      const m = Object.fromEntries(meta.get(i) as Map<string, string>);
      out.push(
        key({
          ts: ts[i]!,
          labels: l,
          msg: msg.get(i) as string,
          ...(Object.keys(m).length > 0 ? { meta: m } : {}),
        }),
      );
    }
  }
  return out;
}

describe('scanBatches', () => {
  it.each(CASES)('builds the same rows as the reference reader: %s', async (_name, input, keep) => {
    expect(await collectBatches(ours, input)).toEqual(await reference(ours, keep));
    expect(await collectBatches(original, input)).toEqual(await reference(original, keep));
  });
});

describe('large ranges', () => {
  it('stays linear in the range size (line-bounded searches)', async () => {
    // 4 MiB ranges of ~25k lines: a per-line search running to the end of the range would take minutes.
    const dir = path.join(root, 'large-ranges');
    const many = toolEntries(60_000);
    await writeCapture(dir, many, { maxFileBytes: 64 << 20, flushBytes: 4 << 20, seekBytes: 4 << 20 });
    const t0 = performance.now();
    const got = await collect(dir, { grep: '[a-z]{5} \\d{2}s', labels: ['app!=web'] });
    expect(got.length).toBe(
      many.filter((e) => /[a-z]{5} \d{2}s/.test(e.msg) && e.labels['app'] !== 'web').length,
    );
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('scanRaw', () => {
  it('passes unfiltered ranges through as canonical JSONL, byte for byte', async () => {
    const cap = await openCapture(ours);
    const chunks: Buffer[] = [];
    let lines = 0;
    for await (const b of scanRaw(cap, buildFilter(cap, {}))) {
      chunks.push(b.data);
      lines += b.lines;
    }
    const text = Buffer.concat(chunks).toString('utf8');
    expect(lines).toBe(ENTRIES.length);
    const dec = new EntryDecoder();
    const back = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => key(dec.decode(l)!));
    expect(back).toEqual(ENTRIES.map(key));
  });

  it('filters per line and normalises original-format lines to the canonical form', async () => {
    const cap = await openCapture(original);
    let text = '';
    for await (const b of scanRaw(cap, buildFilter(cap, { labels: ['app=web'] })))
      text += b.data.toString('utf8');
    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(ENTRIES.filter((e) => e.labels['app'] === 'web').length);
    // Canonical: UTC with nine fraction digits, even though the original wrote +08:00 and trimmed zeros.
    for (const l of lines)
      expect(l).toMatch(/^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z","labels":\{.*"app":"web"/);
  });
});

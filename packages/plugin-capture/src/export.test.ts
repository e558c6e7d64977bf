/**
 * Exports read back by independent readers: DuckDB (Parquet), hyparquet (Parquet, for the exact ns
 * timestamps DuckDB's microsecond TIMESTAMPTZ cannot show), csv-parse (CSV), apache-arrow's IPC reader.
 */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Capture, type CaptureEntry, openCapture } from '@logtap/capture';
import { writeOriginalCapture } from '@logtap/capture/testing';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import { decompress } from 'zstd-napi';
import {
  BASE_NS,
  removeDir,
  tempDir,
  toolEntries,
  withoutMeta,
  writeCapture,
} from '../test/tools-fixtures.js';
import { type ExportFormat, exportCapture } from './export.js';
import { buildFilter, type FilterInput } from './filter.js';

let root: string;
let ours: string;
let original: string;
const ENTRIES = toolEntries(2500);
const duck = DuckDBInstance.create(':memory:').then((i) => i.connect());

beforeAll(async () => {
  root = tempDir();
  ours = path.join(root, 'ours');
  original = path.join(root, 'original');
  await writeCapture(ours, ENTRIES);
  const plain = withoutMeta(ENTRIES);
  writeOriginalCapture(original, {
    rotated: [plain.slice(0, 1200)],
    active: plain.slice(1200),
    startedNs: BASE_NS,
  });
});

afterAll(async () => {
  (await duck).closeSync();
  removeDir(root);
});

async function exportTo(
  cap: Capture,
  format: ExportFormat,
  input: FilterInput = {},
  opts: { rowGroupRows?: number; parquetWorker?: boolean } = {},
) {
  const file = path.join(root, `out-${Math.random().toString(36).slice(2)}.${format}`);
  const chunks: Buffer[] = [];
  const r = await exportCapture(cap, buildFilter(cap, input), {
    format,
    sink: { write: (c) => void chunks.push(Buffer.from(c)) },
    batchRows: 700,
    ...opts,
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, Buffer.concat(chunks));
  expect(r.bytes).toBe(Buffer.concat(chunks).length);
  return { file, result: r };
}

function sortedPairs(m: Readonly<Record<string, string>> | undefined): Array<[string, string]> {
  return Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('parquet', () => {
  it('is read back by DuckDB with the same rows, labels, messages and metadata', async () => {
    const cap = await openCapture(ours);
    const { file, result } = await exportTo(cap, 'parquet', {}, { rowGroupRows: 1024 });
    expect(result.lines).toBe(ENTRIES.length);
    const c = await duck;
    const rows = (
      await c.runAndReadAll(
        `select epoch_us(ts)::varchar as us, map_entries(labels) as labels, msg, map_entries(meta) as meta from '${file}'`,
      )
    ).getRowObjectsJson() as Array<{
      us: string;
      labels: Array<{ key: string; value: string }>;
      msg: string;
      meta: Array<{ key: string; value: string }>;
    }>;
    expect(rows.length).toBe(ENTRIES.length);
    rows.forEach((r, i) => {
      const e = ENTRIES[i]!;
      expect(BigInt(r.us)).toBe(e.ts / 1000n);
      expect(r.labels.map((p) => [p.key, p.value])).toEqual(sortedPairs(e.labels));
      expect(r.msg).toBe(e.msg);
      expect(r.meta.map((p) => [p.key, p.value])).toEqual(sortedPairs(e.meta));
    });
    const schema = (
      await c.runAndReadAll(
        `select name, type, logical_type from parquet_schema('${file}') where name = 'ts'`,
      )
    ).getRowObjectsJson();
    expect(String(schema[0]!['logical_type'])).toMatch(/isAdjustedToUTC=1.*NANOS/);
    const meta = (
      await c.runAndReadAll(`select distinct compression from parquet_metadata('${file}')`)
    ).getRowObjectsJson();
    expect(meta).toEqual([{ compression: 'ZSTD' }]);
    const groups = (
      await c.runAndReadAll(`select count(distinct row_group_id) as n from parquet_metadata('${file}')`)
    ).getRowObjectsJson();
    expect(Number(groups[0]!['n'])).toBe(Math.ceil(ENTRIES.length / 1024));
    // A map lookup, as users write it.
    const byApp = (
      await c.runAndReadAll(`select count(*)::int as n from '${file}' where labels['app'] = 'api'`)
    ).getRowObjectsJson();
    expect(byApp[0]!['n']).toBe(ENTRIES.filter((e) => e.labels['app'] === 'api').length);
  });

  it('keeps nanosecond timestamps exactly (read with hyparquet as raw INT64)', async () => {
    const cap = await openCapture(ours);
    const { file } = await exportTo(cap, 'parquet');
    const buf = readFileSync(file);
    const rows = (await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
      columns: ['ts'],
      parsers: { timestampFromNanoseconds: (v: bigint) => v as unknown as Date },
      compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(decompress(input)) },
    })) as Array<{ ts: bigint }>;
    expect(rows.map((r) => r.ts)).toEqual(ENTRIES.map((e) => e.ts));
  });

  it('applies the filters per line', async () => {
    const cap = await openCapture(ours);
    const input = { labels: ['app=~"api|web"'], from: '10:32:03', grep: 'GET' };
    const { file, result } = await exportTo(cap, 'parquet', input);
    const want = ENTRIES.filter(
      (e) =>
        /^(api|web)$/.test(e.labels['app'] ?? '') &&
        e.ts >= BASE_NS + 2_000_000_000n &&
        e.msg.includes('GET'),
    );
    expect(result.lines).toBe(want.length);
    const rows = (await (await duck).runAndReadAll(`select msg from '${file}'`)).getRowObjectsJson();
    expect(rows.map((r) => r['msg'])).toEqual(want.map((e) => e.msg));
  });

  it('writes the same file with the encoder inline (no worker thread)', async () => {
    const cap = await openCapture(ours);
    const a = await exportTo(cap, 'parquet', { labels: ['app=web'] });
    const b = await exportTo(cap, 'parquet', { labels: ['app=web'] }, { parquetWorker: false });
    expect(readFileSync(b.file).equals(readFileSync(a.file))).toBe(true);
    expect(b.result.lines).toBe(ENTRIES.filter((e) => e.labels['app'] === 'web').length);
  });

  it('writes a valid empty file when nothing matches', async () => {
    const cap = await openCapture(ours);
    const { file, result } = await exportTo(cap, 'parquet', { grep: 'no such text anywhere' });
    expect(result.lines).toBe(0);
    const rows = (
      await (await duck).runAndReadAll(`select count(*)::int as n from '${file}'`)
    ).getRowObjectsJson();
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('exports an original-format capture', async () => {
    const cap = await openCapture(original);
    const { file, result } = await exportTo(cap, 'parquet');
    expect(result.lines).toBe(ENTRIES.length);
    const rows = (await (await duck).runAndReadAll(`select msg from '${file}'`)).getRowObjectsJson();
    expect(rows.map((r) => r['msg'])).toEqual(ENTRIES.map((e) => e.msg));
  });
});

describe('csv', () => {
  it('is RFC 4180: a standard parser reads back the same values', async () => {
    const cap = await openCapture(ours);
    const { file, result } = await exportTo(cap, 'csv');
    expect(result.lines).toBe(ENTRIES.length);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('ts,labels,msg,meta\r\n')).toBe(true);
    const records = parse(text, { columns: true, relax_quotes: false }) as Array<Record<string, string>>;
    expect(records.length).toBe(ENTRIES.length);
    records.forEach((r, i) => {
      const e = ENTRIES[i]!;
      expect(
        BigInt(Date.parse(r['ts']!.slice(0, 19) + 'Z')) * 1_000_000n + BigInt(r['ts']!.slice(20, 29)),
      ).toBe(e.ts);
      expect(Object.entries(JSON.parse(r['labels']!))).toEqual(sortedPairs(e.labels));
      expect(r['msg']).toBe(e.msg);
      expect(Object.entries(JSON.parse(r['meta']!))).toEqual(sortedPairs(e.meta));
    });
  });

  it('is read by DuckDB with the same row count', async () => {
    const cap = await openCapture(ours);
    const { file } = await exportTo(cap, 'csv');
    const rows = (
      await (
        await duck
      ).runAndReadAll(
        `select count(*)::int as n from read_csv('${file}', header = true, quote = '"', escape = '"')`,
      )
    ).getRowObjectsJson();
    expect(rows).toEqual([{ n: ENTRIES.length }]);
  });
});

describe('arrow', () => {
  it('is an Arrow IPC stream with the export schema and every row', async () => {
    const cap = await openCapture(ours);
    const { file } = await exportTo(cap, 'arrow');
    const t = tableFromIPC(readFileSync(file));
    expect(t.numRows).toBe(ENTRIES.length);
    expect(t.batches.length).toBe(Math.ceil(ENTRIES.length / 700));
    expect(t.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'ts:Timestamp<NANOSECOND, UTC>',
      'labels:Map<{key:Utf8, value:Utf8}>',
      'msg:Utf8',
      'meta:Map<{key:Utf8, value:Utf8}>',
    ]);
    const ts = t.getChild('ts')!;
    const msg = t.getChild('msg')!;
    const labels = t.getChild('labels')!;
    for (const i of [0, 1, 777, ENTRIES.length - 1]) {
      const e = ENTRIES[i]!;
      // The ts vector yields ms as a number; the raw BigInt64 values are exact.
      expect((ts.data[Math.floor(i / 700)]!.values as BigInt64Array)[i % 700]).toBe(e.ts);
      expect(msg.get(i)).toBe(e.msg);
      expect([...(labels.get(i) as Map<string, string>)]).toEqual(sortedPairs(e.labels));
    }
  });

  it('is a valid stream with the schema when nothing matches', async () => {
    const cap = await openCapture(ours);
    const { file } = await exportTo(cap, 'arrow', { labels: ['app=none'] });
    const t = tableFromIPC(readFileSync(file));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.length).toBe(4);
  });
});

describe('jsonl', () => {
  function parseLines(text: string): CaptureEntry[] {
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const o = JSON.parse(l) as {
          ts: string;
          labels: Record<string, string>;
          msg: string;
          meta?: Record<string, string>;
        };
        const ns = BigInt(Date.parse(o.ts.slice(0, 19) + 'Z')) * 1_000_000n + BigInt(o.ts.slice(20, 29));
        return { ts: ns, labels: o.labels, msg: o.msg, ...(o.meta ? { meta: o.meta } : {}) };
      });
  }

  it('writes the capture schema, one entry per line, for our and the original format', async () => {
    for (const dir of [ours, original]) {
      const cap = await openCapture(dir);
      const { file, result } = await exportTo(cap, 'jsonl', { labels: ['namespace=shop'] });
      const want = ENTRIES.filter((e) => e.labels['namespace'] === 'shop');
      expect(result.lines).toBe(want.length);
      const got = parseLines(readFileSync(file, 'utf8'));
      expect(got.map((e) => [e.ts, sortedPairs(e.labels), e.msg])).toEqual(
        want.map((e) => [e.ts, sortedPairs(e.labels), e.msg]),
      );
    }
  });
});

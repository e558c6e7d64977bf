import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EncodedBatchBuilder, recycleEncodedBatch } from './encoded-batch.js';
import { type CaptureEntry, EntryEncoder, encodeLabels } from './entry-codec.js';
import { MAX_TIMESTAMP_NS } from './timestamp.js';

const NS = 1_000_000_000n;

/** The writer's clamp: the format holds 1970..9999. */
function clampNs(ts: bigint): bigint {
  if (ts < 0n) return 0n;
  return ts > MAX_TIMESTAMP_NS ? MAX_TIMESTAMP_NS : ts;
}

/** What the writer core writes for an entry: its time clamped, then EntryEncoder. */
function expectedLine(enc: EntryEncoder, e: CaptureEntry): string {
  return enc.encode({ ...e, ts: clampNs(e.ts) });
}

function text(b: ReturnType<EncodedBatchBuilder['take']>): string {
  return Buffer.from(b.data).toString('utf8');
}

const arbEntry = fc.record({
  ts: fc.bigInt({ min: -5n * NS, max: MAX_TIMESTAMP_NS + 5n * NS }),
  labels: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  msg: fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ maxLength: 40, unit: 'grapheme' }),
    fc.string({ maxLength: 40, unit: 'binary' }),
    fc.constantFrom('', '"', '\\', '\u0000\u0001\u001f\u007f', '\b\f\n\r\t', '\u2028\u2029', 'é😀'),
  ),
  meta: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }), {
    nil: undefined,
  }),
});

describe('EncodedBatchBuilder', () => {
  it('writes exactly the bytes EntryEncoder writes, from UTF-8 bytes, strings or bigint times (property)', () => {
    fc.assert(
      fc.property(fc.array(arbEntry, { minLength: 1, maxLength: 20 }), fc.nat(2), (entries, mode) => {
        const enc = new EntryEncoder();
        const b = new EncodedBatchBuilder(mode === 0 ? 0 : 64 * 1024, mode === 0 ? 0 : 1024);
        let expected = '';
        for (const raw of entries) {
          const e: CaptureEntry =
            raw.meta === undefined
              ? { ts: raw.ts, labels: raw.labels, msg: raw.msg }
              : { ...raw, meta: raw.meta };
          expected += expectedLine(enc, e);
          const set = b.labelSet(e.labels);
          const meta =
            e.meta !== undefined && Object.keys(e.meta).length > 0 ? encodeLabels(e.meta) : undefined;
          if (mode === 2) {
            b.addEntry(set, e.ts, e.msg, meta);
          } else {
            const ts = clampNs(e.ts);
            const sec = Number(ts / NS);
            const nsec = Number(ts % NS);
            if (mode === 1) {
              b.addString(set, sec, nsec, e.msg, meta);
            } else {
              // The message's UTF-8 inside a larger buffer, as a line sits in a decoded push.
              const src = Buffer.concat([Buffer.from('<<'), Buffer.from(e.msg), Buffer.from('>>')]);
              b.addUtf8(set, sec, nsec, src, 2, src.length - 2, meta);
            }
          }
        }
        const batch = b.take();
        expect(text(batch)).toBe(expected);
        expect(batch.n).toBe(entries.length);
        const lines = expected.split('\n').slice(0, -1);
        let end = 0;
        for (let i = 0; i < lines.length; i++) {
          end += Buffer.byteLength(lines[i]!) + 1;
          expect(batch.ends[i]).toBe(end);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('turns invalid UTF-8 into U+FFFD exactly as a decoder does', () => {
    const enc = new EntryEncoder();
    const b = new EncodedBatchBuilder();
    const labels = { app: 'x' };
    const samples = [
      [0x61, 0xff, 0x62],
      [0xc3, 0x28],
      [0xed, 0xa0, 0x80], // an encoded surrogate
      [0xf0, 0x9f, 0x98], // truncated 4-byte sequence
      [0x22, 0xe9, 0x0a],
    ];
    let expected = '';
    for (const bytes of samples) {
      const src = Buffer.from(bytes);
      expected += enc.encode({ ts: 7n, labels, msg: src.toString('utf8') });
      b.addUtf8(b.labelSet(labels), 0, 7, src, 0, src.length);
    }
    expect(text(b.take())).toBe(expected);
  });

  it('records per line the clamped time, the label set and the end offset; label sets once per batch', () => {
    const b = new EncodedBatchBuilder();
    const a = { app: 'a' };
    const sa = b.labelSet(a);
    const sb = b.labelSet({ app: 'b' });
    expect(b.labelSet(a)).toBe(sa);
    expect(b.labelSetJson('{"app":"b"}')).toBe(sb);
    b.addString(sa, -3, 5, 'early');
    b.addString(sb, 1_700_000_000, 123, 'now');
    b.addEntry(sa, MAX_TIMESTAMP_NS + 1n, 'late');
    expect([b.lines, b.bytes > 0]).toEqual([3, true]);
    const batch = b.take();
    expect([...batch.sec.subarray(0, 3)]).toEqual([0, 1_700_000_000, 253402300799]);
    expect([...batch.nsec.subarray(0, 3)]).toEqual([0, 123, 999_999_999]);
    expect([...batch.sets.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect(batch.labelSets).toEqual(['{"app":"a"}', '{"app":"b"}']);
    expect(batch.ends[2]).toBe(batch.data.length);
    expect(text(batch)).toContain('"ts":"1970-01-01T00:00:00.000000000Z"');
    expect(text(batch)).toContain('"ts":"9999-12-31T23:59:59.999999999Z"');
    // The builder starts over with fresh buffers: the batch taken stays intact.
    b.addString(b.labelSet(a), 1, 0, 'next');
    expect(b.take().labelSets).toEqual(['{"app":"a"}']);
    expect(text(batch).split('\n')).toHaveLength(4);
  });

  it('appends other batches (coalescing), remapping their label sets', () => {
    const enc = new EntryEncoder();
    const one = new EncodedBatchBuilder();
    one.addString(one.labelSet({ app: 'x' }), 1, 0, 'x1');
    one.addString(one.labelSet({ app: 'y' }), 2, 0, 'y1');
    const two = new EncodedBatchBuilder();
    two.addString(two.labelSet({ app: 'y' }), 3, 0, 'y2');
    const all = new EncodedBatchBuilder(0, 0);
    all.addBatch(one.take());
    all.addBatch(two.take());
    const batch = all.take();
    expect(text(batch)).toBe(
      [
        enc.encode({ ts: NS, labels: { app: 'x' }, msg: 'x1' }),
        enc.encode({ ts: 2n * NS, labels: { app: 'y' }, msg: 'y1' }),
        enc.encode({ ts: 3n * NS, labels: { app: 'y' }, msg: 'y2' }),
      ].join(''),
    );
    expect(batch.labelSets).toEqual(['{"app":"x"}', '{"app":"y"}']);
    expect([...batch.sets.subarray(0, 3)]).toEqual([0, 1, 1]);
    expect([...batch.sec.subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('reuses the buffers of a recycled batch for the next one of about the same size', () => {
    const b = new EncodedBatchBuilder(0, 0);
    const fill = () => {
      b.reserve(300_000, 2000);
      for (let i = 0; i < 2000; i++)
        b.addString(b.labelSet({ app: 'r' }), 1, i, `line number ${i} of the batch`);
      return b.take();
    };
    const first = fill();
    const firstText = text(first);
    const buffer = first.data.buffer;
    recycleEncodedBatch(first);
    const second = fill();
    expect(second.data.buffer).toBe(buffer);
    expect(text(second)).toBe(firstText);
  });

  it('grows for long lines and many lines', () => {
    const b = new EncodedBatchBuilder(0, 0);
    const set = b.labelSet({});
    const long = 'x'.repeat(300_000);
    b.addString(set, 1, 0, long);
    for (let i = 0; i < 5000; i++)
      b.addUtf8(set, 1, i, Buffer.from(`line ${i}`), 0, 6 + String(i).length - 1);
    const batch = b.take();
    expect(batch.n).toBe(5001);
    expect(text(batch).length).toBeGreaterThan(300_000);
  });
});

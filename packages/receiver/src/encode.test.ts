import { describe, expect, test } from '@jest/globals';
import { EncodedBatchBuilder } from '@logtap/capture';
import { decodePush, decodePushColumns, type PushStream } from '@logtap/protocol';
import snappy from 'snappy';
import { encodeColumns, encodeColumnsRedacted, encodeStreams } from './encode.js';
import { testRedactor } from './test-helpers/redactor.js';

// The three ways a push is serialised must write the same bytes: from columns (wire bytes), from
// columns with a redactor (strings only for the redactor), and from decodePush's strings.

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return Buffer.from(out);
}
const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);

/** A snappy Loki protobuf body with lines given as raw bytes (possibly invalid UTF-8) and metadata. */
function body(
  streams: Array<{
    labels: string;
    entries: Array<{ sec: number; nsec: number; line: Buffer; meta?: [string, string] }>;
  }>,
): Buffer {
  return snappy.compressSync(
    Buffer.concat(
      streams.map((s) =>
        field(
          0x0a,
          Buffer.concat([
            field(0x0a, Buffer.from(s.labels)),
            ...s.entries.map((e) =>
              field(
                0x12,
                Buffer.concat([
                  field(
                    0x0a,
                    Buffer.concat([Buffer.from([0x08]), varint(e.sec), Buffer.from([0x10]), varint(e.nsec)]),
                  ),
                  field(0x12, e.line),
                  ...(e.meta === undefined
                    ? []
                    : [
                        field(
                          0x1a,
                          Buffer.concat([
                            field(0x0a, Buffer.from(e.meta[0])),
                            field(0x12, Buffer.from(e.meta[1])),
                          ]),
                        ),
                      ]),
                ]),
              ),
            ),
          ]),
        ),
      ),
    ),
  );
}

/** Deterministic pseudo-random lines: ASCII, escapes, UTF-8, invalid bytes, secrets, long ones. */
function lines(seed: number, n: number): Buffer[] {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x;
  };
  const parts = [
    'GET /a 200',
    ' "q" ',
    '\\',
    '\t',
    'é✓😀',
    'mail jo@ex.io',
    'secret=s3',
    '\u0001',
    'x'.repeat(40),
  ];
  return Array.from({ length: n }, () => {
    const k = next() % 6;
    let text = '';
    for (let j = 0; j < k; j++) text += parts[next() % parts.length];
    const buf = Buffer.from(text);
    return next() % 17 === 0 ? Buffer.concat([buf, Buffer.from([0xff, 0xc3])]) : buf;
  });
}

const input = (b: Buffer) => ({ body: b, path: '/loki/api/v1/push', contentType: 'application/x-protobuf' });
const text = (b: EncodedBatchBuilder) => Buffer.from(b.take().data).toString('utf8');

describe('serialising a push', () => {
  test.each([1, 2, 3, 4, 5, 6])(
    'columns, columns redacted and strings write the same bytes (seed %i)',
    (seed) => {
      const ls = lines(seed, 60);
      const raw = body([
        {
          labels: '{app="a", owner="jo@ex.io"}',
          entries: ls.slice(0, 30).map((line, i) => ({
            sec: 1_700_000_000 + i,
            nsec: i * 7,
            line,
            ...(i % 9 === 0 ? { meta: ['user', 'jo@ex.io'] as [string, string] } : {}),
          })),
        },
        { labels: '{app="b"}', entries: ls.slice(30).map((line, i) => ({ sec: 5, nsec: i, line })) },
        {
          labels: '{owner="jo@ex.io", app="a"}',
          entries: [{ sec: 9, nsec: 9, line: Buffer.from('merged') }],
        },
      ]);
      for (const maxLine of [1 << 20, 24]) {
        // Without redaction.
        const c1 = new EncodedBatchBuilder();
        const columns = decodePushColumns(input(raw))!;
        const t1 = encodeColumns(columns, c1, maxLine).truncated;
        const s1 = new EncodedBatchBuilder();
        const t2 = encodeStreams(decodePush(input(raw)).streams, s1, maxLine, undefined, false).truncated;
        expect(text(c1)).toBe(text(s1));
        expect(t1).toBe(t2);
        // With a redactor, labels and metadata included: same bytes and the same hits.
        for (const redactLabels of [true, false]) {
          const ra = testRedactor();
          const rb = testRedactor();
          const c2 = new EncodedBatchBuilder();
          const outA = encodeColumnsRedacted(decodePushColumns(input(raw))!, c2, maxLine, ra, redactLabels);
          const s2 = new EncodedBatchBuilder();
          const streams: PushStream[] = decodePush(input(raw)).streams;
          const outB = encodeStreams(streams, s2, maxLine, rb, redactLabels);
          expect(text(c2)).toBe(text(s2));
          expect(outA.truncated).toBe(outB.truncated);
          expect(outA.labels).toEqual(outB.labels);
          expect(ra.counters()).toEqual(rb.counters());
          expect(ra.counters()['email']).toBeGreaterThan(0);
        }
      }
    },
  );
});

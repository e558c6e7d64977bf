import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BadProtobufError,
  DuplicateLabelError,
  decodePush,
  encodePushProtobuf,
  encodePushProtobufRaw,
  formatLabels,
  InvalidTimestampError,
  LabelParseError,
  LabelsTooLargeError,
  NoStreamsError,
  type PushStream,
  TooManyEntriesError,
} from './index.js';
import { StringReader } from './proto-reader.js';
import {
  decodeRawProto,
  LOKI_PATH,
  plain,
  rec,
  lokiStream as stream,
  thrown,
  writer,
} from './test-helpers/push.js';
import { PushRequest } from './test-helpers/schemas.js';

// The checked vector of docs/reference (loki-push-api.md §1.3): stream {foo="bar"}, ts 1570818238 s,
// line "fizzbuzz", structured metadata trace_id=abc.
const VECTOR_RAW =
  '0a320a0b7b666f6f3d22626172227d12230a0608be9183ed05120866697a7a62757a7a1a0f0a0874726163655f69641203616263';
const VECTOR_SNAPPY = `34cc${VECTOR_RAW}`;
const VECTOR_STREAMS: PushStream[] = [
  {
    labels: rec({ foo: 'bar' }),
    entries: [{ ts: 1570818238000000000n, line: 'fizzbuzz', metadata: rec({ trace_id: 'abc' }) }],
  },
];

const protoInput = (body: Uint8Array) => ({ body, path: LOKI_PATH, contentType: 'application/x-protobuf' });

describe('Loki protobuf + snappy: golden vector', () => {
  it('decodes the reference hex vector', () => {
    const push = decodePush(protoInput(Buffer.from(VECTOR_SNAPPY, 'hex')));
    expect(push.format).toBe('loki-protobuf');
    expect(push.lines).toBe(1);
    expect(push.lineBytes).toBe(8);
    expect(plain(push)).toEqual(plain({ streams: VECTOR_STREAMS }));
    expect(push.rejected).toBeUndefined();
  });

  it('encodes the reference vector byte for byte', () => {
    expect(Buffer.from(encodePushProtobufRaw(VECTOR_STREAMS)).toString('hex')).toBe(VECTOR_RAW);
    expect(Buffer.from(encodePushProtobuf(VECTOR_STREAMS)).toString('hex')).toBe(VECTOR_SNAPPY);
  });

  it('agrees with protobufjs reflection on the vector', () => {
    const msg = PushRequest.toObject(PushRequest.decode(Buffer.from(VECTOR_RAW, 'hex')), { longs: String });
    expect(msg).toEqual({
      streams: [
        {
          labels: '{foo="bar"}',
          entries: [
            {
              timestamp: { seconds: '1570818238' },
              line: 'fizzbuzz',
              structuredMetadata: [{ name: 'trace_id', value: 'abc' }],
            },
          ],
        },
      ],
    });
  });
});

// Random push requests: label sets, unicode lines, metadata, timestamps across the valid range.
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
const labelValue = fc.string({ minLength: 1, maxLength: 16, unit: 'grapheme' });
const arbEntry = fc.record({
  seconds: fc.integer({ min: -62135596800, max: 253402300799 }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  line: fc.oneof(
    fc.string({ maxLength: 80, unit: 'grapheme' }),
    fc.string({ maxLength: 80, unit: 'grapheme-ascii' }),
    fc.string({ maxLength: 200 }),
  ),
  metadata: fc.array(fc.record({ name: labelName, value: fc.string({ maxLength: 10 }) }), { maxLength: 3 }),
});
const arbStream = fc.record({
  labels: fc.dictionary(labelName, labelValue, { maxKeys: 4 }),
  entries: fc.array(arbEntry, { maxLength: 6 }),
});

type ArbStream = {
  labels: Record<string, string>;
  entries: Array<{
    seconds: number;
    nanos: number;
    line: string;
    metadata: Array<{ name: string; value: string }>;
  }>;
};

/** What decodePush must return for these streams: merged by label set, empty streams left out. */
function expected(streams: ArbStream[]) {
  const byKey = new Map<string, { labels: Record<string, string>; entries: unknown[] }>();
  for (const s of streams) {
    const labels = Object.fromEntries(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    const key = formatLabels(labels);
    if (!byKey.has(key)) byKey.set(key, { labels, entries: [] });
    for (const e of s.entries) {
      const ts = BigInt(e.seconds) * 1_000_000_000n + BigInt(e.nanos);
      const meta: Record<string, string> = {};
      for (const m of e.metadata) meta[m.name] = m.value;
      byKey
        .get(key)!
        .entries.push(e.metadata.length === 0 ? { ts, line: e.line } : { ts, line: e.line, metadata: meta });
    }
  }
  return [...byKey.values()].filter((s) => s.entries.length > 0);
}

describe('Loki protobuf: agreement with protobufjs reflection (property)', () => {
  it('decodes whatever protobufjs encodes', () => {
    fc.assert(
      fc.property(fc.array(arbStream, { minLength: 1, maxLength: 5 }), (streams) => {
        const msg = PushRequest.fromObject({
          streams: streams.map((s) => ({
            labels: formatLabels(s.labels),
            entries: s.entries.map((e) => ({
              timestamp: { seconds: e.seconds, nanos: e.nanos },
              line: e.line,
              structuredMetadata: e.metadata,
            })),
          })),
        });
        const push = decodeRawProto(PushRequest.encode(msg).finish());
        expect(plain(push)).toEqual(expected(streams));
        expect(push.lines).toBe(streams.reduce((n, s) => n + s.entries.length, 0));
        expect(push.lineBytes).toBe(
          streams.reduce((n, s) => n + s.entries.reduce((m, e) => m + Buffer.byteLength(e.line), 0), 0),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('encodes what protobufjs decodes, and round-trips through decodePush', () => {
    fc.assert(
      fc.property(fc.array(arbStream, { minLength: 1, maxLength: 4 }), (arb) => {
        const streams: PushStream[] = expected(arb) as PushStream[];
        fc.pre(streams.length > 0);
        const raw = encodePushProtobufRaw(streams);
        const msg = PushRequest.toObject(PushRequest.decode(raw), { longs: String, defaults: true }) as {
          streams: Array<{
            labels: string;
            entries: Array<{ timestamp: { seconds: string; nanos: number }; line: string }>;
          }>;
        };
        expect(msg.streams.map((s) => s.labels)).toEqual(streams.map((s) => formatLabels(s.labels)));
        expect(
          msg.streams.map((s) =>
            s.entries.map((e) => BigInt(e.timestamp.seconds) * 1_000_000_000n + BigInt(e.timestamp.nanos)),
          ),
        ).toEqual(streams.map((s) => s.entries.map((e) => e.ts)));
        expect(plain(decodePush(protoInput(encodePushProtobuf(streams))))).toEqual(streams);
      }),
      { numRuns: 200 },
    );
  });
});

const ts =
  (seconds: number, nanos = 0) =>
  (w: ReturnType<typeof writer>) => {
    w.uint32(0x0a).fork();
    if (seconds !== 0) w.uint32(0x08).int64(seconds);
    if (nanos !== 0) w.uint32(0x10).int32(nanos);
    w.ldelim();
  };
const line = (s: string) => (w: ReturnType<typeof writer>) => void w.uint32(0x12).string(s);
const entry =
  (seconds: number, nanos: number, text: string) =>
  (w: ReturnType<typeof writer>): void => {
    ts(seconds, nanos)(w);
    line(text)(w);
  };
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('Loki protobuf: wire-format edge cases', () => {
  it('accepts entries before the labels field, unknown fields, groups, hash, format and parsed', () => {
    const w = writer();
    w.uint32(0x12).string('loki'); // PushRequest.format = 2
    w.uint32(0x0a).fork(); // stream
    w.uint32(0x12).fork(); // entry first
    w.uint32(0x22).fork().uint32(0x0a).string('p').uint32(0x12).string('q').ldelim(); // parsed = 4, ignored
    w.uint32(0x0a).fork().uint32(0x08).int64(100).uint32(0x10).int32(5).uint32(0x18).int32(9).ldelim(); // unknown ts field 3
    w.uint32(0x12).string('first');
    w.uint32((9 << 3) | 5).fixed32(7); // unknown fixed32
    w.uint32((10 << 3) | 1).fixed64(7); // unknown fixed64
    w.uint32((11 << 3) | 3); // unknown group with a nested varint field
    w.uint32((1 << 3) | 0).uint32(5);
    w.uint32((11 << 3) | 4);
    w.ldelim();
    w.uint32(0x0a).string('{app="x"}'); // labels after the entry
    w.uint32(0x18).uint64(12345); // hash = 3
    w.uint32(0x32).string('unknown stream field');
    w.ldelim();
    const push = decodeRawProto(w.finish());
    expect(plain(push)).toEqual([
      { labels: { app: 'x' }, entries: [{ ts: 100_000_000_005n, line: 'first' }] },
    ]);
  });

  it('keeps the last value of a repeated scalar field, as protobuf does', () => {
    const raw = stream('{a="1"}', (w) => {
      ts(1)(w);
      line('old')(w);
      line('new')(w);
      ts(2)(w);
    });
    expect(plain(decodeRawProto(raw))[0]!.entries).toEqual([{ ts: 2_000_000_000n, line: 'new' }]);
  });

  it('handles timestamps at the edges of google.protobuf.Timestamp and before 1970', () => {
    const raw = stream(
      '{a="1"}',
      entry(-62135596800, 0, 'year 1'),
      entry(253402300799, 999999999, 'year 9999'),
      entry(-1, 500, 'pre-epoch'),
      entry(0, 0, 'epoch'),
    );
    expect(plain(decodeRawProto(raw))[0]!.entries.map((e) => (e as { ts: bigint }).ts)).toEqual([
      -62135596800_000000000n,
      253402300799_999999999n,
      -999999500n,
      0n,
    ]);
  });

  it.each([
    ['nanos over 999999999', entry(1, 1_000_000_000, 'x')],
    ['negative nanos', entry(1, -1, 'x')],
    ['seconds past year 9999', entry(253402300800, 0, 'x')],
    ['seconds before year 1', entry(-62135596801, 0, 'x')],
  ])('rejects %s (400, like gogo StdTimeUnmarshal)', (_name, e) => {
    const err = thrown(() => decodeRawProto(stream('{a="1"}', e)));
    expect(err).toBeInstanceOf(InvalidTimestampError);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain('PushRequest.streams[0].entries[0]');
  });

  it('rejects entries without a timestamp but keeps the rest of the request (partial 400)', () => {
    const raw = concat(
      stream('{a="1"}', line('no ts'), entry(5, 0, 'ok')),
      stream('{b="2"}', entry(6, 0, 'fine')),
    );
    const push = decodeRawProto(raw);
    expect(plain(push)).toEqual([
      { labels: { a: '1' }, entries: [{ ts: 5_000_000_000n, line: 'ok' }] },
      { labels: { b: '2' }, entries: [{ ts: 6_000_000_000n, line: 'fine' }] },
    ]);
    expect(push.lines).toBe(2);
    expect(push.rejected).toHaveLength(1);
    expect(push.rejected![0]).toMatchObject({ labels: '{a="1"}', entries: 1 });
    expect(push.rejected![0]!.error.code).toBe('PROTOCOL_INVALID_TIMESTAMP');
  });

  it('rejects a stream with a duplicate label name and keeps the others', () => {
    const raw = concat(
      stream('{a="1", a="2"}', entry(1, 0, 'x'), entry(2, 0, 'y')),
      stream('{b="2"}', entry(3, 0, 'z')),
    );
    const push = decodeRawProto(raw);
    expect(plain(push)).toEqual([{ labels: { b: '2' }, entries: [{ ts: 3_000_000_000n, line: 'z' }] }]);
    expect(push.rejected).toHaveLength(1);
    expect(push.rejected![0]!.entries).toBe(2);
    expect(push.rejected![0]!.error).toBeInstanceOf(DuplicateLabelError);
  });

  it('merges streams with the same label set, however the label string is written', () => {
    const raw = concat(
      stream('{b="2", a="1"}', entry(1, 0, 'one')),
      stream('{c="3"}', entry(2, 0, 'two')),
      stream("{a='1',b=`2`,}", entry(3, 0, 'three')),
      stream('{a="1", b="2", empty=""}', entry(4, 0, 'four')),
    );
    const push = decodeRawProto(raw);
    expect(plain(push)).toEqual([
      {
        labels: { a: '1', b: '2' },
        entries: [
          { ts: 1_000_000_000n, line: 'one' },
          { ts: 3_000_000_000n, line: 'three' },
          { ts: 4_000_000_000n, line: 'four' },
        ],
      },
      { labels: { c: '3' }, entries: [{ ts: 2_000_000_000n, line: 'two' }] },
    ]);
  });

  it('leaves out streams without entries; a request without any stream is a 422', () => {
    const push = decodeRawProto(concat(stream('{a="1"}'), stream('{b="1"}', entry(1, 0, 'x'))));
    expect(push.streams.map((s) => ({ ...s.labels }))).toEqual([{ b: '1' }]);
    const onlyEmpty = decodeRawProto(stream('{a="1"}'));
    expect(onlyEmpty.streams).toEqual([]);
    expect(onlyEmpty.lines).toBe(0);
    const err = thrown(() => decodeRawProto(new Uint8Array(0)));
    expect(err).toBeInstanceOf(NoStreamsError);
    expect(err.httpStatus).toBe(422);
    expect(err.message).toBe('error at least one valid stream is required for ingestion');
  });

  it('accepts an empty or missing label string (an empty label set)', () => {
    expect(plain(decodeRawProto(stream(undefined, entry(1, 0, 'x'))))).toEqual([
      { labels: {}, entries: [{ ts: 1_000_000_000n, line: 'x' }] },
    ]);
    expect(plain(decodeRawProto(stream('{}', entry(1, 0, 'x'))))[0]!.labels).toEqual({});
  });

  it('fails the whole request on an unparsable label string, as Loki does', () => {
    const err = thrown(() =>
      decodeRawProto(concat(stream('{a="1"}', entry(1, 0, 'x')), stream('{ab"', entry(1, 0, 'y')))),
    );
    expect(err).toBeInstanceOf(LabelParseError);
    expect(err.message).toContain("'{ab\"'");
    expect(err.message).toContain('1:4');
  });

  it('rejects label strings that are not valid UTF-8', () => {
    const w = writer();
    w.uint32(0x0a)
      .fork()
      .uint32(0x0a)
      .bytes(Buffer.from([0x7b, 0x61, 0x3d, 0x22, 0xff, 0x22, 0x7d]))
      .ldelim();
    const err = thrown(() => decodeRawProto(w.finish()));
    expect(err).toBeInstanceOf(LabelParseError);
    expect(err.message).toContain('invalid UTF-8');
    expect((err as LabelParseError).column).toBe(5);
  });

  it('refuses a label string over 16 MiB with 413', () => {
    const err = thrown(() =>
      decodeRawProto(stream(`{a="${'x'.repeat(16 * 1024 * 1024)}"}`, entry(1, 0, 'x')), {
        maxDecompressedBytes: 0,
      }),
    );
    expect(err).toBeInstanceOf(LabelsTooLargeError);
    expect(err.httpStatus).toBe(413);
  });

  it('keeps lines byte-exact: invalid UTF-8 becomes U+FFFD, mixed ASCII and UTF-8 lines decode correctly', () => {
    const w = writer();
    w.uint32(0x0a).fork().uint32(0x0a).string('{a="1"}');
    const lines = [
      'plain ascii line that is long enough to use words',
      'héllo wörld ✓ 😀',
      'x'.repeat(200),
      'ünïcödé'.repeat(30),
      'é',
    ];
    for (const l of lines) {
      w.uint32(0x12).fork();
      ts(1)(w);
      w.uint32(0x12).string(l);
      w.ldelim();
    }
    w.uint32(0x12).fork();
    ts(1)(w);
    w.uint32(0x12).bytes(Buffer.from([0x61, 0xff, 0xfe, 0x62]));
    w.ldelim();
    w.ldelim();
    const push = decodeRawProto(w.finish());
    expect(push.streams[0]!.entries.map((e) => e.line)).toEqual([...lines, 'a\ufffd\ufffdb']);
    expect(push.lineBytes).toBe(lines.reduce((n, l) => n + Buffer.byteLength(l), 0) + 4);
  });

  it.each([
    ['a truncated stream', Buffer.from('0a05', 'hex'), 'PushRequest', 'runs past the end'],
    ['a truncated varint', Buffer.from('0a', 'hex'), 'PushRequest', 'unexpected end of message'],
    ['a varint of 11 bytes', Buffer.from('0affffffffffffffffffffff01', 'hex'), 'PushRequest', 'varint'],
    ['wire type 7', Buffer.from('0f', 'hex'), 'PushRequest', 'invalid wire type 7'],
    ['field number 0', Buffer.from('00', 'hex'), 'PushRequest', 'field number 0'],
    ['a stray end-group tag', Buffer.from('0c', 'hex'), 'PushRequest', 'end-group'],
    [
      'an entry running past its stream',
      Buffer.from('0a0412090a00', 'hex'),
      'PushRequest.streams[0]',
      'runs past',
    ],
    [
      'a truncated timestamp',
      Buffer.from('0a0512030a0108', 'hex'),
      'PushRequest.streams[0].entries[0]',
      'truncated varint',
    ],
  ])('rejects %s with a BadProtobufError that says where', (_name, raw, where, reason) => {
    const err = thrown(() => decodeRawProto(raw));
    expect(err).toBeInstanceOf(BadProtobufError);
    expect(err.httpStatus).toBe(400);
    expect((err as BadProtobufError).where).toBe(where);
    expect(err.message).toContain(reason);
  });

  it('enforces maxEntries and maxStreams (413)', () => {
    const raw = concat(
      stream('{a="1"}', entry(1, 0, 'x'), entry(2, 0, 'y')),
      stream('{a="2"}', entry(1, 0, 'z')),
    );
    expect(decodeRawProto(raw, { maxEntries: 3, maxStreams: 2 }).lines).toBe(3);
    const e1 = thrown(() => decodeRawProto(raw, { maxEntries: 2 }));
    expect(e1).toBeInstanceOf(TooManyEntriesError);
    expect(e1.httpStatus).toBe(413);
    expect(thrown(() => decodeRawProto(raw, { maxStreams: 1 }))).toBeInstanceOf(TooManyEntriesError);
  });
});

describe('StringReader', () => {
  it('finds non-ASCII bytes at any alignment', () => {
    const base = Buffer.alloc(300, 0x61);
    for (let offset = 0; offset < 4; offset++) {
      const buf = Buffer.from(base.buffer, offset, 290);
      const reader = new StringReader(buf);
      for (let hi = 0; hi < 40; hi++) {
        buf[hi] = 0xc3;
        for (let start = 0; start < 30; start += 3) {
          for (const len of [0, 1, 5, 11, 12, 13, 31, 64, 100]) {
            const end = Math.min(start + len, buf.length);
            const expectedAscii = !(hi >= start && hi < end);
            expect(reader.isAscii(start, end)).toBe(expectedAscii);
          }
        }
        buf[hi] = 0x61;
      }
    }
  });
});

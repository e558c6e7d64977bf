/**
 * decodePushColumns must be decodePush without the strings: for any input, the same error (class, code,
 * message) or, materialised, the same streams, counts and rejections.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import snappy from 'snappy';
import {
  type DecodeLimits,
  decodePush,
  decodePushColumns,
  encodePushJson,
  encodePushProtobufRaw,
  materializeColumns,
  type PushRequestInput,
  type PushStream,
} from './index.js';
import {
  LEGACY_PATH,
  LOKI_PATH,
  OTLP_PATH,
  plain,
  rec,
  lokiStream as stream,
  type writer,
} from './test-helpers/push.js';

const LIMITS: DecodeLimits = {
  maxCompressedBytes: 256 * 1024,
  maxDecompressedBytes: 256 * 1024,
  maxEntries: 2_000,
  maxStreams: 200,
};

function protoInput(raw: Uint8Array, extra: Partial<PushRequestInput> = {}): PushRequestInput {
  return {
    body: snappy.compressSync(Buffer.from(raw)),
    path: LOKI_PATH,
    contentType: 'application/x-protobuf',
    ...extra,
  };
}

type Outcome =
  | { error: { name: string; code: string; message: string; httpStatus: number } }
  | { push: ReturnType<typeof summary> };

function summary(p: ReturnType<typeof decodePush>) {
  return {
    streams: plain(p),
    lines: p.lines,
    lineBytes: p.lineBytes,
    format: p.format,
    rejected: p.rejected?.map((r) => ({ labels: r.labels, entries: r.entries, message: r.error.message })),
  };
}

function outcome(f: () => ReturnType<typeof decodePush>): Outcome {
  try {
    return { push: summary(f()) };
  } catch (err) {
    const e = err as Error & { code: string; httpStatus: number };
    return { error: { name: e.name, code: e.code, message: e.message, httpStatus: e.httpStatus } };
  }
}

/** Asserts both decoders agree on `input`; returns whether the columnar decoder handled it. */
function agree(input: PushRequestInput, limits = LIMITS): boolean {
  const expected = outcome(() => decodePush(input, limits));
  let handled = true;
  const actual = outcome(() => {
    const c = decodePushColumns(input, limits);
    if (c === undefined) {
      handled = false;
      return decodePush(input, limits);
    }
    return materializeColumns(c);
  });
  expect(actual).toEqual(expected);
  return handled;
}

const entry =
  (seconds: number, nanos: number, text: string | Uint8Array, meta?: Record<string, string>) =>
  (w: ReturnType<typeof writer>): void => {
    w.uint32(0x0a).fork();
    if (seconds !== 0) w.uint32(0x08).int64(seconds);
    if (nanos !== 0) w.uint32(0x10).int32(nanos);
    w.ldelim();
    if (typeof text === 'string') w.uint32(0x12).string(text);
    else w.uint32(0x12).bytes(text);
    for (const [name, value] of Object.entries(meta ?? {})) {
      w.uint32(0x1a).fork().uint32(0x0a).string(name).uint32(0x12).string(value).ldelim();
    }
  };
const noTs = (text: string) => (w: ReturnType<typeof writer>) => void w.uint32(0x12).string(text);
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('decodePushColumns', () => {
  it('keeps line bytes in place and timestamps as seconds and nanos', () => {
    const raw = concat(
      stream('{app="a"}', entry(1_700_000_000, 5, 'hello'), entry(1_700_000_001, 0, 'é😀')),
      stream('{app="b"}', entry(-5, 999_999_999, '')),
    );
    const c = decodePushColumns(protoInput(raw))!;
    expect(c.format).toBe('loki-protobuf');
    expect(c.lines).toBe(3);
    expect(c.lineBytes).toBe(5 + Buffer.byteLength('é😀'));
    expect(c.streams.map((s) => ({ labels: { ...s.labels }, runs: s.runs, lines: s.lines }))).toEqual([
      { labels: { app: 'a' }, runs: [0, 2], lines: 2 },
      { labels: { app: 'b' }, runs: [2, 3], lines: 1 },
    ]);
    const { sec, nsec, start, end } = c.entries;
    expect([sec[0], nsec[0], sec[2], nsec[2]]).toEqual([1_700_000_000, 5, -5, 999_999_999]);
    expect(c.data.toString('utf8', start[1], end[1])).toBe('é😀');
    expect(c.entries.meta).toBeUndefined();
  });

  it('merges streams of one label set into runs, in decodePush order', () => {
    const raw = concat(
      stream('{app="a"}', noTs('x')), // first seen with no kept entry: still first in the order
      stream('{app="b"}', entry(2, 0, 'b1')),
      stream('{ app = "a" }', entry(3, 0, 'a1')),
      stream('{app="a"}', entry(4, 0, 'a2')),
    );
    const input = protoInput(raw);
    expect(agree(input)).toBe(true);
    const c = decodePushColumns(input)!;
    expect(c.streams.map((s) => s.runs)).toEqual([
      [1, 3],
      [0, 1],
    ]);
  });

  it.each([
    [
      'duplicate label: the stream is refused, the rest kept',
      concat(stream('{a="1", a="2"}', entry(1, 0, 'x')), stream('{b="1"}', entry(1, 0, 'y'))),
    ],
    [
      'missing timestamps are refused, the rest kept',
      stream('{a="1"}', noTs('x'), entry(1, 0, 'y'), noTs('z')),
    ],
    ['metadata', stream('{a="1"}', entry(1, 0, 'x', { trace_id: 'abc', 'odd key': 'é' }), entry(1, 1, 'y'))],
    [
      'invalid UTF-8 in lines',
      stream('{a="1"}', entry(1, 0, new Uint8Array([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]))),
    ],
    ['an empty label string', stream('', entry(1, 0, 'x'))],
    ['no label field', stream(undefined, entry(1, 0, 'x'))],
    ['an unparsable label string', stream('{a=1}', entry(1, 0, 'x'))],
    ['a timestamp out of range', stream('{a="1"}', entry(253402300800, 0, 'x'))],
    ['nanos out of range', stream('{a="1"}', entry(1, -1, 'x'))],
    ['no stream at all', new Uint8Array(0)],
    [
      'a rolled-back stream with metadata before a kept one',
      concat(stream('{a="1",a="1"}', entry(1, 0, 'x', { k: 'v' })), stream('{b="1"}', entry(1, 0, 'y'))),
    ],
  ])('agrees with decodePush: %s', (_name, raw) => {
    expect(agree(protoInput(raw))).toBe(true);
  });

  it('agrees on limits (entries, streams, sizes)', () => {
    const raw = concat(
      ...Array.from({ length: 30 }, (_, i) => stream(`{i="${i}"}`, entry(1, 0, 'x'), entry(1, 1, 'y'))),
    );
    for (const limits of [
      { maxEntries: 10 },
      { maxStreams: 5 },
      { maxDecompressedBytes: 100 },
      { maxCompressedBytes: 10 },
    ]) {
      expect(agree(protoInput(raw), limits)).toBe(true);
    }
  });

  it('leaves JSON bodies and OTLP to decodePush, and fails unknown paths and bad encodings the same way', () => {
    const json = Buffer.from(encodePushJson([{ labels: rec({ a: '1' }), entries: [{ ts: 1n, line: 'x' }] }]));
    expect(
      decodePushColumns({ body: json, path: LOKI_PATH, contentType: 'application/json' }),
    ).toBeUndefined();
    expect(
      decodePushColumns({ body: json, path: LEGACY_PATH, contentType: 'application/json; charset=utf-8' }),
    ).toBeUndefined();
    expect(
      decodePushColumns({ body: json, path: OTLP_PATH, contentType: 'application/json' }),
    ).toBeUndefined();
    const raw = stream('{a="1"}', entry(1, 0, 'x'));
    expect(agree(protoInput(raw, { path: '/nope' }))).toBe(true);
    expect(agree(protoInput(raw, { contentEncoding: 'br' }))).toBe(true);
    expect(agree(protoInput(raw, { contentType: undefined }))).toBe(true);
    expect(
      agree(
        protoInput(raw, { body: gzipSync(snappy.compressSync(Buffer.from(raw))), contentEncoding: 'gzip' }),
      ),
    ).toBe(true);
    expect(agree({ body: Buffer.from(raw), path: LOKI_PATH, contentType: 'application/x-protobuf' })).toBe(
      true,
    );
  });

  it('grows its columns for large pushes and resets them between calls', () => {
    const many: PushStream[] = [
      {
        labels: rec({ app: 'big' }),
        entries: Array.from({ length: 5000 }, (_, i) => ({
          ts: BigInt(i) * 1_000_000_123n,
          line: `line ${i}`,
        })),
      },
    ];
    expect(agree(protoInput(encodePushProtobufRaw(many)), { maxEntries: 10_000 })).toBe(true);
    expect(agree(protoInput(stream('{a="1"}', entry(1, 0, 'small'))))).toBe(true);
  });

  it('agrees with decodePush on random pushes and random mutations of them (property)', () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/);
    const arbEntry = fc.record({
      ts: fc.bigInt({
        min: -62135596800n * 1_000_000_000n,
        max: 253402300799n * 1_000_000_000n + 999_999_999n,
      }),
      line: fc.oneof(fc.string({ maxLength: 60, unit: 'grapheme' }), fc.string({ maxLength: 100 })),
      meta: fc.option(fc.dictionary(labelName, fc.string({ maxLength: 8 }), { maxKeys: 2 }), {
        nil: undefined,
      }),
    });
    const arbStreams = fc.array(
      fc.record({
        labels: fc.dictionary(fc.constantFrom('app', 'pod', 'ns'), fc.constantFrom('a', 'b', ''), {
          maxKeys: 2,
        }),
        entries: fc.array(arbEntry, { maxLength: 5 }),
      }),
      { minLength: 1, maxLength: 5 },
    );
    const mutation = fc.array(fc.record({ at: fc.nat(), value: fc.nat(255), cut: fc.boolean() }), {
      maxLength: 3,
    });
    let handled = 0;
    fc.assert(
      fc.property(arbStreams, mutation, (streams, mutations) => {
        const pushStreams: PushStream[] = streams.map((s) => ({
          labels: rec(s.labels),
          entries: s.entries.map((e) =>
            e.meta === undefined
              ? { ts: e.ts, line: e.line }
              : { ts: e.ts, line: e.line, metadata: rec(e.meta) },
          ),
        }));
        let raw = Buffer.from(encodePushProtobufRaw(pushStreams));
        for (const m of mutations) {
          if (raw.length === 0) break;
          if (m.cut) raw = raw.subarray(0, m.at % raw.length);
          else raw[m.at % raw.length] = m.value;
        }
        if (agree(protoInput(raw))) handled++;
      }),
      { numRuns: 600, interruptAfterTimeLimit: 5_000 },
    );
    expect(handled).toBeGreaterThan(100);
  });
});

import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import * as api from './index.js';
import {
  BadJsonError,
  BadSnappyError,
  BodyTooLargeError,
  DEFAULT_LIMITS,
  decodePush,
  encodePushJson,
  encodePushProtobuf,
  encodePushProtobufRaw,
  formatRejections,
  InvalidContentTypeError,
  LabelsTooLargeError,
  type PushStream,
  pushRouteOf,
  UnknownPathError,
  UnsupportedEncodingError,
} from './index.js';
import { LOKI_PATH, OTLP_PATH, plain, rec, thrown } from './test-helpers/push.js';

const streams: PushStream[] = [
  {
    labels: rec({ app: 'api', namespace: 'shop' }),
    entries: [
      { ts: 1n, line: 'one' },
      { ts: 2n, line: 'two' },
    ],
  },
  { labels: rec({ app: 'db' }), entries: [{ ts: 3n, line: 'three', metadata: rec({ trace_id: 'abc' }) }] },
];
const json = Buffer.from(encodePushJson(streams));
const proto = Buffer.from(encodePushProtobuf(streams));

describe('decodePush: routing', () => {
  it.each([
    ['/loki/api/v1/push', 'loki-v1'],
    ['/LOKI/API/V1/PUSH', 'loki-v1'],
    ['/loki/api/v1/push/', 'loki-v1'],
    ['/loki/api/v1/push?tenant=x', 'loki-v1'],
    ['/prefix/loki/api/v1/push', 'loki-v1'],
    ['/api/prom/push', 'loki-legacy'],
    ['/otlp/v1/logs', 'otlp'],
    ['/v1/logs', 'otlp'],
    ['/', undefined],
    ['/loki/api/v1/query', undefined],
    ['/otlp/v1/traces', undefined],
  ])('%s → %s', (path, route) => {
    expect(pushRouteOf(path)).toBe(route);
  });

  it('answers 404 for other paths', () => {
    const err = thrown(() => decodePush({ body: json, path: '/push', contentType: 'application/json' }));
    expect(err).toBeInstanceOf(UnknownPathError);
    expect(err.httpStatus).toBe(404);
  });
});

describe("decodePush: Loki's own request parsing cases (pkg/loghttp/push/push_test.go)", () => {
  const req = (body: Uint8Array, contentType: string | undefined, contentEncoding?: string) =>
    decodePush({ body, path: LOKI_PATH, contentType, contentEncoding });

  it('accepts JSON, gzip JSON, raw deflate JSON, zlib deflate JSON and charset parameters', () => {
    const expected = plain({ streams });
    expect(plain(req(json, 'application/json'))).toEqual(expected);
    expect(plain(req(json, 'application/json; charset=utf-8'))).toEqual(expected);
    expect(plain(req(gzipSync(json), 'application/json', 'gzip'))).toEqual(expected);
    expect(plain(req(deflateRawSync(json), 'application/json', 'deflate'))).toEqual(expected);
    expect(plain(req(deflateSync(json), 'application/json', 'deflate'))).toEqual(expected);
  });

  it('accepts protobuf + snappy with and without Content-Encoding: snappy, and gzip around it', () => {
    const expected = plain({ streams });
    expect(plain(req(proto, 'application/x-protobuf'))).toEqual(expected);
    expect(plain(req(proto, 'application/x-protobuf', 'snappy'))).toEqual(expected);
    expect(plain(req(gzipSync(proto), 'application/x-protobuf', 'gzip'))).toEqual(expected);
    // Any media type other than application/json is protobuf, as in Loki.
    expect(plain(req(proto, 'application/octet-stream'))).toEqual(expected);
  });

  it('refuses an empty body with application/json', () => {
    expect(thrown(() => req(Buffer.alloc(0), 'application/json'))).toBeInstanceOf(BadJsonError);
  });

  it('refuses a valid JSON body without Content-Type (400)', () => {
    const err = thrown(() => req(json, undefined));
    expect(err).toBeInstanceOf(InvalidContentTypeError);
    expect(err.httpStatus).toBe(400);
    expect(thrown(() => req(json, ''))).toBeInstanceOf(InvalidContentTypeError);
  });

  it('refuses a gzip body labelled Content-Encoding: snappy with JSON, saying why', () => {
    const err = thrown(() => req(gzipSync(json), 'application/json', 'snappy'));
    expect(err).toBeInstanceOf(BadJsonError);
    expect(err.message).toContain('must not be snappy-compressed');
  });

  it('refuses a typo in the media type (it selects protobuf) and a malformed parameter', () => {
    const typo = thrown(() => req(json, 'application/jsonn; charset=utf-8'));
    expect(typo).toBeInstanceOf(BadSnappyError);
    expect(typo.message).toContain('looks like JSON');
    expect(thrown(() => req(json, 'application/json; charsetutf-8'))).toBeInstanceOf(InvalidContentTypeError);
  });

  it('refuses zstd on the Loki push path (Loki accepts it only for OTLP)', () => {
    expect(thrown(() => req(json, 'application/json', 'zstd'))).toBeInstanceOf(UnsupportedEncodingError);
  });

  it('checks Content-Encoding before Content-Type', () => {
    expect(thrown(() => req(json, undefined, 'br'))).toBeInstanceOf(UnsupportedEncodingError);
  });

  it('refuses uncompressed protobuf with a hint', () => {
    const err = thrown(() => req(Buffer.from(encodePushProtobufRaw(streams)), 'application/x-protobuf'));
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain('uncompressed protobuf');
  });

  it('treats a 0 decompressed limit as unlimited for gzip, deflate and snappy', () => {
    const big: PushStream[] = [{ labels: rec({ a: '1' }), entries: [{ ts: 1n, line: 'x'.repeat(3 << 20) }] }];
    const bigJson = Buffer.from(encodePushJson(big));
    const limits = { maxDecompressedBytes: 0 };
    expect(
      decodePush(
        {
          body: gzipSync(bigJson),
          path: LOKI_PATH,
          contentType: 'application/json',
          contentEncoding: 'gzip',
        },
        limits,
      ).lineBytes,
    ).toBe(3 << 20);
    expect(
      decodePush(
        {
          body: deflateRawSync(bigJson),
          path: LOKI_PATH,
          contentType: 'application/json',
          contentEncoding: 'deflate',
        },
        limits,
      ).lines,
    ).toBe(1);
    expect(
      decodePush(
        { body: encodePushProtobuf(big), path: LOKI_PATH, contentType: 'application/x-protobuf' },
        limits,
      ).lines,
    ).toBe(1);
  });

  it('answers 413 for one label string over 16 MiB (JSON and protobuf), not for many smaller ones', () => {
    const huge = 'x'.repeat(16 * 1024 * 1024 + 1);
    const limits = { maxDecompressedBytes: 0, maxCompressedBytes: 0 };
    const hugeJson = Buffer.from(
      encodePushJson([{ labels: rec({ a: huge }), entries: [{ ts: 1n, line: 'x' }] }]),
    );
    const e1 = thrown(() =>
      decodePush({ body: hugeJson, path: LOKI_PATH, contentType: 'application/json' }, limits),
    );
    expect(e1).toBeInstanceOf(LabelsTooLargeError);
    expect(e1.httpStatus).toBe(413);
    const hugeProto = encodePushProtobuf([{ labels: rec({ a: huge }), entries: [{ ts: 1n, line: 'x' }] }]);
    expect(
      thrown(() =>
        decodePush({ body: hugeProto, path: LOKI_PATH, contentType: 'application/x-protobuf' }, limits),
      ),
    ).toBeInstanceOf(LabelsTooLargeError);
    const half = 'y'.repeat(9 * 1024 * 1024);
    const many = encodePushProtobuf([
      { labels: rec({ a: half }), entries: [{ ts: 1n, line: 'x' }] },
      { labels: rec({ b: half }), entries: [{ ts: 1n, line: 'y' }] },
    ]);
    expect(
      decodePush({ body: many, path: LOKI_PATH, contentType: 'application/x-protobuf' }, limits).streams,
    ).toHaveLength(2);
  });
});

describe("decodePush: size limits (Loki's pkg/distributor/http_test.go)", () => {
  it('answers 413 for every format when the body is over the compressed limit', () => {
    const tiny = { maxCompressedBytes: 10 };
    const cases = [
      { body: encodePushProtobufRaw(streams), path: LOKI_PATH, contentType: 'application/x-protobuf' },
      { body: proto, path: LOKI_PATH, contentType: 'application/x-protobuf' },
      { body: json, path: LOKI_PATH, contentType: 'application/json' },
      { body: Buffer.from('{"resourceLogs":[]}'), path: OTLP_PATH, contentType: 'application/json' },
    ];
    for (const input of cases) {
      const err = thrown(() => decodePush(input, tiny));
      expect(err).toBeInstanceOf(BodyTooLargeError);
      expect((err as BodyTooLargeError).stage).toBe('compressed');
      expect(err.httpStatus).toBe(413);
    }
  });

  it('answers 413 for gzip JSON and snappy protobuf over the decompressed limit', () => {
    const limit = { maxDecompressedBytes: 64 };
    const e1 = thrown(() =>
      decodePush(
        { body: gzipSync(json), path: LOKI_PATH, contentType: 'application/json', contentEncoding: 'gzip' },
        limit,
      ),
    );
    expect(e1).toBeInstanceOf(BodyTooLargeError);
    // A compressible body: the snappy block is small, its declared length is over the limit.
    const repetitive: PushStream[] = [
      { labels: rec({ a: '1' }), entries: [{ ts: 1n, line: 'abc'.repeat(100) }] },
    ];
    const raw = encodePushProtobufRaw(repetitive);
    const block = encodePushProtobuf(repetitive);
    const cap = { maxDecompressedBytes: block.length + 10 };
    expect(raw.length).toBeGreaterThan(cap.maxDecompressedBytes);
    const e2 = thrown(() =>
      decodePush({ body: block, path: LOKI_PATH, contentType: 'application/x-protobuf' }, cap),
    ) as BodyTooLargeError;
    expect(e2).toBeInstanceOf(BodyTooLargeError);
    expect(e2.size).toBe(raw.length);
    expect(e2.message).toContain(`limit of ${cap.maxDecompressedBytes} bytes`);
  });

  it('has documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxCompressedBytes: 32 << 20,
      maxDecompressedBytes: 64 << 20,
      maxEntries: 1_000_000,
      maxStreams: 100_000,
    });
  });
});

describe('the error table (pinned: receivers switch on codes and statuses)', () => {
  it('maps every error class to a stable code and the HTTP status Loki answers', () => {
    const samples = [
      new api.UnknownPathError('/x'),
      new api.InvalidContentTypeError(undefined, 'missing'),
      new api.UnsupportedMediaTypeError('text/plain'),
      new api.UnsupportedEncodingError('br', ['gzip']),
      new api.BodyTooLargeError('compressed', 1, 2),
      new api.TooManyEntriesError('entries', 1),
      new api.LabelsTooLargeError(2, 1),
      new api.BadCompressionError('gzip', 'x'),
      new api.BadSnappyError('x'),
      new api.SnappyFramedError(),
      new api.BadProtobufError('PushRequest', 0, 'x'),
      new api.BadJsonError('x', 0),
      new api.InvalidPayloadError('$', 'x'),
      new api.InvalidTimestampError('$', 'x', 'y'),
      new api.LabelParseError('{', 1, 1, 2, 'x'),
      new api.DuplicateLabelError('{a="1", a="2"}', 'a'),
      new api.NoStreamsError(),
    ];
    expect(samples.map((e) => [e.name, e.code, e.httpStatus])).toEqual([
      ['UnknownPathError', 'PROTOCOL_UNKNOWN_PATH', 404],
      ['InvalidContentTypeError', 'PROTOCOL_INVALID_CONTENT_TYPE', 400],
      ['UnsupportedMediaTypeError', 'PROTOCOL_UNSUPPORTED_MEDIA_TYPE', 415],
      ['UnsupportedEncodingError', 'PROTOCOL_UNSUPPORTED_ENCODING', 400],
      ['BodyTooLargeError', 'PROTOCOL_BODY_TOO_LARGE', 413],
      ['TooManyEntriesError', 'PROTOCOL_TOO_MANY_ENTRIES', 413],
      ['LabelsTooLargeError', 'PROTOCOL_LABELS_TOO_LARGE', 413],
      ['BadCompressionError', 'PROTOCOL_BAD_COMPRESSION', 400],
      ['BadSnappyError', 'PROTOCOL_BAD_SNAPPY', 400],
      ['SnappyFramedError', 'PROTOCOL_SNAPPY_FRAMED', 400],
      ['BadProtobufError', 'PROTOCOL_BAD_PROTOBUF', 400],
      ['BadJsonError', 'PROTOCOL_BAD_JSON', 400],
      ['InvalidPayloadError', 'PROTOCOL_INVALID_PAYLOAD', 400],
      ['InvalidTimestampError', 'PROTOCOL_INVALID_TIMESTAMP', 400],
      ['LabelParseError', 'PROTOCOL_INVALID_LABELS', 400],
      ['DuplicateLabelError', 'PROTOCOL_DUPLICATE_LABEL', 400],
      ['NoStreamsError', 'PROTOCOL_NO_STREAMS', 422],
    ]);
    for (const e of samples) {
      expect(e).toBeInstanceOf(api.ProtocolError);
      expect(api.isProtocolError(e)).toBe(true);
    }
    expect(api.isProtocolError(new Error('x'))).toBe(false);
  });

  it('groups partial rejections like Loki', () => {
    const dup = new api.DuplicateLabelError('{a="1", a="2"}', 'a');
    expect(
      formatRejections([
        { labels: '{a="1", a="2"}', entries: 10, error: dup },
        {
          labels: '{b="1"}',
          entries: 1,
          error: new api.InvalidTimestampError('x', '', 'entry has no timestamp'),
        },
      ]),
    ).toBe(
      `10 errors like: ${dup.message}\n1 errors like: invalid timestamp "" at x: entry has no timestamp`,
    );
  });
});

describe('the public API (pinned)', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toMatchSnapshot();
  });
});

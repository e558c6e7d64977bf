import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { compress as zstdCompress } from 'zstd-napi';
import { decodeContent, effectiveLimit, parseContentEncoding, parseMediaType } from './content.js';
import {
  BadCompressionError,
  BodyTooLargeError,
  InvalidContentTypeError,
  UnsupportedEncodingError,
} from './errors.js';
import { thrown } from './test-helpers/push.js';

describe('parseMediaType (Go mime.ParseMediaType rules)', () => {
  it.each([
    ['application/json', 'application/json'],
    ['Application/JSON', 'application/json'],
    ['application/json; charset=utf-8', 'application/json'],
    ['application/json;charset="utf-8"', 'application/json'],
    ['  application/x-protobuf  ', 'application/x-protobuf'],
    ['application/x-protobuf;', 'application/x-protobuf'],
    ['application/jsonn; charset=utf-8', 'application/jsonn'],
    ['text/plain; a=1; b="x;y"', 'text/plain'],
    ['application', 'application'],
  ])('%j → %j', (input, expected) => {
    expect(parseMediaType(input)).toBe(expected);
  });

  it.each([
    [undefined, 'missing Content-Type header'],
    ['', 'missing Content-Type header'],
    ['   ', 'missing Content-Type header'],
    ['application/json; charsetutf-8', 'invalid media parameter'],
    ['application/json; charset=', 'invalid media parameter'],
    ['application/json; charset="utf-8', 'invalid media parameter'],
    ['application/json; a=1; a=2', 'duplicate parameter name'],
    ['application/', 'expected token after slash'],
    ['/json', 'expected token'],
    ['application/json/x', 'unexpected content after media subtype'],
    ['appl ication/json', 'expected slash'],
  ])('%j is a 400', (input, message) => {
    const err = thrown(() => parseMediaType(input));
    expect(err).toBeInstanceOf(InvalidContentTypeError);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain(message);
  });
});

describe('parseContentEncoding', () => {
  const loki = ['identity', 'gzip', 'deflate', 'snappy'] as const;
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    [' deflate ', 'deflate'],
    ['snappy', 'snappy'],
    ['identity, gzip', 'gzip'],
  ])('%j → %s', (input, expected) => {
    expect(parseContentEncoding(input, loki)).toBe(expected);
  });

  it.each([['br'], ['zstd'], ['gzip, deflate'], ['compress']])(
    '%j is a 400 naming the supported codings',
    (input) => {
      const err = thrown(() => parseContentEncoding(input, loki));
      expect(err).toBeInstanceOf(UnsupportedEncodingError);
      expect(err.httpStatus).toBe(400);
      expect(err.message).toContain(`Content-Encoding "${input}" not supported`);
      expect(err.message).toContain('gzip, deflate, snappy');
    },
  );
});

describe('decodeContent', () => {
  const text = Buffer.from('{"streams":[]} '.repeat(1000));

  it('inflates gzip, raw deflate (as Loki) and zlib-wrapped deflate', () => {
    expect(Buffer.from(decodeContent(gzipSync(text), 'gzip', 1 << 20)).equals(text)).toBe(true);
    expect(Buffer.from(decodeContent(deflateRawSync(text), 'deflate', 1 << 20)).equals(text)).toBe(true);
    expect(Buffer.from(decodeContent(deflateSync(text), 'deflate', 1 << 20)).equals(text)).toBe(true);
    expect(
      Buffer.from(decodeContent(Buffer.concat([gzipSync('ab'), gzipSync('cd')]), 'gzip', 100)).toString(),
    ).toBe('abcd');
  });

  it('passes identity and snappy bodies through, still under the decompressed limit', () => {
    expect(decodeContent(text, 'identity', 1 << 20)).toBe(text);
    expect(decodeContent(text, 'snappy', 1 << 20)).toBe(text);
    expect(thrown(() => decodeContent(text, 'identity', 100))).toBeInstanceOf(BodyTooLargeError);
  });

  it('stops a gzip bomb at the cap without inflating it (413)', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KiB
    expect(bomb.length).toBeLessThan(100 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    for (const coding of ['gzip'] as const) {
      const err = thrown(() => decodeContent(bomb, coding, 1024 * 1024));
      expect(err).toBeInstanceOf(BodyTooLargeError);
      expect(err.httpStatus).toBe(413);
      expect((err as BodyTooLargeError).stage).toBe('decompressed');
    }
    const deflateBomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    expect(thrown(() => decodeContent(deflateBomb, 'deflate', 1024 * 1024))).toBeInstanceOf(
      BodyTooLargeError,
    );
    expect(
      thrown(() => decodeContent(deflateSync(Buffer.alloc(8 << 20)), 'deflate', 1024 * 1024)),
    ).toBeInstanceOf(BodyTooLargeError);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it.each([
    ['gzip', Buffer.from('not gzip at all'), 'missing gzip header'],
    ['gzip', gzipSync(text).subarray(0, 30), 'unexpected end of file'],
    ['deflate', Buffer.from('definitely not deflate'), 'deflate'],
    ['deflate', Buffer.alloc(0), 'empty body'],
  ] as const)('refuses corrupt %s data with 400', (coding, body, message) => {
    const err = thrown(() => decodeContent(body, coding, 1 << 20));
    expect(err).toBeInstanceOf(BadCompressionError);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain(message);
  });

  it('decodes zstd, including several frames, and stops a zstd bomb at the cap', () => {
    expect(Buffer.from(decodeContent(zstdCompress(text), 'zstd', 1 << 20)).equals(text)).toBe(true);
    const two = Buffer.concat([zstdCompress(Buffer.from('ab')), zstdCompress(Buffer.from('cd'))]);
    expect(Buffer.from(decodeContent(two, 'zstd', 100)).toString()).toBe('abcd');
    const big = Buffer.alloc(3 << 20, 0x61);
    expect(decodeContent(zstdCompress(big), 'zstd', Number.POSITIVE_INFINITY).length).toBe(big.length);
    const bomb = zstdCompress(Buffer.alloc(64 << 20));
    expect(bomb.length).toBeLessThan(10 * 1024);
    const err = thrown(() => decodeContent(bomb, 'zstd', 1 << 20));
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err.httpStatus).toBe(413);
  });

  it.each([
    ['garbage', Buffer.from('not zstd data at all')],
    ['a truncated frame', zstdCompress(Buffer.from('hello hello hello hello')).subarray(0, 12)],
    ['an empty body', Buffer.alloc(0)],
  ])('refuses zstd %s with 400', (_name, body) => {
    const err = thrown(() => decodeContent(body, 'zstd', 1 << 20));
    expect(err).toBeInstanceOf(BadCompressionError);
    expect(err.httpStatus).toBe(400);
  });

  it('treats 0, Infinity and negative limits as unlimited', () => {
    expect(effectiveLimit(0, 5)).toBe(Number.POSITIVE_INFINITY);
    expect(effectiveLimit(Number.POSITIVE_INFINITY, 5)).toBe(Number.POSITIVE_INFINITY);
    expect(effectiveLimit(-1, 5)).toBe(Number.POSITIVE_INFINITY);
    expect(effectiveLimit(undefined, 5)).toBe(5);
    expect(effectiveLimit(10.7, 5)).toBe(10);
  });
});

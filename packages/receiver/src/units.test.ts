import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, test } from '@jest/globals';
import { decodeContentEncoding } from './body.js';
import { formatLabels, truncateUtf8 } from './ingest.js';
import { isLoopbackHost, listenWarnings } from './listen.js';
import { escapeLabelValue, Histogram, renderLabelled } from './metrics.js';
import { decodeRaw } from './raw.js';
import { parseTimestamp } from './timestamp.js';

describe('parseTimestamp', () => {
  test.each([
    ['2024-01-15T10:32:01Z', 1705314721000000000n],
    ['2024-01-15T10:32:01.5Z', 1705314721500000000n],
    ['2024-01-15T10:32:01.123456789Z', 1705314721123456789n],
    ['2024-01-15t10:32:01.000000001z', 1705314721000000001n],
    ['2024-01-15T18:32:01.000000001+08:00', 1705314721000000001n],
    ['2024-01-15T05:02:01-05:30', 1705314721000000000n],
    ['1970-01-01T00:00:00Z', 0n],
    ['1705314721123456789', 1705314721123456789n],
    ['-1', -1n],
  ])('%s', (text, ns) => {
    expect(parseTimestamp(text)).toBe(ns);
  });

  test.each([
    '2024-02-30T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-15T24:00:00Z',
    '2024-01-15T10:32:01',
    '2024-01-15T10:32:01.1234567891Z',
    '2024-01-15T10:32:01+25:00',
    'yesterday',
    '',
    '99999999999999999999',
  ])('rejects %s', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('decodeRaw', () => {
  test('counts lines and UTF-8 bytes; labels get a null prototype so "__proto__" is just a key', () => {
    const out = decodeRaw('{"msg":"ü","labels":{"__proto__":"x"}}\n{"msg":"ab"}', 5n);
    expect(out.lines).toBe(2);
    expect(out.lineBytes).toBe(4);
    expect(Object.keys(out.streams[0]!.labels)).toEqual(['__proto__']);
    expect(out.streams[1]!.entries[0]!.ts).toBe(5n);
  });

  test.each([
    ['[1]', 'expected a JSON object'],
    ['{"msg":1}', '"msg" must be a string'],
    ['{"msg":"x","labels":{"a":1}}', '"labels.a" must be a string'],
    ['{"msg":"x","meta":[]}', '"meta" must be an object'],
    ['{"msg":"x","ts":123}', '"ts" 123 is not'],
    ['{nope', 'not JSON'],
  ])('%s is refused: %s', (line, reason) => {
    expect(() => decodeRaw(line, 0n)).toThrow(reason);
  });
});

describe('decodeContentEncoding', () => {
  const text = Buffer.from('hello '.repeat(100));
  test('gzip, raw deflate and zlib deflate', () => {
    expect(decodeContentEncoding(gzipSync(text), 'gzip', 1e6)).toEqual(text);
    expect(decodeContentEncoding(deflateRawSync(text), 'deflate', 1e6)).toEqual(text);
    expect(decodeContentEncoding(deflateSync(text), 'Deflate', 1e6)).toEqual(text);
    expect(decodeContentEncoding(text, undefined, 1e6)).toBe(text);
  });
  test('a bomb past the limit is 413, garbage 400, unknown encodings 415', () => {
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => decodeContentEncoding(bomb, 'gzip', 1_000_000)).toThrow(
      expect.objectContaining({ httpStatus: 413 }),
    );
    expect(() => decodeContentEncoding(text, 'gzip', 1e6)).toThrow(
      expect.objectContaining({ httpStatus: 400 }),
    );
    expect(() => decodeContentEncoding(text, 'zstd', 1e6)).toThrow(
      expect.objectContaining({ httpStatus: 415 }),
    );
  });
});

describe('helpers', () => {
  test('formatLabels sorts keys and quotes values', () => {
    expect(formatLabels({ b: '2', a: 'x"y' })).toBe('{a="x\\"y",b="2"}');
    expect(formatLabels({})).toBe('{}');
  });

  test('truncateUtf8 never splits a character', () => {
    expect(truncateUtf8('abc', 10)).toBe('abc');
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
  });

  test('loopback detection and listen warnings', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com']) expect(isLoopbackHost(h)).toBe(false);
    expect(listenWarnings({ host: '127.0.0.1', tls: false, authToken: false })).toEqual([]);
    expect(listenWarnings({ host: '0.0.0.0', tls: true, authToken: true })).toEqual([]);
    const warnings = listenWarnings({ host: '0.0.0.0', tls: false, authToken: false });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('--tls-cert');
    expect(warnings[1]).toContain('--auth-token');
  });
});

describe('metrics', () => {
  test('histogram buckets are cumulative and quantiles interpolate', () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.05, 0.5, 5]) h.observe(v);
    const text = h.render('x_seconds', 'help');
    expect(text).toContain('x_seconds_bucket{le="0.1"} 2\n');
    expect(text).toContain('x_seconds_bucket{le="1"} 3\n');
    expect(text).toContain('x_seconds_bucket{le="+Inf"} 4\n');
    expect(text).toContain('x_seconds_sum 5.6\nx_seconds_count 4\n');
    expect(h.quantile(0.5)).toBeCloseTo(0.1);
    expect(h.quantile(0.25)).toBeCloseTo(0.05);
    expect(new Histogram().quantile(0.5)).toBeNaN();
  });

  test('labelled series are sorted, escaped, and always-present labels default to 0', () => {
    const text = renderLabelled('m', 'counter', 'h', 'rule', { 'a"\n\\': 2 }, ['z']);
    expect(text).toBe('# HELP m h\n# TYPE m counter\nm{rule="a\\"\\n\\\\"} 2\nm{rule="z"} 0\n');
    expect(escapeLabelValue('plain')).toBe('plain');
  });
});

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  BadJsonError,
  decodePush,
  encodePushJson,
  InvalidPayloadError,
  InvalidTimestampError,
  LabelParseError,
  NoStreamsError,
  type PushStream,
} from './index.js';
import { decodeJson, LEGACY_PATH, LOKI_PATH, plain, rec, thrown } from './test-helpers/push.js';

describe('Loki JSON v1', () => {
  it('decodes the documented shape (pkg/util/unmarshal tests)', () => {
    const push = decodeJson({
      streams: [
        {
          stream: { test: 'test' },
          values: [
            ['123456789012345', 'super line'],
            ['123456789012346', 'super line2', { a: 'a', b: 'b' }],
          ],
        },
      ],
    });
    expect(push.format).toBe('loki-json');
    expect(plain(push)).toEqual([
      {
        labels: { test: 'test' },
        entries: [
          { ts: 123456789012345n, line: 'super line' },
          { ts: 123456789012346n, line: 'super line2', metadata: { a: 'a', b: 'b' } },
        ],
      },
    ]);
    expect(push.lines).toBe(2);
    expect(push.lineBytes).toBe(21);
  });

  it('decodes escapes in lines and structured metadata values', () => {
    const push = decodeJson(
      '{"streams":[{"stream":{"a":"1"},"values":[["1","x\\ty\\u00e9\\ud83d\\ude00",{"m":"line1\\nline2"}]]}]}',
    );
    expect(plain(push)[0]!.entries).toEqual([{ ts: 1n, line: 'x\tyé😀', metadata: { m: 'line1\nline2' } }]);
    expect(push.lineBytes).toBe(Buffer.byteLength('x\tyé😀'));
  });

  it('keeps nanosecond timestamps past 2^53 exact', () => {
    const push = decodeJson({ streams: [{ stream: { a: '1' }, values: [['1795507792297000001', 'x']] }] });
    expect(push.streams[0]!.entries[0]!.ts).toBe(1795507792297000001n);
  });

  it('keeps non-string label values as their raw JSON text (Loki backward compatibility)', () => {
    const push = decodeJson(
      '{"streams":[{"stream":{"num":123,"float":1.50,"exp":1e3,"obj":{ "a": "b" },"arr":[1, 2],"t":true,"n":null},"values":[["1","x"]]}]}',
    );
    expect(plain(push)[0]!.labels).toEqual({
      arr: '[1, 2]',
      exp: '1e3',
      float: '1.50',
      n: 'null',
      num: '123',
      obj: '{ "a": "b" }',
      t: 'true',
    });
  });

  it('drops empty label values and accepts any label name (more lenient than Loki)', () => {
    const push = decodeJson({
      streams: [{ stream: { a: '', 'k8s.pod': 'x', 'my-label': 'y' }, values: [['1', 'x']] }],
    });
    expect(plain(push)[0]!.labels).toEqual({ 'k8s.pod': 'x', 'my-label': 'y' });
  });

  it('accepts null values, null entries, 1-element entries and ignores elements past the third', () => {
    const push = decodeJson({
      streams: [
        { stream: { a: '1' }, values: null },
        { stream: { b: '1' }, values: [null, ['5'], ['6', 'y', null], ['7', 'z', {}, 'extra', 42]] },
      ],
    });
    expect(plain(push)).toEqual([
      {
        labels: { b: '1' },
        entries: [
          { ts: 5n, line: '' },
          { ts: 6n, line: 'y' },
          { ts: 7n, line: 'z' },
        ],
      },
    ]);
  });

  it('merges repeated stream objects with the same labels (pino-loki sends one per record)', () => {
    const push = decodeJson({
      streams: [
        { stream: { level: 'info', app: 'x' }, values: [['1', 'a']] },
        { stream: { level: 'error', app: 'x' }, values: [['2', 'b']] },
        { stream: { app: 'x', level: 'info' }, values: [['3', 'c']] },
      ],
    });
    expect(plain(push).map((s) => [s.labels, s.entries.length])).toEqual([
      [{ app: 'x', level: 'info' }, 2],
      [{ app: 'x', level: 'error' }, 1],
    ]);
  });

  it('treats a legacy-shaped body on the v1 path as streams without entries (Loki answers 204)', () => {
    const push = decodeJson({
      streams: [{ labels: '{a="1"}', entries: [{ ts: '2019-09-13T18:32:22Z', line: 'x' }] }],
    });
    expect(push.streams).toEqual([]);
    expect(push.lines).toBe(0);
  });

  it.each([['{}'], ['{"streams":null}'], ['{"streams":[]}']])('%s has no stream: 422', (body) => {
    expect(thrown(() => decodeJson(body))).toBeInstanceOf(NoStreamsError);
  });

  it.each([
    ['an empty body', '', BadJsonError, 'empty body'],
    ['a bare word', '{"streams":[{"stream":{"a":None},"values":[]}]}', BadJsonError, 'not valid JSON'],
    ['a truncated body', '{"streams":[{"stream":{"a":"1"}', BadJsonError, 'not valid JSON'],
    [
      'a line given as an object',
      '{"streams":[{"stream":{"a":"1"},"values":[["1",{"fizz":"buzz"}]]}]}',
      InvalidPayloadError,
      'streams[0].values[0][1]: the log line must be a string, got an object',
    ],
    [
      'a numeric timestamp',
      '{"streams":[{"stream":{"a":"1"},"values":[[1570818238000000000,"x"]]}]}',
      InvalidPayloadError,
      'must be a JSON string of Unix nanoseconds',
    ],
    [
      'a timestamp that is not an integer',
      '{"streams":[{"stream":{"a":"1"},"values":[["1.5e9","x"]]}]}',
      InvalidTimestampError,
      'invalid timestamp "1.5e9" at streams[0].values[0][0]',
    ],
    [
      'an int64 overflow',
      '{"streams":[{"stream":{"a":"1"},"values":[["9223372036854775808","x"]]}]}',
      InvalidTimestampError,
      'int64',
    ],
    [
      'a non-string metadata value',
      '{"streams":[{"stream":{"a":"1"},"values":[["1","x",{"n":42}]]}]}',
      InvalidPayloadError,
      'structured metadata values must be strings, got a number (send "42")',
    ],
    [
      'metadata that is not an object',
      '{"streams":[{"stream":{"a":"1"},"values":[["1","x","m"]]}]}',
      InvalidPayloadError,
      'structured metadata must be an object',
    ],
    [
      'an entry that is not an array',
      '{"streams":[{"stream":{"a":"1"},"values":["1 x"]}]}',
      InvalidPayloadError,
      'each value must be',
    ],
    [
      'an empty entry',
      '{"streams":[{"stream":{"a":"1"},"values":[[]]}]}',
      InvalidPayloadError,
      'each value must be',
    ],
    [
      'values that is not an array',
      '{"streams":[{"stream":{"a":"1"},"values":{}}]}',
      InvalidPayloadError,
      'streams[0].values',
    ],
    [
      'a stream label set that is not an object',
      '{"streams":[{"stream":"{a=\\"1\\"}","values":[]}]}',
      InvalidPayloadError,
      'streams[0].stream',
    ],
    ['streams that is not an array', '{"streams":{}}', InvalidPayloadError, 'streams: must be an array'],
    ['a top level array', '[]', InvalidPayloadError, 'expected an object'],
    [
      'an empty label name',
      '{"streams":[{"stream":{"":"x"},"values":[]}]}',
      InvalidPayloadError,
      'label names must not be empty',
    ],
  ])('refuses %s with 400', (_name, body, type, message) => {
    const err = thrown(() => decodeJson(body));
    expect(err).toBeInstanceOf(type);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain(message);
  });

  it('reports the position of a JSON syntax error', () => {
    const err = thrown(() => decodeJson('{"streams":[}')) as BadJsonError;
    expect(err.offset).toBe(12);
  });

  it('accepts a UTF-8 byte order mark', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"streams":[{"stream":{"a":"1"},"values":[["1","x"]]}]}'),
    ]);
    expect(decodePush({ body, path: LOKI_PATH, contentType: 'application/json' }).lines).toBe(1);
  });

  it('replaces lone surrogates from \\u escapes in labels with U+FFFD', () => {
    const push = decodeJson('{"streams":[{"stream":{"a":"x\\ud800y"},"values":[["1","x"]]}]}');
    expect(push.streams[0]!.labels.a).toBe('x\ufffdy');
  });

  it('round-trips through encodePushJson', () => {
    const streams: PushStream[] = [
      {
        labels: rec({ app: 'api', 'k8s.pod': 'p-1' }),
        entries: [
          { ts: 1795507792297000001n, line: 'GET /items 200 "quoted" \\ é' },
          { ts: -5n, line: '', metadata: rec({ trace_id: '0242ac120002', 'odd key': 'v\n' }) },
        ],
      },
      { labels: rec({ app: 'worker' }), entries: [{ ts: 0n, line: 'x' }] },
    ];
    const body = encodePushJson(streams);
    expect(JSON.parse(body).streams[0].values[0][0]).toBe('1795507792297000001');
    expect(plain(decodeJson(body))).toEqual(plain({ streams }));
    expect(
      plain(
        decodePush({
          body: gzipSync(body),
          path: LOKI_PATH,
          contentType: 'application/json',
          contentEncoding: 'gzip',
        }),
      ),
    ).toEqual(plain({ streams }));
  });
});

describe('Loki JSON legacy (/api/prom/push)', () => {
  const legacy = (body: string | object) => decodeJson(body, undefined, LEGACY_PATH);

  it('decodes labels strings, RFC 3339 timestamps and structured metadata (legacy unmarshal tests)', () => {
    const push = legacy({
      streams: [
        {
          labels: '{test="test"}',
          entries: [
            {
              ts: '2019-09-13T18:32:22.380001319Z',
              line: 'super line',
              structuredMetadata: { a: '1', b: '2' },
            },
            { ts: '2019-09-13T20:32:22.5+02:00', line: 'second' },
          ],
        },
      ],
    });
    expect(push.format).toBe('loki-json-legacy');
    const base = BigInt(Date.parse('2019-09-13T18:32:22Z')) * 1_000_000n;
    expect(plain(push)).toEqual([
      {
        labels: { test: 'test' },
        entries: [
          { ts: base + 380001319n, line: 'super line', metadata: { a: '1', b: '2' } },
          { ts: base + 500_000_000n, line: 'second' },
        ],
      },
    ]);
  });

  it('accepts structured metadata as protojson pairs', () => {
    const push = legacy({
      streams: [
        {
          labels: '{a="1"}',
          entries: [
            { ts: '2020-01-01T00:00:00Z', line: 'x', structuredMetadata: [{ name: 'k', value: 'v' }] },
          ],
        },
      ],
    });
    expect(plain(push)[0]!.entries[0]).toMatchObject({ metadata: { k: 'v' } });
  });

  it('rejects entries without ts but keeps the others', () => {
    const push = legacy({
      streams: [
        { labels: '{a="1"}', entries: [{ line: 'no ts' }, { ts: '2020-01-01T00:00:00Z', line: 'ok' }] },
      ],
    });
    expect(push.lines).toBe(1);
    expect(push.rejected![0]).toMatchObject({ labels: '{a="1"}', entries: 1 });
  });

  it.each([
    [
      'a bad label string',
      { streams: [{ labels: '{ab"', entries: [] }] },
      LabelParseError,
      'unterminated quoted string',
    ],
    [
      'a non-string label set',
      { streams: [{ labels: { a: '1' }, entries: [] }] },
      InvalidPayloadError,
      'streams[0].labels',
    ],
    [
      'a nanosecond ts',
      { streams: [{ labels: '{a="1"}', entries: [{ ts: '1570818238000000000', line: 'x' }] }] },
      InvalidTimestampError,
      'RFC 3339',
    ],
    [
      'a numeric ts',
      { streams: [{ labels: '{a="1"}', entries: [{ ts: 1, line: 'x' }] }] },
      InvalidPayloadError,
      'must be an RFC 3339 string',
    ],
    [
      'a non-string line',
      { streams: [{ labels: '{a="1"}', entries: [{ ts: '2020-01-01T00:00:00Z', line: 5 }] }] },
      InvalidPayloadError,
      '.line',
    ],
  ])('refuses %s with 400', (_name, body, type, message) => {
    const err = thrown(() => legacy(body));
    expect(err).toBeInstanceOf(type);
    expect(err.message).toContain(message);
  });
});

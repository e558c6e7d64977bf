import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { compress as zstdCompress } from 'zstd-napi';
import {
  BadProtobufError,
  type DecodeOptions,
  decodePush,
  encodeOtlpStatus,
  InvalidPayloadError,
  InvalidTimestampError,
  NoStreamsError,
  normalizeLabelName,
  OTLP_RESOURCE_LABELS,
  UnsupportedEncodingError,
  UnsupportedMediaTypeError,
} from './index.js';
import { OTLP_PATH, plain, thrown } from './test-helpers/push.js';
import { ExportLogsServiceRequest } from './test-helpers/schemas.js';

const NOW = 1_700_000_000_123_456_789n;
const opts: DecodeOptions = { now: () => NOW };

type Json = Record<string, unknown>;

/** Encodes an OTLP/JSON-shaped request as protobuf with protobufjs reflection (hex ids → bytes). */
function toProtobuf(req: Json): Uint8Array {
  const convert = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => convert(x));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, k)]));
    }
    if ((key === 'traceId' || key === 'spanId') && typeof v === 'string') return Buffer.from(v, 'hex');
    if (key === 'bytesValue' && typeof v === 'string') return Buffer.from(v, 'base64');
    return v;
  };
  return ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(convert(req) as Json)).finish();
}

function decodeOtlp(req: Json, format: 'json' | 'protobuf', options: DecodeOptions = opts) {
  const body = format === 'json' ? Buffer.from(JSON.stringify(req)) : toProtobuf(req);
  return decodePush(
    { body, path: OTLP_PATH, contentType: format === 'json' ? 'application/json' : 'application/x-protobuf' },
    options,
  );
}

const attr = (key: string, value: unknown) => ({ key, value });
const s = (stringValue: string) => ({ stringValue });

const k8sRequest: Json = {
  resourceLogs: [
    {
      resource: {
        attributes: [
          attr('service.name', s('checkout')),
          attr('k8s.namespace.name', s('shop')),
          attr('k8s.pod.name', s('checkout-7d9f8-x2k4p')),
          attr('k8s.container.name', s('app')),
          attr('container.name', s('ignored-when-k8s-container-is-set')),
          attr('k8s.cluster.name', s('load-1')),
          attr('host.name', s('node-3')),
          attr('process.pid', { intValue: '4242' }),
          attr('deployment.environment.name', s('')),
        ],
      },
      scopeLogs: [
        {
          scope: {
            name: 'io.opentelemetry.winston',
            version: '1.2.3',
            attributes: [attr('scope.attr', { boolValue: true })],
          },
          logRecords: [
            {
              timeUnixNano: '1700000000000000001',
              observedTimeUnixNano: '1700000000000000999',
              severityNumber: 17,
              severityText: 'ERROR',
              body: s('payment failed'),
              attributes: [
                attr('http.method', s('POST')),
                attr('http', {
                  kvlistValue: { values: [attr('status', { intValue: 502 }), attr('route', s('/pay'))] },
                }),
                attr('retry', { doubleValue: 1.5 }),
              ],
              droppedAttributesCount: 2,
              flags: 1,
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              eventName: 'payment.failed',
            },
          ],
        },
      ],
    },
  ],
};

describe.each(['json', 'protobuf'] as const)('OTLP %s', (format) => {
  it('maps resource attributes to labels and everything else to structured metadata', () => {
    const push = decodeOtlp(k8sRequest, format);
    expect(push.format).toBe(format === 'json' ? 'otlp-json' : 'otlp-protobuf');
    expect(plain(push)).toEqual([
      {
        labels: {
          cluster: 'load-1',
          container: 'app',
          namespace: 'shop',
          pod: 'checkout-7d9f8-x2k4p',
          service_name: 'checkout',
        },
        entries: [
          {
            ts: 1700000000000000001n,
            line: 'payment failed',
            metadata: {
              http_method: 'POST',
              http_status: '502',
              http_route: '/pay',
              retry: '1.5',
              observed_timestamp: '1700000000000000999',
              severity_number: '17',
              severity_text: 'ERROR',
              dropped_attributes_count: '2',
              flags: '1',
              trace_id: '5b8efff798038103d269b633813fc60c',
              span_id: 'eee19b7ec3c1b174',
              event_name: 'payment.failed',
              host_name: 'node-3',
              process_pid: '4242',
              scope_attr: 'true',
              scope_name: 'io.opentelemetry.winston',
              scope_version: '1.2.3',
            },
          },
        ],
      },
    ]);
    expect(push.lineBytes).toBe(14);
  });

  it("uses Loki's label names with otlpLabelStyle: 'loki'", () => {
    const push = decodeOtlp(k8sRequest, format, { ...opts, otlpLabelStyle: 'loki' });
    expect(plain(push)[0]!.labels).toEqual({
      container_name: 'ignored-when-k8s-container-is-set',
      k8s_cluster_name: 'load-1',
      k8s_container_name: 'app',
      k8s_namespace_name: 'shop',
      k8s_pod_name: 'checkout-7d9f8-x2k4p',
      service_name: 'checkout',
    });
  });

  it('turns every body type into a line (pdata AsString)', () => {
    const bodies: Array<[unknown, string]> = [
      [s('text'), 'text'],
      [{ intValue: '-9223372036854775808' }, '-9223372036854775808'],
      [{ doubleValue: 0.1 }, '0.1'],
      [{ doubleValue: 1e21 }, '1e+21'],
      [{ boolValue: false }, 'false'],
      [{ bytesValue: Buffer.from('hi').toString('base64') }, 'aGk='],
      [{ arrayValue: { values: [s('a'), { intValue: '1' }, { boolValue: true }] } }, '["a",1,true]'],
      [
        {
          kvlistValue: {
            values: [
              attr('z', s('last')),
              attr('a', { kvlistValue: { values: [attr('n', { doubleValue: 2.5 })] } }),
            ],
          },
        },
        '{"a":{"n":2.5},"z":"last"}',
      ],
      [{}, ''],
      [undefined, ''],
    ];
    const req = {
      resourceLogs: [{ scopeLogs: [{ logRecords: bodies.map(([body]) => ({ timeUnixNano: '1', body })) }] }],
    };
    const push = decodeOtlp(req, format);
    expect(push.streams[0]!.entries.map((e) => e.line)).toEqual(bodies.map(([, line]) => line));
    expect(push.streams[0]!.labels).toEqual({});
  });

  it('takes the observed time, then the injected clock, when a record has no time', () => {
    const req = {
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ observedTimeUnixNano: '77', body: s('a') }, { body: s('b') }] }] },
      ],
    };
    const entries = decodeOtlp(req, format).streams[0]!.entries;
    expect(entries.map((e) => e.ts)).toEqual([77n, NOW]);
    expect(entries[0]!.metadata).toBeUndefined(); // observed_timestamp only when both are set
  });

  it('merges resources with the same label set and keeps different ones apart', () => {
    const rl = (pod: string, line: string) => ({
      resource: { attributes: [attr('k8s.pod.name', s(pod))] },
      scopeLogs: [{ logRecords: [{ timeUnixNano: '1', body: s(line) }] }],
    });
    const push = decodeOtlp({ resourceLogs: [rl('a', '1'), rl('b', '2'), rl('a', '3')] }, format);
    expect(plain(push).map((st) => [st.labels, st.entries.map((e) => (e as { line: string }).line)])).toEqual(
      [
        [{ pod: 'a' }, ['1', '3']],
        [{ pod: 'b' }, ['2']],
      ],
    );
  });

  it('leaves all-zero trace and span ids out', () => {
    const req = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '1',
                  traceId: '00000000000000000000000000000000',
                  spanId: '0000000000000000',
                },
              ],
            },
          ],
        },
      ],
    };
    expect(decodeOtlp(req, format).streams[0]!.entries[0]!.metadata).toBeUndefined();
  });

  it('is a 422 without resource logs and leaves empty resources out', () => {
    expect(thrown(() => decodeOtlp({}, format))).toBeInstanceOf(NoStreamsError);
    expect(decodeOtlp({ resourceLogs: [{ scopeLogs: [] }] }, format).streams).toEqual([]);
  });
});

describe('OTLP protobuf and JSON agree (property)', () => {
  const key = fc.oneof(
    fc.constantFrom(...OTLP_RESOURCE_LABELS.map((e) => e.attribute)),
    fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/),
  );
  const leaf = fc.oneof(
    fc.string({ maxLength: 12 }).map(s),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ intValue: v.toString() })),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ doubleValue: v })),
    fc.boolean().map((v) => ({ boolValue: v })),
    fc.uint8Array({ maxLength: 6 }).map((b) => ({ bytesValue: Buffer.from(b).toString('base64') })),
  );
  const value = fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }).map((values) => ({ arrayValue: { values } })) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.tuple(key, leaf), { maxLength: 3 })
        .map((kv) => ({ kvlistValue: { values: kv.map(([k, v]) => attr(k, v)) } })),
    },
  );
  const attrs = fc.array(fc.tuple(key, value), { maxLength: 4 }).map((kv) => kv.map(([k, v]) => attr(k, v)));
  const record = fc.record(
    {
      timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      observedTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
      severityNumber: fc.integer({ min: 0, max: 24 }),
      severityText: fc.string({ maxLength: 6 }),
      body: value,
      attributes: attrs,
      traceId: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
      spanId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')),
      flags: fc.integer({ min: 0, max: 0xffffffff }),
    },
    { requiredKeys: ['timeUnixNano'] },
  );
  const request = fc.record({
    resourceLogs: fc.array(
      fc.record({
        resource: fc.record({ attributes: attrs }),
        scopeLogs: fc.array(
          fc.record({
            scope: fc.record({
              name: fc.string({ maxLength: 5 }),
              version: fc.string({ maxLength: 5 }),
              attributes: attrs,
            }),
            logRecords: fc.array(record, { maxLength: 4 }),
          }),
          { maxLength: 2 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });

  it('decodes the same request identically from both encodings', () => {
    fc.assert(
      fc.property(request, (req) => {
        const fromJson = decodeOtlp(req, 'json');
        const fromProto = decodeOtlp(req, 'protobuf');
        expect(plain(fromProto)).toEqual(plain(fromJson));
        expect(fromProto.lines).toBe(fromJson.lines);
        expect(fromProto.lineBytes).toBe(fromJson.lineBytes);
      }),
      { numRuns: 200 },
    );
  });
});

describe('OTLP JSON specifics', () => {
  const one = (record: Json) => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] });

  it('accepts snake_case field names, enum names and int64 numbers past 2^53 exactly', () => {
    const body = `{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":1700000000000000001,"severity_number":"SEVERITY_NUMBER_WARN2","severity_text":"W","body":{"string_value":"x"},"attributes":[{"key":"n","value":{"int_value":9007199254740993}}]}]}]}]}`;
    const push = decodePush(
      { body: Buffer.from(body), path: OTLP_PATH, contentType: 'application/json' },
      opts,
    );
    expect(plain(push)[0]!.entries).toEqual([
      {
        ts: 1700000000000000001n,
        line: 'x',
        metadata: { n: '9007199254740993', severity_number: '14', severity_text: 'W' },
      },
    ]);
  });

  it('accepts base64 ids from generic protobuf JSON encoders', () => {
    const push = decodeOtlp(
      one({
        timeUnixNano: '1',
        traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64'),
      }),
      'json',
    );
    expect(push.streams[0]!.entries[0]!.metadata!.trace_id).toBe('5b8efff798038103d269b633813fc60c');
  });

  it.each([
    [
      'a bad trace id',
      { timeUnixNano: '1', traceId: 'xyz' },
      InvalidPayloadError,
      'traceId: must be 32 hex digits',
    ],
    ['a negative time', { timeUnixNano: '-1' }, InvalidTimestampError, 'uint64'],
    ['a fractional time', { timeUnixNano: 1.5 }, InvalidTimestampError, 'timeUnixNano'],
    [
      'a string body that is not an AnyValue',
      { timeUnixNano: '1', body: 'text' },
      InvalidPayloadError,
      'body: an AnyValue must be an object',
    ],
    [
      'attributes that are not an array',
      { timeUnixNano: '1', attributes: {} },
      InvalidPayloadError,
      'attributes: must be an array',
    ],
    [
      'a bad int attribute',
      { timeUnixNano: '1', attributes: [attr('n', { intValue: 'ten' })] },
      InvalidPayloadError,
      'expected a int64',
    ],
    [
      'a bool that is not a bool',
      { timeUnixNano: '1', body: { boolValue: 'yes' } },
      InvalidPayloadError,
      'boolValue',
    ],
  ])('refuses %s with 400 and the JSON path', (_name, record, type, message) => {
    const err = thrown(() => decodeOtlp(one(record), 'json'));
    expect(err).toBeInstanceOf(type);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain('resourceLogs[0].scopeLogs[0].logRecords[0]');
    expect(err.message).toContain(message);
  });

  it('bounds AnyValue nesting', () => {
    let v: Json = s('leaf');
    for (let k = 0; k < 100; k++) v = { arrayValue: { values: [v] } };
    expect(thrown(() => decodeOtlp(one({ timeUnixNano: '1', body: v }), 'json'))).toBeInstanceOf(
      InvalidPayloadError,
    );
    // The same depth on the wire, written by hand (protobufjs refuses to encode it).
    const w = protobuf.Writer.create();
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).fork().uint32(0x2a).fork(); // rl, sl, record, body
    for (let k = 0; k < 100; k++) w.uint32(0x2a).fork().uint32(0x0a).fork(); // arrayValue.values[0]
    w.uint32(0x0a).string('leaf');
    for (let k = 0; k < 100; k++) w.ldelim().ldelim();
    w.ldelim().ldelim().ldelim().ldelim();
    const err = thrown(() =>
      decodePush({ body: w.finish(), path: OTLP_PATH, contentType: 'application/x-protobuf' }, opts),
    );
    expect(err).toBeInstanceOf(BadProtobufError);
    expect(err.message).toContain('nested too deeply');
  });
});

describe('OTLP transport rules', () => {
  const body = Buffer.from(JSON.stringify(k8sRequest));
  const input = (contentType: string | undefined, contentEncoding?: string, b: Uint8Array = body) => ({
    body: b,
    path: OTLP_PATH,
    contentType,
    contentEncoding,
  });

  it('accepts media type parameters, gzip and deflate, and /v1/logs without the /otlp prefix', () => {
    expect(decodePush(input('application/json; charset=utf-8'), opts).lines).toBe(1);
    expect(decodePush(input('application/json', 'gzip', gzipSync(body)), opts).lines).toBe(1);
    expect(decodePush(input('application/json', 'zstd', zstdCompress(body)), opts).lines).toBe(1);
    expect(decodePush({ ...input('application/json'), path: '/v1/logs' }, opts).lines).toBe(1);
    expect(
      decodePush({ ...input('application/x-protobuf'), body: toProtobuf(k8sRequest) }, opts).format,
    ).toBe('otlp-protobuf');
  });

  it.each([['text/plain'], [undefined], ['application/x-protobuf; x'], ['application/grpc']])(
    'answers 415 to Content-Type %j',
    (ct) => {
      const err = thrown(() => decodePush(input(ct), opts));
      expect(err).toBeInstanceOf(UnsupportedMediaTypeError);
      expect(err.httpStatus).toBe(415);
    },
  );

  it('refuses snappy and other encodings with 400', () => {
    expect(thrown(() => decodePush(input('application/json', 'snappy'), opts))).toBeInstanceOf(
      UnsupportedEncodingError,
    );
    expect(thrown(() => decodePush(input('application/json', 'lz4'), opts))).toBeInstanceOf(
      UnsupportedEncodingError,
    );
  });

  it('refuses a truncated protobuf with the position', () => {
    const raw = toProtobuf(k8sRequest);
    const err = thrown(() =>
      decodePush({ ...input('application/x-protobuf'), body: raw.subarray(0, raw.length - 3) }, opts),
    );
    expect(err).toBeInstanceOf(BadProtobufError);
    expect(err.message).toContain('ExportLogsServiceRequest at byte 1: length');
    // A length that is wrong inside a record is reported with the record's path.
    const bad = Buffer.from(raw);
    const at = bad.indexOf(Buffer.from('payment failed'));
    bad[at - 1] = 0x7f; // body string length now runs past the AnyValue
    const inner = thrown(() => decodePush({ ...input('application/x-protobuf'), body: bad }, opts));
    expect(inner.message).toContain('resourceLogs[0].scopeLogs[0].logRecords[0]');
  });
});

describe('OTLP helpers', () => {
  it('normalises attribute names like prometheus NormalizeLabel', () => {
    expect(normalizeLabelName('service.name')).toBe('service_name');
    expect(normalizeLabelName('http.response.status_code')).toBe('http_response_status_code');
    expect(normalizeLabelName('1abc')).toBe('key_1abc');
    expect(normalizeLabelName('_x')).toBe('key_x');
    expect(normalizeLabelName('__x')).toBe('__x');
    expect(normalizeLabelName('é-ü')).toBe('___');
    expect(normalizeLabelName('')).toBe('');
  });

  it('encodes a google.rpc.Status error body', () => {
    const err = new UnsupportedMediaTypeError('text/plain');
    const reader = protobuf.Reader.create(encodeOtlpStatus(err, 'protobuf'));
    expect(reader.uint32()).toBe(0x08);
    expect(reader.int32()).toBe(3);
    expect(reader.uint32()).toBe(0x12);
    expect(reader.string()).toBe(err.message);
    expect(JSON.parse(Buffer.from(encodeOtlpStatus(err, 'json')).toString())).toEqual({
      code: 3,
      message: err.message,
    });
  });
});

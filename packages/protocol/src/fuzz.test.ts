/**
 * Fuzzing decodePush: random bodies and mutations of valid ones (protobuf, JSON, gzip, deflate, snappy,
 * OTLP) must only ever produce a decoded push within the limits or a ProtocolError — never another
 * exception, a hang, or output past the limits. Runs are bounded by count and time.
 */
import { deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import snappy from 'snappy';
import { compress as zstdCompress } from 'zstd-napi';
import {
  type DecodeOptions,
  decodePush,
  encodePushJson,
  encodePushProtobufRaw,
  isProtocolError,
  type PushRequestInput,
  type PushStream,
} from './index.js';
import { LEGACY_PATH, LOKI_PATH, OTLP_PATH, rec } from './test-helpers/push.js';
import { ExportLogsServiceRequest } from './test-helpers/schemas.js';

const LIMITS: DecodeOptions = {
  maxCompressedBytes: 256 * 1024,
  maxDecompressedBytes: 256 * 1024,
  maxEntries: 5_000,
  maxStreams: 500,
  now: () => 1n,
};

const streams: PushStream[] = [
  {
    labels: rec({ app: 'api', namespace: 'shop', pod: 'api-1' }),
    entries: [
      { ts: 1_700_000_000_000_000_001n, line: 'GET /items 200 "ok" é😀' },
      {
        ts: 1_700_000_000_000_000_002n,
        line: 'x'.repeat(70),
        metadata: rec({ trace_id: 'abc', 'odd key': 'v' }),
      },
    ],
  },
  { labels: rec({ app: 'db', 'k8s.pod': 'db-0' }), entries: [{ ts: -1n, line: '' }] },
];

const otlp = {
  resourceLogs: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'svc' } },
          { key: 'k8s.pod.name', value: { stringValue: 'p' } },
        ],
      },
      scopeLogs: [
        {
          scope: { name: 's', version: '1' },
          logRecords: [
            {
              timeUnixNano: '1700000000000000001',
              severityNumber: 9,
              body: {
                kvlistValue: {
                  values: [
                    {
                      key: 'a',
                      value: { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2.5 }] } },
                    },
                  ],
                },
              },
              attributes: [{ key: 'k', value: { bytesValue: 'AAEC' } }],
              traceId: '5b8efff798038103d269b633813fc60c',
            },
            { observedTimeUnixNano: '5', body: { stringValue: 'plain' } },
          ],
        },
      ],
    },
  ],
};

const legacyJson = JSON.stringify({
  streams: [
    {
      labels: '{app="api"}',
      entries: [{ ts: '2019-09-13T18:32:22.380001319Z', line: 'x', structuredMetadata: { a: '1' } }],
    },
  ],
});
const rawProto = Buffer.from(encodePushProtobufRaw(streams));
const v1Json = encodePushJson(streams);
const otlpJson = JSON.stringify(otlp);
const otlpProto = Buffer.from(
  ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(otlp)).finish(),
);

interface Seed {
  name: string;
  /** The decompressed payload and how to wrap it into a request. */
  payload: Buffer;
  wrap: (payload: Buffer) => PushRequestInput;
}

const seeds: Seed[] = [
  {
    name: 'loki protobuf+snappy',
    payload: rawProto,
    wrap: (p) => ({ body: snappy.compressSync(p), path: LOKI_PATH, contentType: 'application/x-protobuf' }),
  },
  {
    name: 'loki protobuf+snappy+gzip',
    payload: rawProto,
    wrap: (p) => ({
      body: gzipSync(snappy.compressSync(p)),
      path: LOKI_PATH,
      contentType: 'application/x-protobuf',
      contentEncoding: 'gzip',
    }),
  },
  {
    name: 'loki json',
    payload: Buffer.from(v1Json),
    wrap: (p) => ({ body: p, path: LOKI_PATH, contentType: 'application/json' }),
  },
  {
    name: 'loki json+gzip',
    payload: Buffer.from(v1Json),
    wrap: (p) => ({
      body: gzipSync(p),
      path: LOKI_PATH,
      contentType: 'application/json',
      contentEncoding: 'gzip',
    }),
  },
  {
    name: 'loki json+deflate',
    payload: Buffer.from(v1Json),
    wrap: (p) => ({
      body: deflateRawSync(p),
      path: LOKI_PATH,
      contentType: 'application/json',
      contentEncoding: 'deflate',
    }),
  },
  {
    name: 'loki legacy json',
    payload: Buffer.from(legacyJson),
    wrap: (p) => ({ body: p, path: LEGACY_PATH, contentType: 'application/json' }),
  },
  {
    name: 'otlp protobuf',
    payload: otlpProto,
    wrap: (p) => ({ body: p, path: OTLP_PATH, contentType: 'application/x-protobuf' }),
  },
  {
    name: 'otlp protobuf+zstd',
    payload: otlpProto,
    wrap: (p) => ({
      body: zstdCompress(p),
      path: OTLP_PATH,
      contentType: 'application/x-protobuf',
      contentEncoding: 'zstd',
    }),
  },
  {
    name: 'otlp json+gzip',
    payload: Buffer.from(otlpJson),
    wrap: (p) => ({
      body: gzipSync(p),
      path: OTLP_PATH,
      contentType: 'application/json',
      contentEncoding: 'gzip',
    }),
  },
];

/** What the runs produced, to show the fuzzing reaches both decoding and every kind of refusal. */
const outcomes = { decoded: 0, errors: new Set<string>() };

/** Decodes and checks the outcome: a result within the limits, or a ProtocolError. Returns the time taken. */
function check(input: PushRequestInput): number {
  const t0 = performance.now();
  let result: ReturnType<typeof decodePush> | undefined;
  try {
    result = decodePush(input, LIMITS);
  } catch (err) {
    if (!isProtocolError(err)) {
      throw new Error(`non-protocol error: ${err instanceof Error ? err.stack : String(err)}`);
    }
    outcomes.errors.add((err as { code: string }).code);
    expect(err.httpStatus).toBeGreaterThanOrEqual(400);
    expect(err.message.length).toBeGreaterThan(10);
    return performance.now() - t0;
  }
  let lines = 0;
  let bytes = 0;
  for (const s of result.streams) {
    expect(Object.getPrototypeOf(s.labels)).toBeNull();
    expect(s.entries.length).toBeGreaterThan(0);
    for (const e of s.entries) {
      expect(typeof e.ts).toBe('bigint');
      expect(typeof e.line).toBe('string');
      bytes += Buffer.byteLength(e.line);
    }
    lines += s.entries.length;
  }
  outcomes.decoded++;
  expect(result.lines).toBe(lines);
  expect(lines).toBeLessThanOrEqual(LIMITS.maxEntries!);
  expect(bytes).toBeLessThanOrEqual(LIMITS.maxDecompressedBytes!);
  return performance.now() - t0;
}

/** Byte-level mutations: flip, set, insert, delete, duplicate a range, truncate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({
    kind: fc.constant('dup' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
    times: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(input: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.kind) {
      case 'set':
        if (b.length > 0) b[at % b.length] = m.value;
        break;
      case 'flip':
        if (b.length > 0) b[at % b.length]! ^= 1 << m.bit;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'dup': {
        const chunk = b.subarray(at, at + m.length);
        b = Buffer.concat([
          b.subarray(0, at),
          ...Array.from({ length: m.times }, () => chunk),
          b.subarray(at),
        ]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

const RUN = { numRuns: 400, interruptAfterTimeLimit: 4_000 };
let slowest = 0;

describe('fuzz: decodePush only ever throws ProtocolError', () => {
  it.each(seeds.map((s) => [s.name, s] as const))(
    '%s: mutated payloads (re-wrapped) and mutated bodies',
    (_name, seed) => {
      expect(() => check(seed.wrap(seed.payload))).not.toThrow();
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (mutations, outer) => {
          const input = outer
            ? {
                ...seed.wrap(seed.payload),
                body: mutate(Buffer.from(seed.wrap(seed.payload).body), mutations),
              }
            : seed.wrap(mutate(seed.payload, mutations));
          slowest = Math.max(slowest, check(input));
        }),
        RUN,
      );
    },
  );

  it('random bodies under every path, content type and encoding', () => {
    const contentType = fc.constantFrom(
      'application/json',
      'application/x-protobuf',
      'text/plain',
      '',
      'application/json; charset=utf-8',
      undefined,
    );
    const contentEncoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'snappy', 'zstd', 'identity', 'br');
    const path = fc.constantFrom(LOKI_PATH, LEGACY_PATH, OTLP_PATH, '/nope');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        path,
        contentType,
        contentEncoding,
        (body, p, ct, ce) => {
          slowest = Math.max(slowest, check({ body, path: p, contentType: ct, contentEncoding: ce }));
        },
      ),
      { numRuns: 1000, interruptAfterTimeLimit: 4_000 },
    );
  });

  it('random JSON documents in the push shapes', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const v1 = fc.record({
      streams: fc.array(
        fc.record(
          {
            stream: fc.oneof(anyJson, fc.dictionary(fc.string(), anyJson)),
            values: fc.oneof(anyJson, fc.array(fc.array(anyJson, { maxLength: 4 }))),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
    });
    const legacy = fc.record({
      streams: fc.array(
        fc.record(
          {
            labels: fc.oneof(anyJson, fc.constantFrom('{a="1"}', '{ab"', '')),
            entries: fc.array(fc.dictionary(fc.constantFrom('ts', 'line', 'structuredMetadata'), anyJson)),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
    });
    const otlpDoc = fc.record({
      resourceLogs: fc.array(
        fc.record(
          {
            resource: anyJson,
            scopeLogs: fc.array(
              fc.record(
                {
                  scope: anyJson,
                  logRecords: fc.array(
                    fc.dictionary(
                      fc.constantFrom(
                        'timeUnixNano',
                        'observedTimeUnixNano',
                        'severityNumber',
                        'body',
                        'attributes',
                        'traceId',
                        'spanId',
                        'flags',
                      ),
                      anyJson,
                    ),
                  ),
                },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          v1.map((d) => [LOKI_PATH, d] as const),
          legacy.map((d) => [LEGACY_PATH, d] as const),
          otlpDoc.map((d) => [OTLP_PATH, d] as const),
        ),
        ([path, doc]) => {
          slowest = Math.max(
            slowest,
            check({ body: Buffer.from(JSON.stringify(doc)), path, contentType: 'application/json' }),
          );
        },
      ),
      { numRuns: 1000, interruptAfterTimeLimit: 4_000 },
    );
  });

  it('never spends long on one body', () => {
    // A decode taking this long on bodies of at most a few hundred KiB would be a hang in the making.
    expect(slowest).toBeLessThan(1_000);
  });

  it('reached successful decodes and many kinds of refusal', () => {
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect([...outcomes.errors].sort()).toEqual(
      expect.arrayContaining([
        'PROTOCOL_BAD_COMPRESSION',
        'PROTOCOL_BAD_JSON',
        'PROTOCOL_BAD_PROTOBUF',
        'PROTOCOL_BAD_SNAPPY',
        'PROTOCOL_INVALID_PAYLOAD',
        'PROTOCOL_INVALID_LABELS',
        'PROTOCOL_UNKNOWN_PATH',
      ]),
    );
  });
});

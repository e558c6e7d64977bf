import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseIndex, parseMetadata } from './index-file.js';
import { indexLineSchema, metadataSchema } from './schema.js';
import { indexEntryFromWire, isIndexHead, isMetadata, metadataFromWire } from './wire.js';

// wire.ts checks metadata.json and index lines by hand so that the read path does not load zod; these
// properties hold it to the zod schemas, which stay the specification: same verdict on every document,
// same conversion of the accepted ones.

/** Values that sit on a boundary of some field's rule. */
const tricky = fc.constantFrom<unknown>(
  null,
  undefined,
  0,
  -0,
  1,
  -1,
  1.5,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  '',
  'x',
  '2024-01-15T10:00:00Z',
  '2024-01-15T10:00:00.123456789+02:00',
  '2024-13-15T10:00:00Z',
  '0001-01-01T00:00:00Z',
  true,
  false,
  [],
  ['a'],
  [1],
  {},
  { a: 1 },
  { a: { b: 1 } },
  { a: { b: -1 } },
  { a: { b: 1.5 } },
  { a: 'x' },
  { a: [] },
  'live',
  'stopped',
  { enabled: true },
  { enabled: 'yes' },
  { enabled: false, patterns: null, policy_hash: 'h' },
  { enabled: true, patterns: ['p', 2] },
  { files: 1, lines: 2, bytes: 3 },
  { files: 1, lines: -2, bytes: 3 },
  { lines: 1, bytes: 2 },
  { lines: 1 },
);

const count = fc.nat({ max: 2 ** 40 });
const time = fc
  .integer({ min: 946_684_800_000, max: 4_102_444_800_000 })
  .map((ms) => new Date(ms).toISOString());
const labelCounts = fc.dictionary(
  fc.string({ maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), count),
);

/** Mostly a valid value, sometimes a boundary value or any JSON, sometimes absent. */
function field<T>(valid: fc.Arbitrary<T>) {
  return fc.oneof(
    { weight: 30, arbitrary: valid as fc.Arbitrary<unknown> },
    { weight: 2, arbitrary: tricky },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
}

const metadataDoc = fc.record(
  {
    version: field(fc.integer({ min: -3, max: 3 })),
    format: field(fc.constantFrom('jsonl', 'parquet')),
    started: field(time),
    stopped: field(fc.oneof(time, fc.constant('0001-01-01T00:00:00Z'), fc.string({ maxLength: 4 }))),
    total_lines: field(count),
    total_bytes: field(count),
    labels_seen: field(fc.oneof(fc.constant(null), fc.array(fc.string({ maxLength: 4 })))),
    redaction: field(
      fc.record(
        {
          enabled: fc.boolean(),
          patterns: fc.oneof(fc.constant(null), fc.array(fc.string({ maxLength: 4 }))),
          policy_hash: fc.string({ maxLength: 4 }),
        },
        { requiredKeys: ['enabled'] },
      ),
    ),
    state: field(fc.constantFrom('live', 'stopped')),
    updated: field(time),
    first_ts: field(time),
    last_ts: field(time),
    files: field(count),
    disk_bytes: field(count),
    evictions: field(fc.record({ files: count, lines: count, bytes: count })),
    dropped: field(fc.record({ lines: count, bytes: count })),
    recoveries: field(count),
    counters: field(
      fc.dictionary(fc.string({ maxLength: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
    ),
    limits: field(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer())),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const indexDoc = fc.record(
  {
    file: field(fc.string({ maxLength: 8 })),
    from: field(time),
    to: field(time),
    lines: field(count),
    bytes: field(count),
    labels: field(fc.oneof(fc.constant(null), labelCounts)),
    compressed_bytes: field(count),
    labels_overflow: field(fc.array(fc.string({ maxLength: 4 }))),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const runs = { numRuns: 3000 };

describe('wire.ts agrees with the zod schemas', () => {
  it('metadata.json: same verdict, same conversion', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 6, arbitrary: metadataDoc }, tricky, fc.jsonValue()), (doc) => {
        const r = metadataSchema.safeParse(doc);
        expect(isMetadata(doc)).toBe(r.success);
        if (r.success && isMetadata(doc)) {
          accepted++;
          expect(metadataFromWire(doc)).toEqual(metadataFromWire(r.data));
        }
      }),
      runs,
    );
    // The generator must reach both verdicts often, or the property says little.
    expect(accepted).toBeGreaterThan(100);
  });

  it('index lines (frame tables aside): same verdict, same conversion', () => {
    let accepted = 0;
    const head = indexLineSchema.omit({ frames: true });
    fc.assert(
      fc.property(fc.oneof({ weight: 6, arbitrary: indexDoc }, tricky, fc.jsonValue()), (doc) => {
        const r = head.safeParse(doc);
        expect(isIndexHead(doc)).toBe(r.success);
        if (r.success && isIndexHead(doc)) {
          accepted++;
          expect(indexEntryFromWire(doc)).toEqual(indexEntryFromWire(r.data));
        }
      }),
      runs,
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('parseMetadata and parseIndex accept and convert what the schemas do', () => {
    const meta = {
      version: 1,
      state: 'stopped',
      started: '2024-01-15T10:00:00Z',
      stopped: '2024-01-15T11:00:00Z',
      redaction: { enabled: true, patterns: ['email'], policy_hash: 'abc' },
      counters: { x: 1.5 },
      unknown: { kept: true },
    };
    const text = JSON.stringify(meta);
    expect(parseMetadata(text)).toEqual(metadataFromWire(metadataSchema.parse(meta)));
    expect(parseMetadata(text)?.raw['unknown']).toEqual({ kept: true });
    expect(parseMetadata('{"version":1.5}')).toBeUndefined();
    expect(parseMetadata('{"version":1,"counters":{"x":1e999}}')).toBeUndefined();
    const line = {
      file: 'a.jsonl.zst',
      from: '2024-01-15T10:00:00Z',
      to: '2024-01-15T10:01:00Z',
      lines: 1,
      bytes: 2,
    };
    const parsed = parseIndex(`${JSON.stringify(line)}\n${JSON.stringify({ ...line, file: '' })}\n`);
    expect(parsed.invalidLines).toBe(1);
    expect(parsed.entries).toEqual([indexEntryFromWire(indexLineSchema.parse(line))]);
  });
});

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseIndex } from './index-file.js';
import { indexEntryFromWire, indexLineSchema } from './schema.js';

const line = (frames: unknown) =>
  JSON.stringify({
    file: 'a.jsonl.zst',
    from: '2024-01-15T10:00:00Z',
    to: '2024-01-15T10:01:00Z',
    lines: 2,
    bytes: 10,
    frames,
  });
const frame = {
  offset: 0,
  length: 5,
  from: '2024-01-15T10:00:00.000000001Z',
  to: '2024-01-15T10:01:00Z',
  lines: 2,
  bytes: 10,
};

/** What the zod schema alone makes of a line (the reference the fast frame parser must agree with). */
function viaSchema(text: string) {
  const r = indexLineSchema.safeParse(JSON.parse(text));
  return r.success ? indexEntryFromWire(r.data) : undefined;
}

describe('parseIndex frame tables', () => {
  it('converts a valid table, unknown fields allowed', () => {
    const r = parseIndex(`${line([{ ...frame, extra: 'x' }])}\n`);
    expect(r.invalidLines).toBe(0);
    expect(r.entries[0]!.frames).toEqual([
      {
        offset: 0,
        length: 5,
        from: 1_705_312_800_000_000_001n,
        to: 1_705_312_860_000_000_000n,
        lines: 2,
        bytes: 10,
      },
    ]);
  });

  it.each([
    ['not an array', { a: 1 }],
    ['a null entry', [null]],
    ['a negative offset', [{ ...frame, offset: -1 }]],
    ['a fractional length', [{ ...frame, length: 1.5 }]],
    ['an unsafe integer', [{ ...frame, bytes: 2 ** 53 }]],
    ['a missing field', [{ ...frame, lines: undefined }]],
    ['a bad time', [{ ...frame, to: '2024-13-01T00:00:00Z' }]],
    ['a numeric time', [{ ...frame, from: 5 }]],
  ])('rejects the line for %s', (_name, frames) => {
    const r = parseIndex(`${line(frames)}\n`);
    expect(r).toEqual({ entries: [], invalidLines: 1 });
    expect(viaSchema(line(frames))).toBeUndefined();
  });

  it('agrees with the zod schema on random frame tables', () => {
    let valid = 0;
    // Weighted so that about half of the tables are valid.
    const num = fc.oneof(
      { weight: 30, arbitrary: fc.nat() },
      fc.integer({ min: -3, max: -1 }),
      fc.double(),
      fc.constant(2 ** 53),
    );
    const time = fc.oneof(
      { weight: 20, arbitrary: fc.constant('2024-01-15T10:00:00Z') },
      fc.constant('2024-01-15T10:00:00.123456789+02:00'),
      fc.constant('not a time'),
      fc.constant(7),
    );
    const fr = fc.record(
      { offset: num, length: num, from: time, to: time, lines: num, bytes: num, x: fc.string() },
      { requiredKeys: ['offset', 'length', 'from', 'to', 'lines', 'bytes'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(fr, { maxLength: 4 }), fc.constant(null), fc.string()), (frames) => {
        const text = line(frames);
        const got = parseIndex(text).entries[0];
        expect(got).toEqual(viaSchema(text));
        if (got !== undefined) valid++;
      }),
      { numRuns: 300 },
    );
    expect(valid).toBeGreaterThan(30);
  });
});

import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseNsString, parseRfc3339, splitNs } from './time.js';

describe('parseNsString (Go strconv.ParseInt base 10)', () => {
  it.each([
    ['1570818238000000000', 1570818238000000000n],
    ['0', 0n],
    ['+42', 42n],
    ['-5', -5n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['007', 7n],
  ])('%j → %s', (input, expected) => {
    expect(parseNsString(input)).toBe(expected);
  });

  it.each([
    [''],
    ['+'],
    ['-'],
    [' 1'],
    ['1 '],
    ['1e9'],
    ['1.5'],
    ['0x10'],
    ['1_000'],
    ['9223372036854775808'],
    ['-9223372036854775809'],
    ['123456789012345678901'],
  ])('%j is not an int64', (input) => {
    expect(parseNsString(input)).toBeUndefined();
  });

  it('is exact for every int64 (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expect(parseNsString(v.toString())).toBe(v);
      }),
    );
  });
});

describe('parseRfc3339', () => {
  const ms = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
  it.each([
    ['2019-09-13T18:32:22.380001319Z', ms('2019-09-13T18:32:22Z') + 380001319n],
    ['1970-01-01T00:00:00Z', 0n],
    ['1969-12-31T23:59:59.5Z', -500_000_000n],
    ['2020-02-29T01:00:00+01:00', ms('2020-02-29T00:00:00Z')],
    ['2020-02-28T23:30:00-00:30', ms('2020-02-29T00:00:00Z')],
    ['2024-06-01t12:00:00.1z', ms('2024-06-01T12:00:00Z') + 100_000_000n],
    ['2024-06-01T12:00:00.1234567891234Z', ms('2024-06-01T12:00:00Z') + 123456789n],
    ['0001-01-01T00:00:00Z', -62135596800_000_000_000n],
    ['9999-12-31T23:59:59.999999999Z', 253402300799_999_999_999n],
  ])('%j', (input, expected) => {
    expect(parseRfc3339(input)).toBe(expected);
  });

  it.each([
    ['2021-02-29T00:00:00Z'],
    ['2019-13-01T00:00:00Z'],
    ['2019-09-13 18:32:22Z'],
    ['2019-09-13T24:00:00Z'],
    ['2019-09-13T18:60:00Z'],
    ['2019-09-13T18:32:60Z'],
    ['2019-09-13T18:32:22'],
    ['2019-09-13T18:32:22.Z'],
    ['2019-09-13T18:32:22+0100'],
    ['1570818238000000000'],
    [''],
  ])('%j is refused', (input) => {
    expect(parseRfc3339(input)).toBeUndefined();
  });

  it('agrees with Date for millisecond timestamps (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0100-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseRfc3339(d.toISOString())).toBe(BigInt(d.getTime()) * 1_000_000n);
        },
      ),
    );
  });
});

describe('splitNs', () => {
  it('floors seconds so nanos stay in 0..999999999', () => {
    expect(splitNs(1570818238000000001n)).toEqual([1570818238, 1]);
    expect(splitNs(-1n)).toEqual([-1, 999_999_999]);
    expect(splitNs(-1_000_000_000n)).toEqual([-1, 0]);
    expect(splitNs(0n)).toEqual([0, 0]);
  });
});

import { describe, expect, it } from '@jest/globals';
import {
  formatTimestamp,
  isZeroTime,
  MAX_TIMESTAMP_NS,
  MIN_TIMESTAMP_NS,
  parseTimestamp,
  TimestampFormatter,
  TimestampParser,
} from './timestamp.js';

describe('formatTimestamp', () => {
  it('writes RFC3339 UTC with nine fraction digits', () => {
    expect(formatTimestamp(1705314721123456789n)).toBe('2024-01-15T10:32:01.123456789Z');
    expect(formatTimestamp(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(formatTimestamp(1n)).toBe('1970-01-01T00:00:00.000000001Z');
  });

  it('handles times before 1970 and the ends of the range', () => {
    expect(formatTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatTimestamp(MIN_TIMESTAMP_NS)).toBe('0001-01-01T00:00:00.000000000Z');
    expect(formatTimestamp(MAX_TIMESTAMP_NS)).toBe('9999-12-31T23:59:59.999999999Z');
    expect(() => formatTimestamp(MAX_TIMESTAMP_NS + 1n)).toThrow(/outside/);
  });

  it('agrees with the cached formatter on a run of nearby and far apart values', () => {
    const f = new TimestampFormatter();
    let ts = 1705314721000000000n;
    for (let i = 0; i < 2000; i++) {
      ts += BigInt(i * 7919 * 1_000_003);
      expect(f.format(ts)).toBe(formatTimestamp(ts));
    }
    expect(f.format(-5n)).toBe(formatTimestamp(-5n));
    // Across seconds, the end of a day and the epoch, in both directions.
    for (const ns of [
      0n,
      1n,
      999_999_999n,
      1_000_000_000n,
      -1n,
      -1_000_000_001n,
      1_705_314_721_123_456_789n,
      1_705_314_721_999_999_999n,
      1_705_363_199_999_999_999n,
      1_705_363_200_000_000_000n,
      0n,
    ]) {
      expect(f.format(ns)).toBe(formatTimestamp(ns));
    }
  });
});

describe('parseTimestamp', () => {
  it('round-trips our format', () => {
    for (const ns of [0n, 1n, 1705314721123456789n, MAX_TIMESTAMP_NS, -1n, MIN_TIMESTAMP_NS]) {
      expect(parseTimestamp(formatTimestamp(ns))).toBe(ns);
    }
  });

  it("reads the Go original's RFC3339Nano: trimmed fractions and local offsets", () => {
    expect(parseTimestamp('2024-01-15T18:32:01.1234+08:00')).toBe(1705314721123400000n);
    expect(parseTimestamp('2024-01-15T18:32:01+08:00')).toBe(1705314721000000000n);
    expect(parseTimestamp('2024-01-15T05:02:01.5-05:30')).toBe(1705314721500000000n);
    expect(parseTimestamp('2024-01-15t10:32:01z')).toBe(1705314721000000000n);
    expect(parseTimestamp('2024-01-15 10:32:01Z')).toBe(1705314721000000000n);
    // More than nine digits are truncated.
    expect(parseTimestamp('2024-01-15T10:32:01.1234567899Z')).toBe(1705314721123456789n);
  });

  it('rejects what is not RFC3339', () => {
    for (const bad of [
      '',
      '2024-01-15',
      '2024-01-15T10:32:01',
      '2024-13-15T10:32:01Z',
      '2024-02-30T10:32:01Z',
      '2024-01-15T24:00:00Z',
      '2024-01-15T10:32:01.Z',
      '2024-01-15T10:32:01+0800',
      '2024-01-15T10:32:01Zjunk',
      'x024-01-15T10:32:01Z',
    ]) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBeDefined();
    expect(parseTimestamp('2023-02-29T00:00:00Z')).toBeUndefined();
  });

  it('the cached parser agrees with the general one', () => {
    const p = new TimestampParser();
    const f = new TimestampFormatter();
    let ts = 1705314721000000000n;
    for (let i = 0; i < 1000; i++) {
      ts += BigInt(i * 104729 * 997);
      const s = f.format(ts);
      expect(p.parse(s)).toBe(ts);
    }
    expect(p.parse('2024-01-15T18:32:01.1234+08:00')).toBe(1705314721123400000n);
    expect(p.parse('2024-01-15T10:32:01.12345678xZ')).toBeUndefined();
  });
});

describe('isZeroTime', () => {
  it("treats Go's zero time, empty and absent as never", () => {
    expect(isZeroTime('0001-01-01T00:00:00Z')).toBe(true);
    expect(isZeroTime('')).toBe(true);
    expect(isZeroTime(undefined)).toBe(true);
    expect(isZeroTime('2024-01-15T10:32:01Z')).toBe(false);
  });
});

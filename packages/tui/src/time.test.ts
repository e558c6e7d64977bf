import { describe, expect, it } from '@jest/globals';
import { formatClock, formatRfc3339, parseTimeJump } from './time.js';

const T = 1_772_721_125_123_456_789n; // 2026-03-05T14:32:05.123456789Z

describe('time formatting', () => {
  it('formats RFC 3339 UTC with nanoseconds and the clock column', () => {
    expect(formatRfc3339(T)).toBe('2026-03-05T14:32:05.123456789Z');
    expect(formatClock(T)).toBe('14:32:05.123');
    expect(formatRfc3339(0n)).toBe('1970-01-01T00:00:00.000000000Z');
  });
});

describe('parseTimeJump', () => {
  it('matches fragments of the timestamp, with a space for T', () => {
    expect(parseTimeJump('14:32', undefined, undefined)!(T)).toBe(true);
    expect(parseTimeJump('2026-03-05 14:32', undefined, undefined)!(T)).toBe(true);
    expect(parseTimeJump('14:33', undefined, undefined)!(T)).toBe(false);
  });
  it('handles offsets from the newest (-) and the oldest (+) line', () => {
    const p = parseTimeJump('-5m', 0n, T)!;
    expect(p(T - 300_000_000_000n)).toBe(true);
    expect(p(T - 300_000_000_001n)).toBe(false);
    const q = parseTimeJump('+30s', T, undefined)!;
    expect(q(T + 29_000_000_000n)).toBe(false);
    expect(q(T + 30_000_000_000n)).toBe(true);
  });
  it('returns undefined for empty input', () => {
    expect(parseTimeJump('  ', 0n, 0n)).toBeUndefined();
  });
});

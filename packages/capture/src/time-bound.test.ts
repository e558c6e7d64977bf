import { describe, expect, it } from '@jest/globals';
import { InvalidTimeError } from './errors.js';
import { parseDuration, parseTimeBound, parseTimeRange } from './time-bound.js';
import { parseTimestamp } from './timestamp.js';

const ts = (s: string) => parseTimestamp(s)!;
const S = 1_000_000_000n;

describe('parseDuration', () => {
  it('reads Go-style durations plus days and weeks', () => {
    expect(parseDuration('90s')).toBe(90n * S);
    expect(parseDuration('1h30m')).toBe(5400n * S);
    expect(parseDuration('1.5h')).toBe(5400n * S);
    expect(parseDuration('500ms')).toBe(S / 2n);
    expect(parseDuration('2d')).toBe(2n * 86400n * S);
    expect(parseDuration('1w')).toBe(7n * 86400n * S);
    expect(parseDuration('1m30s250ms')).toBe(90n * S + S / 4n);
    expect(parseDuration('3us')).toBe(3000n);
    expect(parseDuration('7ns')).toBe(7n);
    expect(parseDuration('.5s')).toBe(S / 2n);
  });

  it('rejects anything else', () => {
    for (const bad of ['', '5', 'm', '5x', '1h 30m', '-5m', '5m-'])
      expect(() => parseDuration(bad)).toThrow(InvalidTimeError);
  });
});

describe('parseTimeBound', () => {
  const ctx = {
    start: ts('2024-01-15T10:00:00Z'),
    end: ts('2024-01-15T12:00:00Z'),
    now: ts('2024-01-16T00:00:00Z'),
  };

  it('reads RFC3339 with any offset, and dates and times without one in the given offset', () => {
    expect(parseTimeBound('2024-01-15T10:32:00Z', ctx)).toBe(ts('2024-01-15T10:32:00Z'));
    expect(parseTimeBound('2024-01-15T18:32:00.5+08:00', ctx)).toBe(ts('2024-01-15T10:32:00.5Z'));
    expect(parseTimeBound('2024-01-15 10:32:00Z')).toBe(ts('2024-01-15T10:32:00Z'));
    expect(parseTimeBound('2024-01-15')).toBe(ts('2024-01-15T00:00:00Z'));
    expect(parseTimeBound('2024-01-15T10:32')).toBe(ts('2024-01-15T10:32:00Z'));
    expect(parseTimeBound('2024-01-15 10:32:07.25', { utcOffsetMinutes: 60 })).toBe(
      ts('2024-01-15T09:32:07.25Z'),
    );
  });

  it("reads HH:MM[:SS] on the capture's date, the next day for captures crossing midnight", () => {
    expect(parseTimeBound('10:31', ctx)).toBe(ts('2024-01-15T10:31:00Z'));
    expect(parseTimeBound('11:05:30.5', ctx)).toBe(ts('2024-01-15T11:05:30.5Z'));
    expect(parseTimeBound('09:00', ctx)).toBe(ts('2024-01-15T09:00:00Z')); // before the start, same day
    const overnight = { start: ts('2024-01-15T23:00:00Z'), end: ts('2024-01-16T02:00:00Z') };
    expect(parseTimeBound('01:30', overnight)).toBe(ts('2024-01-16T01:30:00Z'));
    expect(parseTimeBound('23:30', overnight)).toBe(ts('2024-01-15T23:30:00Z'));
    expect(parseTimeBound('9:05', { start: ts('2024-01-15T08:00:00Z'), utcOffsetMinutes: 120 })).toBe(
      ts('2024-01-15T07:05:00Z'),
    );
  });

  it('reads -DUR from the end, +DUR from the start, now, and Unix timestamps', () => {
    expect(parseTimeBound('-30m', ctx)).toBe(ts('2024-01-15T11:30:00Z'));
    expect(parseTimeBound('+5m', ctx)).toBe(ts('2024-01-15T10:05:00Z'));
    expect(parseTimeBound('now', ctx)).toBe(ctx.now);
    expect(parseTimeBound('1705314720')).toBe(1705314720n * S);
    expect(parseTimeBound('1705314720123')).toBe(1705314720123n * 1_000_000n);
    expect(parseTimeBound('1705314720123456')).toBe(1705314720123456n * 1000n);
    expect(parseTimeBound('1705314720123456789')).toBe(1705314720123456789n);
  });

  it('says what is missing or wrong', () => {
    expect(() => parseTimeBound('-5m', {})).toThrow(/end is unknown/);
    expect(() => parseTimeBound('+5m', {})).toThrow(/start is unknown/);
    expect(() => parseTimeBound('10:00', {})).toThrow(/start \(its date\) is unknown/);
    expect(() => parseTimeBound('30m', ctx)).toThrow(/write -30m/);
    expect(() => parseTimeBound('25:00', ctx)).toThrow(/time of day/);
    expect(() => parseTimeBound('12345', ctx)).toThrow(/10 \(s\)/);
    expect(() => parseTimeBound('yesterday', ctx)).toThrow(InvalidTimeError);
    expect(() => parseTimeBound('', ctx)).toThrow(InvalidTimeError);
  });

  it('parses a range and refuses an empty one', () => {
    expect(parseTimeRange('10:30', '-30m', ctx)).toEqual({
      from: ts('2024-01-15T10:30:00Z'),
      to: ts('2024-01-15T11:30:00Z'),
    });
    expect(parseTimeRange(undefined, '-30m', ctx)).toEqual({ to: ts('2024-01-15T11:30:00Z') });
    expect(() => parseTimeRange('-5m', '+5m', ctx)).toThrow(/--from is after --to/);
  });
});

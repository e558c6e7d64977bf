import { describe, expect, test } from '@jest/globals';
import { formatNs, formatSinceTime, LineTimestampParser, parseRfc3339 } from './timestamp.js';

describe('kubelet timestamps', () => {
  test('the fixed nine-digit form is parsed exactly, across minutes, days and years', () => {
    const p = new LineTimestampParser();
    const cases = [
      '2026-01-01T00:00:00.000000001Z',
      '2026-01-01T00:00:59.999999999Z',
      '2026-01-01T00:01:00.000000000Z',
      '2025-12-31T23:59:59.123456789Z',
      '2024-02-29T12:34:56.500000000Z',
    ];
    for (const ts of cases) {
      const r = p.parse(`${ts} hello world`);
      expect(r).toBeDefined();
      expect(formatNs(r!.ts)).toBe(ts);
      expect(`${ts} hello world`.slice(r!.msgStart)).toBe('hello world');
      expect(r!.ts).toBe(parseRfc3339(ts));
    }
  });

  test('other RFC3339 forms go through the slow path; an empty message is kept', () => {
    const p = new LineTimestampParser();
    expect(p.parse('2026-01-01T01:00:00.5+01:00 x')).toEqual({
      ts: parseRfc3339('2026-01-01T00:00:00.5Z'),
      msgStart: 28,
    });
    expect(p.parse('2026-01-01T00:00:00Z ')!.msgStart).toBe(21);
    expect(p.parse('2026-01-01T00:00:00.000000000Z ')).toEqual({
      ts: 1_767_225_600n * 1_000_000_000n,
      msgStart: 31,
    });
  });

  test('lines without a timestamp are reported as such', () => {
    const p = new LineTimestampParser();
    for (const line of [
      '',
      'hello',
      'not-a-date something',
      '2026-13-01T00:00:00.000000000Z x',
      '2026-01-01T00:00:0x.000000000Z x',
    ])
      expect(p.parse(line)).toBeUndefined();
  });

  test('sinceTime is the second of the timestamp, as the API server would truncate it anyway', () => {
    expect(formatSinceTime(parseRfc3339('2026-03-04T05:06:07.999999999Z')!)).toBe('2026-03-04T05:06:07Z');
    expect(formatSinceTime(parseRfc3339('1969-12-31T23:59:59.5Z')!)).toBe('1969-12-31T23:59:59Z');
  });

  test('parseRfc3339 rejects impossible dates and keeps nine fraction digits', () => {
    expect(parseRfc3339('2026-02-30T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(1_709_164_800n * 1_000_000_000n);
    expect(parseRfc3339('2026-01-01T24:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2026-01-01T00:00:00.1234567891Z')).toBe(1_767_225_600_123_456_789n);
  });
});

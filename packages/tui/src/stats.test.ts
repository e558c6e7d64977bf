import { describe, expect, it } from '@jest/globals';
import {
  countSeen,
  createStats,
  formatBytes,
  formatCount,
  type LiveStats,
  rates,
  sample,
  topTalkers,
} from './stats.js';

const st = (lines: number, bytes: number, services?: Record<string, number>): LiveStats => ({
  inFlight: 0,
  lines,
  bytes,
  dropped: 0,
  diskBytes: 0,
  redaction: { enabled: true },
  ...(services ? { services: new Map(Object.entries(services)) } : {}),
});

describe('stats model', () => {
  it('computes rates over a sliding window', () => {
    let m = createStats(5000);
    expect(rates(m)).toEqual({ linesPerSec: 0, bytesPerSec: 0 });
    m = sample(m, st(0, 0), 0);
    m = sample(m, st(100, 1000), 1000);
    expect(rates(m)).toEqual({ linesPerSec: 100, bytesPerSec: 1000 });
    for (let t = 2000; t <= 10_000; t += 1000) m = sample(m, st(100 + (t - 1000) / 100, 1000), t);
    // Only the last 5 s (plus one older sample) count: 10 lines/s now.
    expect(rates(m).linesPerSec).toBeCloseTo(10);
    expect(m.samples.length).toBeLessThanOrEqual(7);
  });
  it('ranks top talkers by recent rate, then total, then name', () => {
    let m = createStats(5000);
    m = sample(m, st(0, 0, { a: 1000, b: 0, c: 0 }), 0);
    m = sample(m, st(0, 0, { a: 1000, b: 50, c: 20, d: 20 }), 1000);
    expect(topTalkers(m, 3).map((t) => [t.service, t.rate])).toEqual([
      ['b', 50],
      ['c', 20],
      ['d', 20],
    ]);
    expect(topTalkers(m, 10).at(-1)).toEqual({ service: 'a', rate: 0, total: 1000 });
  });
  it('does not alias a live map handed by the source', () => {
    const live = new Map([['a', 1]]);
    let m = createStats();
    m = sample(m, { ...st(0, 0), services: live }, 0);
    live.set('a', 11);
    m = sample(m, { ...st(0, 0), services: live }, 1000);
    expect(topTalkers(m, 1)[0]!.rate).toBe(10);
  });
  it('falls back to counting the lines the view saw', () => {
    let m = countSeen(createStats(), ['x', 'x', 'y']);
    m = sample(m, st(3, 3), 0);
    m = countSeen(m, ['y', 'y']);
    m = sample(m, st(5, 5), 1000);
    expect(topTalkers(m, 2)).toEqual([
      { service: 'y', rate: 2, total: 3 },
      { service: 'x', rate: 0, total: 2 },
    ]);
  });
  it('formats counts and bytes', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(12.34)).toBe('12.3');
    expect(formatCount(1500)).toBe('1.5k');
    expect(formatCount(2_500_000)).toBe('2.5M');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });
});

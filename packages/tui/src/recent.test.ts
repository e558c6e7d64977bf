import { describe, expect, it } from '@jest/globals';
import { RecentLines } from './recent.js';

const batch = (app: string, from: number, n: number) => {
  const labels = { app };
  return Array.from({ length: n }, (_, i) => ({ ts: BigInt(from + i), labels, msg: `${app} ${from + i}` }));
};

describe('RecentLines', () => {
  it('returns the newest lines oldest first and counts every line per service', () => {
    const r = new RecentLines();
    r.offer(batch('a', 0, 3));
    r.offer(batch('b', 3, 2));
    expect(r.drainRecent(3).map((e) => e.msg)).toEqual(['a 2', 'b 3', 'b 4']);
    expect(r.skipped).toBe(2);
    expect([...r.services()]).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
    expect(r.drainRecent(10)).toEqual([]);
  });
  it('bounds what waits for the view, still counting released lines', () => {
    const r = new RecentLines({ maxPending: 10 });
    for (let i = 0; i < 100; i++) r.offer(batch('a', i * 4, 4));
    const got = r.drainRecent(1000);
    expect(got.length).toBeLessThanOrEqual(14);
    expect(got.at(-1)!.msg).toBe('a 399');
    expect(r.services().get('a')).toBe(400);
    expect(r.skipped + got.length).toBe(400);
  });
  it('ignores empty batches', () => {
    const r = new RecentLines();
    r.offer([]);
    expect(r.drainRecent(5)).toEqual([]);
  });
});

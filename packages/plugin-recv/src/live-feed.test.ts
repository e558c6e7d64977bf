import { describe, expect, it } from '@jest/globals';
import { RecentLines } from '@logtap/tui/recent';
import { LiveFeed } from './live-feed.js';

const T0 = 1_767_225_600_000_000_000n;

function entries(app: string, from: number, n: number, msg = (i: number) => `${app} ${i}`) {
  const labels = { app, pod: `${app}-0` };
  return Array.from({ length: n }, (_, k) => ({ ts: T0 + BigInt(from + k), labels, msg: msg(from + k) }));
}

describe('LiveFeed', () => {
  it('numbers lines, answers those after the cursor once, oldest first, with shared label sets', () => {
    const recent = new RecentLines();
    const feed = new LiveFeed(recent);
    recent.offer(entries('api', 0, 3));
    recent.offer(entries('db', 3, 2));
    const a = feed.answer({ after: 0, max: 100 });
    expect(a.seq).toBe(5);
    expect(a.oldest).toBe(1);
    expect(a.sets).toEqual([
      { app: 'api', pod: 'api-0' },
      { app: 'db', pod: 'db-0' },
    ]);
    expect(a.lines).toEqual([
      [1, String(T0), 0, 'api 0'],
      [2, String(T0 + 1n), 0, 'api 1'],
      [3, String(T0 + 2n), 0, 'api 2'],
      [4, String(T0 + 3n), 1, 'db 3'],
      [5, String(T0 + 4n), 1, 'db 4'],
    ]);
    expect(Object.fromEntries(a.services)).toEqual({ api: 3, db: 2 });
    // Nothing new: an empty answer; a second poller from 0 still gets everything kept.
    expect(feed.answer({ after: 5, max: 100 }).lines).toEqual([]);
    expect(feed.answer({ after: 0, max: 100 }).lines).toHaveLength(5);
    recent.offer(entries('api', 5, 1));
    expect(feed.answer({ after: 5, max: 100 }).lines.map((l) => l[3])).toEqual(['api 5']);
    expect(feed.answer({ after: 0, max: 2 }).lines.map((l) => l[0])).toEqual([5, 6]);
  });

  it('bounds an answer in lines and bytes (the newest win), messages in length, and the ring', () => {
    const recent = new RecentLines();
    const feed = new LiveFeed(recent, { ringLines: 50, maxAnswerBytes: 4096, maxMessageChars: 100 });
    recent.offer(entries('api', 0, 200, (i) => `${i} ${'x'.repeat(300)}`));
    const a = feed.answer({ after: 0, max: 1000 });
    // Only the newest ringLines of a drain are kept (and numbered).
    expect(a.seq).toBe(50);
    expect(a.oldest).toBe(1);
    expect(a.lines.length).toBeGreaterThan(10);
    expect(a.lines.length).toBeLessThan(50);
    expect(a.lines.at(-1)![0]).toBe(50);
    expect(a.lines.at(-1)![3].startsWith('199 x')).toBe(true);
    expect(JSON.stringify(a).length).toBeLessThan(4096 + 2048);
    for (const l of a.lines) {
      expect(l[3].length).toBe(101);
      expect(l[3].endsWith('…')).toBe(true);
    }
    // A surrogate pair at the cut is not split.
    const emoji = new LiveFeed(recent, { maxMessageChars: 16 });
    recent.offer(entries('e', 0, 1, () => `${'a'.repeat(15)}😀 tail`));
    expect(emoji.answer({ after: 0, max: 10 }).lines[0]![3]).toBe(`${'a'.repeat(15)}…`);
  });

  it('sends the busiest services recently and overall when there are too many', () => {
    let now = 0;
    const recent = new RecentLines();
    const feed = new LiveFeed(recent, { maxServices: 4, rankWindowMs: 1000, now: () => now });
    for (let s = 0; s < 10; s++) recent.offer(entries(`old-${s}`, 0, 100 + s));
    feed.answer({ after: 0, max: 1 });
    now = 1000;
    feed.answer({ after: 0, max: 1 });
    recent.offer(entries('new-hot', 0, 50));
    recent.offer(entries('new-warm', 0, 20));
    now = 2000;
    const names = feed.answer({ after: 0, max: 1 }).services.map(([s]) => s);
    expect(names).toHaveLength(4);
    expect(names).toEqual(expect.arrayContaining(['new-hot', 'new-warm', 'old-9', 'old-8']));
  });
});

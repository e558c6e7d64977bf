import { describe, expect, test } from '@jest/globals';
import { ResumePoint } from './resume.js';
import { parseRfc3339 } from './timestamp.js';

const SEC = 1_000_000_000n;
const BASE = 1_767_225_600n * SEC; // 2026-01-01T00:00:00Z

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line {
  ts: bigint;
  text: string;
}

/** A log whose timestamps collide a lot: few distinct ns per second, repeated texts. */
function makeLog(r: () => number, n: number): Line[] {
  const out: Line[] = [];
  let ts = BASE + BigInt(Math.floor(r() * 1e9));
  for (let i = 0; i < n; i++) {
    const step = r();
    if (step < 0.4) {
      // same timestamp as the previous line
    } else if (step < 0.8) ts += BigInt(1 + Math.floor(r() * 1000));
    else ts += BigInt(Math.floor(r() * 2.5 * 1e9));
    out.push({ ts, text: r() < 0.3 ? 'same text' : `line ${i}` });
  }
  return out;
}

/** What the API server returns for `sinceTime`: every line at or after that second (truncated). */
function serve(log: Line[], sinceTime: string | undefined): Line[] {
  if (sinceTime === undefined) return log;
  const since = parseRfc3339(sinceTime)!;
  expect(since % SEC).toBe(0n);
  return log.filter((l) => l.ts >= since);
}

describe('ResumePoint', () => {
  test('first stream: nothing is dropped and no sinceTime is sent', () => {
    const p = new ResumePoint();
    expect(p.resume()).toBeUndefined();
    for (const t of [1n, 1n, 2n]) expect(p.accept(BASE + t, 'x')).toBe(true);
    expect(p.duplicates).toBe(0);
  });

  test('a reconnect drops exactly the lines already read, also several sharing the last timestamp', () => {
    const p = new ResumePoint();
    const log: Line[] = [
      { ts: BASE + 5n, text: 'a' },
      { ts: BASE + SEC + 7n, text: 'b' },
      { ts: BASE + SEC + 9n, text: 'c1' },
      { ts: BASE + SEC + 9n, text: 'c2' },
      { ts: BASE + SEC + 9n, text: 'c3' },
      { ts: BASE + 2n * SEC, text: 'd' },
    ];
    for (const l of log.slice(0, 4)) expect(p.accept(l.ts, l.text)).toBe(true);
    const since = p.resume();
    expect(since).toBe('2026-01-01T00:00:01Z');
    const again = serve(log, since);
    expect(again.map((l) => p.accept(l.ts, l.text))).toEqual([false, false, false, true, true]);
    expect(p.duplicates).toBe(3);
  });

  test('lines sharing a timestamp are matched by content, so a rotated-away head does not hide new lines', () => {
    const p = new ResumePoint();
    const t = BASE + 3n;
    expect(p.accept(t, 'x1')).toBe(true);
    expect(p.accept(t, 'x2')).toBe(true);
    p.resume();
    // The log file rotated between the two lines: the resumed stream starts at x2, then a new line x3.
    expect(p.accept(t, 'x2')).toBe(false);
    expect(p.accept(t, 'x3')).toBe(true);
    expect(p.accept(t + 1n, 'y')).toBe(true);
  });

  test('skipBefore: lines stamped before the moment count as read', () => {
    const p = new ResumePoint();
    p.skipBefore(BASE + 10n);
    expect(p.resume()).toBe('2026-01-01T00:00:00Z');
    expect(p.accept(BASE + 9n, 'old')).toBe(false);
    expect(p.accept(BASE + 10n, 'at')).toBe(true);
    expect(p.accept(BASE + 11n, 'new')).toBe(true);
  });

  test('too many lines on one timestamp: falls back to counting them', () => {
    const p = new ResumePoint();
    const t = BASE + 1n;
    for (let i = 0; i < 1000; i++) p.accept(t, `l${i}`);
    p.resume();
    for (let i = 0; i < 1000; i++) expect(p.accept(t, `l${i}`)).toBe(false);
    expect(p.accept(t, 'new')).toBe(true);
  });

  test('random logs cut at random points (with rotation) are forwarded exactly once', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const log = makeLog(r, 1 + Math.floor(r() * 300));
      const p = new ResumePoint();
      const got: Line[] = [];
      let rotatedAway = 0; // lines at the head of the log no longer served (the kubelet rotated the file)
      for (let streams = 0; ; streams++) {
        if (streams > 10_000) throw new Error(`seed ${seed}: no progress`);
        const since = p.resume();
        const served = serve(log.slice(rotatedAway), since);
        // A stream delivers a random prefix of what is served, then breaks (or ends at the end of the log).
        const cut = r() < 0.2 ? served.length : Math.floor(r() * (served.length + 1));
        for (const l of served.slice(0, cut)) if (p.accept(l.ts, l.text)) got.push(l);
        if (cut === served.length) break;
        // Sometimes rotation drops lines that were already read (never unread ones: the stream kept up).
        if (r() < 0.3) rotatedAway = Math.max(rotatedAway, Math.floor(r() * got.length * 0.5));
      }
      if (got.length !== log.length || got.some((l, i) => l !== log[i]))
        throw new Error(`seed ${seed}: forwarded ${got.length} of ${log.length} lines, not exactly once`);
    }
  });
});

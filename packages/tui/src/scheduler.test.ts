import { describe, expect, it } from '@jest/globals';
import { RenderScheduler, type Timers } from './scheduler.js';

/** Manual clock: timers fire when advance() passes their due time. */
function fakeTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let id = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      due.set(++id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      due.delete(h as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        due.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
  };
}

describe('RenderScheduler', () => {
  it('draws at most once per interval however many requests arrive', () => {
    const t = fakeTimers();
    let draws = 0;
    const s = new RenderScheduler(() => draws++, t, 100);
    for (let ms = 0; ms < 1000; ms++) {
      s.request();
      t.advance(1);
    }
    expect(draws).toBeGreaterThanOrEqual(9);
    expect(draws).toBeLessThanOrEqual(11);
  });
  it('never loses a request and draws the first one immediately', () => {
    const t = fakeTimers();
    let draws = 0;
    const s = new RenderScheduler(() => draws++, t, 100);
    s.request();
    t.advance(0);
    expect(draws).toBe(1);
    s.request();
    t.advance(50);
    expect(draws).toBe(1);
    t.advance(50);
    expect(draws).toBe(2);
  });
  it('flush draws now and cancel drops the pending draw', () => {
    const t = fakeTimers();
    let draws = 0;
    const s = new RenderScheduler(() => draws++, t, 100);
    s.request();
    s.flush();
    expect(draws).toBe(1);
    s.request();
    s.cancel();
    t.advance(500);
    expect(draws).toBe(1);
  });
});

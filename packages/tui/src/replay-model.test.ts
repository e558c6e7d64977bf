import { describe, expect, it } from '@jest/globals';
import {
  createReplay,
  delayFor,
  finished,
  formatSpeed,
  parseSpeed,
  progress,
  released,
  speedDown,
  speedUp,
  togglePause,
} from './replay-model.js';

const S = 1_000_000_000n;

describe('parseSpeed / formatSpeed', () => {
  it('parses 1x, 10x, 0.5x, bare numbers and 0/max', () => {
    expect(parseSpeed('1x')).toBe(1);
    expect(parseSpeed('10x')).toBe(10);
    expect(parseSpeed('0.5x')).toBe(0.5);
    expect(parseSpeed('2')).toBe(2);
    expect(parseSpeed('0')).toBe(0);
    expect(parseSpeed('max')).toBe(0);
    expect(parseSpeed('fast')).toBeUndefined();
    expect(parseSpeed('-1')).toBeUndefined();
    expect(parseSpeed('99999')).toBeUndefined();
  });
  it('formats', () => {
    expect(formatSpeed(0)).toBe('max');
    expect(formatSpeed(10)).toBe('10x');
    expect(formatSpeed(0.25)).toBe('1/4x');
  });
});

describe('pacing', () => {
  it('releases the first entry at once and later ones by timestamp / speed', () => {
    let m = createReplay({ now: 1000, speed: 2 });
    let d = delayFor(m, 10n * S, 1000);
    expect(d.delay).toBe(0);
    m = released(d.model, 10n * S);
    d = delayFor(m, 12n * S, 1000);
    expect(d.delay).toBe(1000);
    d = delayFor(m, 12n * S, 1600);
    expect(d.delay).toBe(400);
  });
  it('speed 0 never waits', () => {
    const m = createReplay({ now: 0, speed: 0 });
    expect(delayFor(released(delayFor(m, 0n, 0).model, 0n), 3600n * S, 0).delay).toBe(0);
  });
  it('shortens idle gaps to maxGapMs and counts them', () => {
    let m = createReplay({ now: 0, maxGapMs: 5000 });
    m = released(delayFor(m, 0n, 0).model, 0n);
    const d = delayFor(m, 3600n * S, 0);
    expect(d.delay).toBe(5000);
    expect(d.model.gapsSkipped).toBe(1);
    // The next entry a second later is due a second after the shortened gap.
    const m2 = released(d.model, 3600n * S);
    expect(delayFor(m2, 3601n * S, 5000).delay).toBe(1000);
  });
  it('pause waits forever; resume re-anchors so the position does not jump', () => {
    let m = createReplay({ now: 0 });
    m = released(delayFor(m, 0n, 0).model, 0n);
    m = togglePause(m, 100);
    expect(delayFor(m, 1n * S, 100).delay).toBe(Number.POSITIVE_INFINITY);
    m = togglePause(m, 60_000);
    expect(m.paused).toBe(false);
    expect(delayFor(m, 1n * S, 60_000).delay).toBe(1000);
  });
  it('] doubles (below 1x jumps to 1x, max stays), [ halves (max goes to 64x, floors at 1x from above)', () => {
    let m = createReplay({ now: 0, speed: 1 });
    m = speedUp(m, 0);
    expect(m.speed).toBe(2);
    expect(speedUp({ ...m, speed: 0.25 }, 0).speed).toBe(1);
    expect(speedUp({ ...m, speed: 0 }, 0).speed).toBe(0);
    expect(speedDown({ ...m, speed: 0 }, 0).speed).toBe(64);
    expect(speedDown({ ...m, speed: 1.5 }, 0).speed).toBe(1);
    expect(speedDown({ ...m, speed: 1 }, 0).speed).toBe(0.5);
    expect(speedDown({ ...m, speed: 1 / 64 }, 0).speed).toBe(1 / 64);
    expect(speedUp({ ...m, speed: 1024 }, 0).speed).toBe(1024);
  });
  it('a speed change re-anchors at the current position', () => {
    let m = createReplay({ now: 0, speed: 1 });
    m = released(delayFor(m, 0n, 0).model, 0n);
    m = released(m, 5n * S); // released at wall 5000
    m = speedUp(m, 5000);
    expect(delayFor(m, 7n * S, 5000).delay).toBe(1000);
  });
  it('tracks progress, position and completion', () => {
    let m = createReplay({ now: 0, total: 4 });
    expect(progress(m)).toBe(0);
    m = released(released(m, 5n), 3n);
    expect(m.position).toBe(5n);
    expect(progress(m)).toBe(0.5);
    m = finished(m, 10);
    expect(m.done).toBe(true);
    expect(togglePause(m, 11).paused).toBe(false);
    expect(progress(finished(createReplay({ now: 0 }), 1))).toBe(1);
  });
  it('falls back to the position within the time span when the total is unknown', () => {
    let m = createReplay({ now: 0, span: { from: 100n, to: 200n } });
    expect(progress(m)).toBeUndefined();
    m = released(m, 150n);
    expect(progress(m)).toBe(0.5);
    expect(progress(createReplay({ now: 0 }))).toBeUndefined();
  });
});

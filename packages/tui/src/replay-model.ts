/**
 * Replay pacing and controls: entries are released at the pace of their original timestamps divided by
 * the speed (0 = as fast as possible); pause and speed changes re-anchor the clock so the position never
 * jumps; an idle gap longer than `maxGapMs` (wall time at the current speed) is shortened to it.
 */
export interface ReplayModel {
  /** Multiplier: 1 = real time, 10 = ten times faster, 0 = as fast as possible. */
  readonly speed: number;
  readonly paused: boolean;
  /** Wall clock (ms) at which the entry `anchorTs` is due. */
  readonly anchorWall: number;
  readonly anchorTs: bigint | undefined;
  /** ts of the last entry released. */
  readonly position: bigint | undefined;
  readonly emitted: number;
  /** Entries expected in total, when known. */
  readonly total: number | undefined;
  readonly done: boolean;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  readonly maxGapMs: number;
  /** Idle gaps shortened so far. */
  readonly gapsSkipped: number;
  /** Time span of the replay, for progress by position when the total is unknown. */
  readonly span: { readonly from: bigint; readonly to: bigint } | undefined;
}

export const MAX_SPEED = 1024;
export const MIN_SPEED = 1 / 64;

export function createReplay(opts: {
  speed?: number;
  total?: number | undefined;
  now: number;
  maxGapMs?: number;
  span?: { from: bigint; to: bigint } | undefined;
}): ReplayModel {
  return {
    speed: opts.speed ?? 1,
    paused: false,
    anchorWall: opts.now,
    anchorTs: undefined,
    position: undefined,
    emitted: 0,
    total: opts.total,
    done: false,
    startedAt: opts.now,
    finishedAt: undefined,
    maxGapMs: opts.maxGapMs ?? 5000,
    gapsSkipped: 0,
    span: opts.span,
  };
}

/** Parses `--speed`: `1x`, `10x`, `0.5x`, `2`, `0` / `max` (as fast as possible). Undefined when invalid. */
export function parseSpeed(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'max' || t === '0' || t === '0x') return 0;
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(t);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_SPEED) return undefined;
  return n;
}

export function formatSpeed(speed: number): string {
  if (speed === 0) return 'max';
  if (speed >= 1) return `${Number.isInteger(speed) ? speed : speed.toFixed(1)}x`;
  return `1/${Math.round(1 / speed)}x`;
}

/** Re-anchors the clock at the current position, so later pacing continues from "now". */
function reanchor(m: ReplayModel, now: number): ReplayModel {
  return { ...m, anchorWall: now, anchorTs: m.position };
}

/** `]`: doubles the speed; below 1x jumps to 1x; max stays max. */
export function speedUp(m: ReplayModel, now: number): ReplayModel {
  if (m.speed === 0) return m;
  const speed = m.speed < 1 ? 1 : Math.min(MAX_SPEED, m.speed * 2);
  return { ...reanchor(m, now), speed };
}

/** `[`: halves the speed; from max goes to 64x; above 1x stops at 1x; at 1x or below keeps halving. */
export function speedDown(m: ReplayModel, now: number): ReplayModel {
  let speed: number;
  if (m.speed === 0) speed = 64;
  else if (m.speed > 1) speed = Math.max(1, m.speed / 2);
  else speed = Math.max(MIN_SPEED, m.speed / 2);
  return { ...reanchor(m, now), speed };
}

export function togglePause(m: ReplayModel, now: number): ReplayModel {
  if (m.done) return m;
  return m.paused ? { ...reanchor(m, now), paused: false } : { ...m, paused: true };
}

/**
 * How long to wait (ms) before releasing an entry with timestamp `ts`; Infinity while paused.
 * Returns the model to use, which may have its anchor moved to shorten an idle gap.
 */
export function delayFor(m: ReplayModel, ts: bigint, now: number): { model: ReplayModel; delay: number } {
  if (m.paused) return { model: m, delay: Number.POSITIVE_INFINITY };
  if (m.speed === 0) return { model: m, delay: 0 };
  if (m.anchorTs === undefined) return { model: { ...m, anchorTs: ts, anchorWall: now }, delay: 0 };
  const due = m.anchorWall + Number(ts - m.anchorTs) / 1e6 / m.speed;
  const delay = due - now;
  if (delay > m.maxGapMs) {
    // Shorten the gap: pretend the previous entry was released just now and this one is maxGapMs later.
    const model = { ...m, anchorTs: ts, anchorWall: now + m.maxGapMs, gapsSkipped: m.gapsSkipped + 1 };
    return { model, delay: m.maxGapMs };
  }
  return { model: m, delay: Math.max(0, delay) };
}

/** Records that an entry was released. Timestamps going backwards do not move the anchor back. */
export function released(m: ReplayModel, ts: bigint): ReplayModel {
  return {
    ...m,
    emitted: m.emitted + 1,
    position: m.position === undefined || ts > m.position ? ts : m.position,
  };
}

export function finished(m: ReplayModel, now: number): ReplayModel {
  return { ...m, done: true, paused: false, finishedAt: now };
}

/** 0..1: entries released over the total when known, else the position within the time span. */
export function progress(m: ReplayModel): number | undefined {
  if (m.done) return 1;
  if (m.total !== undefined && m.total > 0) return Math.min(1, m.emitted / m.total);
  if (m.span && m.position !== undefined && m.span.to > m.span.from) {
    const f = Number(m.position - m.span.from) / Number(m.span.to - m.span.from);
    return Math.min(1, Math.max(0, f));
  }
  return undefined;
}

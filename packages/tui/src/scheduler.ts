/** Timers, injectable so tests can drive time. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Coalesces redraw requests: however many arrive, `draw` runs at most once per `minIntervalMs`, and a
 * request is never lost (it runs at the next allowed moment).
 */
export class RenderScheduler {
  private last = Number.NEGATIVE_INFINITY;
  private handle: unknown;
  private pending = false;
  draws = 0;

  constructor(
    private readonly draw: () => void,
    private readonly timers: Timers = realTimers,
    readonly minIntervalMs = 100,
  ) {}

  request(): void {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, this.last + this.minIntervalMs - this.timers.now());
    this.handle = this.timers.setTimeout(() => this.run(), wait);
  }

  /** Draws now (bypassing the rate limit), e.g. before a blocking shutdown. */
  flush(): void {
    this.cancel();
    this.run();
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.pending = false;
  }

  private run(): void {
    this.pending = false;
    this.handle = undefined;
    this.last = this.timers.now();
    this.draws++;
    this.draw();
  }
}

import type { KeyEvent } from '../app-state.js';
import type { Grid } from '../grid.js';
import type { Terminal } from '../terminal.js';

/** An in-memory Terminal: records what is drawn and lets a test press keys and resize. */
export class FakeTerminal implements Terminal {
  last: Grid | undefined;
  draws = 0;
  destroyed = false;
  private keyFn: ((k: KeyEvent) => void) | undefined;
  private resizeFn: (() => void) | undefined;
  constructor(
    public cols = 100,
    public rows = 30,
  ) {}
  draw(grid: Grid): void {
    this.last = grid;
    this.draws++;
  }
  onKey(fn: (key: KeyEvent) => void): void {
    this.keyFn = fn;
  }
  onResize(fn: () => void): void {
    this.resizeFn = fn;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Presses keys: single characters, or names in angle brackets (<enter>, <C-c>). */
  press(keys: string): void {
    for (const m of keys.matchAll(/<(C-)?([a-z]+)>|(.)/gu)) {
      const key =
        m[3] !== undefined
          ? { name: m[3] === ' ' ? 'space' : m[3] }
          : { name: m[2]!, ctrl: m[1] !== undefined };
      this.keyFn?.(key);
    }
  }
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.resizeFn?.();
  }
  text(): string {
    return this.last?.text() ?? '';
  }
}

/** Polls `pred` until it holds or `ms` pass. */
export async function waitFor(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

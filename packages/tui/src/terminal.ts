import blessed from 'neo-blessed';
import type { KeyEvent } from './app-state.js';
import type { Grid } from './grid.js';

/** Where a view draws and reads keys; defaults to the process's stdin/stdout (given by the command). */
export interface TerminalOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** terminfo name, e.g. `xterm-256color` or `tmux-256color` (the command passes $TERM). */
  term?: string | undefined;
}

/** The few things the views need from a terminal; implemented with neo-blessed. */
export interface Terminal {
  readonly cols: number;
  readonly rows: number;
  draw(grid: Grid): void;
  onKey(fn: (key: KeyEvent) => void): void;
  onResize(fn: () => void): void;
  destroy(): void;
}

/** Turns blessed's (ch, key) pair into a KeyEvent; undefined for events to ignore. */
export function toKeyEvent(
  ch: string | undefined,
  key: { name?: string; ctrl?: boolean; full?: string } | undefined,
): KeyEvent | undefined {
  const name = key?.name;
  // blessed reports a carriage return twice, as 'return' and then as 'enter': keep one.
  if (name === 'return') return undefined;
  if (name === 'enter' || name === 'linefeed') return { name: 'enter' };
  if (key?.ctrl && name) return { name, ctrl: true };
  if (name === 'space' || ch === ' ') return { name: 'space' };
  if (ch && !/[\x00-\x1f\x7f]/.test(ch) && Array.from(ch).length === 1) return { name: ch };
  if (name) return { name };
  return undefined;
}

/**
 * Opens a full-screen neo-blessed terminal. Drawing copies a Grid cell by cell into blessed's screen
 * buffer (one cell per column, a wide character's right half left empty) and lets blessed diff and emit
 * it; blessed's own widgets and width tables are not used, so emoji and CJK stay aligned.
 */
export function openTerminal(opts: TerminalOptions): Terminal {
  const screen = blessed.screen({
    input: opts.input as NodeJS.ReadStream,
    output: opts.output as NodeJS.WriteStream,
    ...(opts.term ? { terminal: opts.term } : {}),
    smartCSR: true,
    fullUnicode: true,
    forceUnicode: true,
    autoPadding: false,
    warnings: false,
    // We handle Ctrl+C ourselves (graceful shutdown).
    ignoreLocked: [],
    dockBorders: false,
    title: 'logtap',
  } as blessed.Widgets.IScreenOptions);
  screen.program.hideCursor();
  // blessed reallocates its buffer on resize: always read the current one.
  const buffer = screen as unknown as { lines: Array<Array<[number, string]> & { dirty?: boolean }> };
  let destroyed = false;
  return {
    get cols() {
      return screen.width as number;
    },
    get rows() {
      return screen.height as number;
    },
    draw(grid) {
      if (destroyed) return;
      const lines = buffer.lines;
      const h = Math.min(grid.height, lines.length);
      for (let y = 0; y < h; y++) {
        const row = lines[y]!;
        const cells = grid.cells[y]!;
        const w = Math.min(grid.width, row.length);
        let dirty = false;
        for (let x = 0; x < w; x++) {
          const c = cells[x]!;
          const cur = row[x]!;
          if (cur[0] !== c.attr || cur[1] !== c.ch) {
            row[x] = [c.attr, c.ch];
            dirty = true;
          }
        }
        if (dirty) row.dirty = true;
      }
      screen.render();
    },
    onKey(fn) {
      screen.on('keypress', (ch: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
        const k = toKeyEvent(ch, key);
        if (k) fn(k);
      });
    },
    onResize(fn) {
      screen.on('resize', fn);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      screen.program.showCursor();
      screen.destroy();
    },
  };
}

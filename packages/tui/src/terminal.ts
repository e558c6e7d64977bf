import { writeSync } from 'node:fs';
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
  /**
   * Leaves the full screen: alternate screen off, cursor shown, mouse modes off, attributes reset, raw
   * mode off. Idempotent; also run by restoreTerminals() and on the process's 'exit'.
   */
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
 * What puts a terminal back the way a shell expects it, whatever state a view left it in: attributes
 * reset, the G0 character set selected (blessed switches to line drawing for borders), every mouse
 * reporting mode off (X10, button, any-event, UTF-8, SGR, urxvt), focus events off, the cursor shown and
 * the keypad in normal mode. Each is idempotent: writing it twice, or on a terminal that is already
 * fine, changes nothing.
 */
export const RESTORE_SEQUENCE =
  '\x1b[0m\x0f\x1b(B\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1004l\x1b[?25h\x1b[?1l\x1b>';
/**
 * Leaves the alternate screen: scroll region reset (while still on it: DECSTBM homes the cursor), then
 * back to the normal screen with the cursor saved on entry. Not idempotent (a second 1049l restores the
 * saved cursor again), so it is written only when blessed did not leave the alternate screen itself.
 */
export const LEAVE_ALTERNATE_SEQUENCE = '\x1b[r\x1b[?1049l';

/** Restores of the terminals whose screen is up (removed when destroyed). */
const openScreens = new Set<() => void>();
let hooked = false;

/**
 * Puts every terminal a view opened back in its normal state (leaves the alternate screen, shows the
 * cursor, turns mouse reporting and raw mode off), synchronously and at most once per terminal. Hard-exit
 * paths call it before printing their last words and `process.exit` (it also runs on the process's
 * 'exit' event while a screen is up, so nothing is missed).
 */
export function restoreTerminals(): void {
  for (const restore of [...openScreens]) restore();
}

// The one place the TUI touches the process, like blessed itself does: while a screen is up a restore
// runs on 'exit' (process.exit, the end of the event loop, an uncaught error) and on SIGHUP, whose
// default action (terminate, exit code 129) skips 'exit' handlers. When nothing else listens to SIGHUP
// the handler restores and raises it again with the default action, so the exit stays the same.
const onExit = (): void => restoreTerminals();
const onHangup = (): void => {
  const sole = process.listenerCount('SIGHUP') === 1;
  restoreTerminals();
  if (sole) process.kill(process.pid, 'SIGHUP');
};
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', onExit);
  process.on('SIGHUP', onHangup);
}
function unhookIfIdle(): void {
  if (!hooked || openScreens.size > 0) return;
  hooked = false;
  process.off('exit', onExit);
  process.off('SIGHUP', onHangup);
}

/** Writes synchronously to a TTY (the process may be exiting), through the stream otherwise. */
function writeNow(output: NodeJS.WritableStream, text: string): void {
  const fd = (output as { fd?: unknown; isTTY?: boolean }).fd;
  try {
    if (typeof fd === 'number' && (output as { isTTY?: boolean }).isTTY) writeSync(fd, text);
    else output.write(text);
  } catch {
    // The terminal is gone (EIO after a hangup, EPIPE): there is nothing left to restore.
  }
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
  const program = screen.program as unknown as { isAlt?: boolean };
  const input = opts.input as Partial<NodeJS.ReadStream>;
  // blessed reallocates its buffer on resize: always read the current one.
  const buffer = screen as unknown as { lines: Array<Array<[number, string]> & { dirty?: boolean }> };
  let destroyed = false;
  /** Idempotent: blessed leaves the screen its way, then the exact sequences make sure of the rest. */
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    openScreens.delete(destroy);
    unhookIfIdle();
    try {
      screen.destroy();
    } catch {
      // A dead terminal (write errors) or a half-torn-down screen: the sequences below still go out.
    }
    writeNow(opts.output, (program.isAlt ? LEAVE_ALTERNATE_SEQUENCE : '') + RESTORE_SEQUENCE);
    try {
      if (input.isTTY && input.isRaw) input.setRawMode?.(false);
    } catch {
      // The terminal is gone: no mode left to reset.
    }
  };
  openScreens.add(destroy);
  hook();
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
    destroy,
  };
}

import { clusters } from './width.js';

/** Colours: the 16 ANSI colours by index (0 black … 7 white, 8 gray … 15 bright white). */
export const Color = {
  black: 0,
  red: 1,
  green: 2,
  yellow: 3,
  blue: 4,
  magenta: 5,
  cyan: 6,
  white: 7,
  gray: 8,
  brightRed: 9,
  brightGreen: 10,
  brightYellow: 11,
  brightCyan: 14,
  brightWhite: 15,
} as const;

export interface Style {
  fg?: number;
  bg?: number;
  bold?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

/**
 * A style packed into one number, in the layout blessed uses for its cells (flags << 18 | fg << 9 | bg,
 * 0x1ff = terminal default), so the drawing layer can copy it as is.
 */
export type Attr = number;
const DEFAULT_COLOR = 0x1ff;
export const DEFAULT_ATTR: Attr = (DEFAULT_COLOR << 9) | DEFAULT_COLOR;

export function attr(s: Style): Attr {
  const flags = (s.bold ? 1 : 0) | (s.underline ? 2 : 0) | (s.inverse ? 8 : 0);
  return (flags << 18) | ((s.fg ?? DEFAULT_COLOR) << 9) | (s.bg ?? DEFAULT_COLOR);
}

/** One terminal column: its text (a cluster, or '' for the right half of a wide character) and style. */
export interface Cell {
  ch: string;
  attr: Attr;
}

/**
 * A screen-sized grid of cells that the pure layout code writes into and the drawing layer copies to the
 * terminal. One cell is one column, whatever the character: a wide character fills its cell and leaves
 * the next one empty, combining marks live in their base's cell. So nothing depends on the terminal
 * library's own (older) width tables.
 */
export class Grid {
  readonly cells: Cell[][];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.cells = Array.from({ length: height }, () =>
      Array.from({ length: width }, () => ({ ch: ' ', attr: DEFAULT_ATTR })),
    );
  }

  /** Writes text at (x, y) clipped to `maxX` (exclusive, default the grid width); returns the next x. */
  put(x: number, y: number, text: string, a: Attr = DEFAULT_ATTR, maxX = this.width): number {
    const row = this.cells[y];
    if (!row) return x;
    const limit = Math.min(maxX, this.width);
    let cx = x;
    for (const c of clusters(text)) {
      if (cx + c.width > limit) break;
      if (cx >= 0) {
        // Overwriting half of a wide character: blank the other half.
        if (row[cx]!.ch === '' && cx > 0) row[cx - 1] = { ch: ' ', attr: row[cx - 1]!.attr };
        row[cx] = { ch: c.text, attr: a };
        if (c.width === 2) row[cx + 1] = { ch: '', attr: a };
        const after = row[cx + c.width];
        if (after && after.ch === '') row[cx + c.width] = { ch: ' ', attr: after.attr };
      }
      cx += c.width;
    }
    return cx;
  }

  /** Fills columns [x, x + w) of row y with spaces in style `a`. */
  fill(x: number, y: number, w: number, a: Attr = DEFAULT_ATTR): void {
    const row = this.cells[y];
    if (!row) return;
    for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) row[i] = { ch: ' ', attr: a };
    const after = row[x + w];
    if (after && after.ch === '') row[x + w] = { ch: ' ', attr: after.attr };
  }

  /** The text of a row (for tests and logs). */
  rowText(y: number): string {
    return (this.cells[y] ?? []).map((c) => c.ch).join('');
  }

  /** The whole grid as text, one line per row, trailing spaces trimmed. */
  text(): string {
    return this.cells.map((_, y) => this.rowText(y).trimEnd()).join('\n');
  }
}

/**
 * Terminal display width (a small wcwidth) and width-safe text operations.
 *
 * The model is the one terminals and tmux use (wcwidth/wcswidth, updated to Unicode 9+ emoji): every code
 * point has a width of 0 (combining marks, format characters, variation selectors), 1 or 2 (East Asian
 * wide/fullwidth, emoji presentation). A zero-width code point always stays with the character before
 * it, so cutting a string never separates a base from its accents nor splits a surrogate pair.
 */

// Built once from Unicode properties that V8 knows (\p{...}); ranges below fill in East Asian Wide,
// which has no regex property.
const ZERO_WIDTH_RE = /^(?:\p{Mn}|\p{Me}|\p{Cf}|[\u1160-\u11ff]|[\ufe00-\ufe0f])$/u;
const EMOJI_PRESENTATION_RE = /^\p{Emoji_Presentation}$/u;

/** East Asian Wide and Fullwidth ranges (Unicode 15, EastAsianWidth.txt W/F), emoji handled separately. */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function computeWidth(cp: number): 0 | 1 | 2 {
  if (cp === 0) return 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  const ch = String.fromCodePoint(cp);
  if (ZERO_WIDTH_RE.test(ch)) return 0;
  if (EMOJI_PRESENTATION_RE.test(ch)) return 2;
  for (const [lo, hi] of WIDE_RANGES) {
    if (cp < lo) break;
    if (cp <= hi) return 2;
  }
  return 1;
}

// A lookup table for the Basic Multilingual Plane, filled lazily: one regex test per distinct code point
// instead of one per character drawn.
const BMP = new Uint8Array(0x10000).fill(255);

/** Display width of one code point: 0, 1 or 2 columns. Control characters count 0 (sanitize first). */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp < 0x10000) {
    let w = BMP[cp]!;
    if (w === 255) {
      w = computeWidth(cp);
      BMP[cp] = w;
    }
    return w as 0 | 1 | 2;
  }
  return computeWidth(cp);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Display width of a string in terminal columns. */
export function stringWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += codePointWidth(ch.codePointAt(0)!);
  return w;
}

/** One terminal cell's worth of text: a base character with its zero-width followers. */
export interface Cluster {
  text: string;
  /** 1 or 2 columns (0 only for a string that starts with a combining mark, drawn on its own). */
  width: number;
}

/**
 * Splits a string into display clusters: each holds one base code point plus the zero-width code points
 * that follow it (combining marks, ZWJ, variation selectors).
 */
export function clusters(s: string): Cluster[] {
  const out: Cluster[] = [];
  for (const ch of s) {
    const w = codePointWidth(ch.codePointAt(0)!);
    const last = out[out.length - 1];
    if (w === 0 && last !== undefined) last.text += ch;
    else out.push({ text: ch, width: w === 0 ? 1 : w });
  }
  return out;
}

// C0 controls except TAB, DEL, C1 controls, and the bidi controls that can reorder what is displayed.
const UNSAFE_RE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * Makes untrusted text safe to draw: control characters become visible symbols (ESC → ␛, newline → ↵),
 * so a log line can never move the cursor or change colours; tabs expand to the next multiple of 8.
 */
export function sanitizeForDisplay(s: string): string {
  let t = s;
  if (t.includes('\t')) {
    let col = 0;
    let out = '';
    for (const ch of t) {
      if (ch === '\t') {
        const n = 8 - (col % 8);
        out += ' '.repeat(n);
        col += n;
      } else {
        out += ch;
        col += 1;
      }
    }
    t = out;
  }
  return t.replace(UNSAFE_RE, (c) => {
    const cp = c.charCodeAt(0);
    if (cp === 0x0a || cp === 0x2028 || cp === 0x2029) return '↵';
    if (cp < 0x20) return String.fromCharCode(0x2400 + cp);
    if (cp === 0x7f) return '␡';
    return '\ufffd';
  });
}

/**
 * Cuts `s` to at most `max` columns without splitting a character; when something was cut and
 * `ellipsis` is given, the result ends with it (still within `max`).
 */
export function truncateToWidth(s: string, max: number, ellipsis = ''): string {
  if (max <= 0) return '';
  if (PRINTABLE_ASCII.test(s)) {
    if (s.length <= max) return s;
    const e = ellipsis.length <= max ? ellipsis : '';
    return s.slice(0, max - e.length) + e;
  }
  const cs = clusters(s);
  let total = 0;
  for (const c of cs) total += c.width;
  if (total <= max) return s;
  const ew = stringWidth(ellipsis);
  const budget = ew <= max ? max - ew : max;
  let out = '';
  let w = 0;
  for (const c of cs) {
    if (w + c.width > budget) break;
    out += c.text;
    w += c.width;
  }
  return ew <= max ? out + ellipsis : out;
}

/** Pads with spaces (or truncates) to exactly `width` columns. */
export function fitToWidth(s: string, width: number, ellipsis = ''): string {
  const t = truncateToWidth(s, width, ellipsis);
  const w = stringWidth(t);
  return w < width ? t + ' '.repeat(width - w) : t;
}

/**
 * The columns [start, start + width) of `s` (horizontal scrolling). A wide character cut by either edge
 * is replaced by spaces so the result is exactly aligned.
 */
export function sliceColumns(s: string, start: number, width: number): string {
  if (start <= 0) return truncateToWidth(s, width);
  if (PRINTABLE_ASCII.test(s)) return s.slice(start, start + width);
  let col = 0;
  let out = '';
  let w = 0;
  for (const c of clusters(s)) {
    const end = col + c.width;
    if (end <= start) {
      col = end;
      continue;
    }
    if (col < start) {
      // straddles the left edge: keep only the visible half as blank
      const visible = end - start;
      out += ' '.repeat(Math.min(visible, width));
      w += Math.min(visible, width);
    } else {
      if (w + c.width > width) {
        if (w < width) out += ' '.repeat(width - w);
        break;
      }
      out += c.text;
      w += c.width;
    }
    col = end;
    if (w >= width) break;
  }
  return out;
}

/**
 * Wraps `s` into rows of at most `width` columns, preferring to break after a space; a word longer than a
 * row is broken between characters (never inside one).
 */
export function wrapToWidth(s: string, width: number): string[] {
  if (width <= 0) return [];
  const rows: string[] = [];
  let row: Cluster[] = [];
  let rowW = 0;
  let lastSpace = -1;
  const flush = (upTo: number): void => {
    rows.push(
      row
        .slice(0, upTo)
        .map((c) => c.text)
        .join('')
        .trimEnd(),
    );
    row = row.slice(upTo);
    while (row[0]?.text === ' ') row.shift();
    rowW = row.reduce((a, c) => a + c.width, 0);
    lastSpace = row.findLastIndex((c) => c.text === ' ');
  };
  for (const c of clusters(s)) {
    if (rowW + c.width > width) flush(lastSpace > 0 && c.text !== ' ' ? lastSpace + 1 : row.length);
    if (c.text === ' ' && row.length === 0) continue;
    row.push(c);
    rowW += c.width;
    if (c.text === ' ') lastSpace = row.length - 1;
  }
  if (row.length > 0 || rows.length === 0) rows.push(row.map((c) => c.text).join(''));
  return rows;
}

import type { AppState } from './app-state.js';
import { type Attr, attr, Color, DEFAULT_ATTR, type Grid } from './grid.js';
import { KEY_HELP } from './help.js';
import type { Level } from './level.js';
import type { TuiLine } from './line.js';
import { pageLines } from './log-view.js';
import { formatCount } from './stats.js';
import { formatClock, formatRfc3339 } from './time.js';
import { clusters, sanitizeForDisplay, stringWidth, truncateToWidth, wrapToWidth } from './width.js';

/** The smallest terminal the views draw in. */
export const MIN_COLS = 80;
export const MIN_ROWS = 24;

const LEVEL_ATTR: Record<Level, Attr> = {
  fatal: attr({ fg: Color.brightRed, bold: true }),
  error: attr({ fg: Color.red }),
  warn: attr({ fg: Color.yellow }),
  info: DEFAULT_ATTR,
  debug: attr({ fg: Color.gray }),
  trace: attr({ fg: Color.gray }),
};
const TIME_ATTR = attr({ fg: Color.cyan });
const SERVICE_ATTR = attr({ fg: Color.blue, bold: true });
const HIT_ATTR = attr({ fg: Color.black, bg: Color.yellow });
const FOCUS_ATTR = attr({ fg: Color.black, bg: Color.cyan, bold: true });
const MARK_ATTR = attr({ fg: Color.magenta, bold: true });
export const BAR_ATTR = attr({ inverse: true });
const ERROR_ATTR = attr({ fg: Color.brightWhite, bg: Color.red, bold: true });
const BOX_ATTR = attr({ fg: Color.white, bg: Color.blue });
const BOX_TITLE_ATTR = attr({ fg: Color.brightYellow, bg: Color.blue, bold: true });

/** Width of the service column: long enough for most names, never more than a fifth of the screen. */
function serviceWidth(lines: readonly TuiLine[], cols: number): number {
  let w = 6;
  for (const l of lines) w = Math.max(w, stringWidth(l.service));
  return Math.min(w, Math.max(8, Math.floor(cols / 5)));
}

/**
 * Draws the log pane rows [y0, y0 + height): gutter (focus ▶ / bookmark letter), time, service, message
 * in the level's colour with search matches highlighted; long messages are cut at the edge, or shifted
 * by the horizontal scroll, never in the middle of a character.
 */
export function drawLogPane(g: Grid, s: AppState, y0: number, height: number): void {
  const v = s.view;
  const lines = pageLines(v);
  const svcW = serviceWidth(lines, g.width);
  const marks = new Map<number, string>();
  for (const [k, seq] of Object.entries(v.bookmarks)) marks.set(seq, k);
  for (let i = 0; i < height; i++) {
    const y = y0 + i;
    g.fill(0, y, g.width);
    const l = lines[i];
    if (!l) continue;
    const focused = l.seq === v.focus;
    const mark = marks.get(l.seq);
    g.put(0, y, focused ? '▶' : (mark ?? ' '), focused ? FOCUS_ATTR : MARK_ATTR);
    let x = g.put(2, y, formatClock(l.ts), TIME_ATTR) + 1;
    const svc = truncateToWidth(sanitizeForDisplay(l.service), svcW, '…');
    g.put(x, y, svc, SERVICE_ATTR);
    x += svcW + 1;
    drawMessage(g, s, l, x, y);
  }
}

function drawMessage(g: Grid, s: AppState, l: TuiLine, x0: number, y: number): void {
  const v = s.view;
  const base = l.level ? LEVEL_ATTR[l.level] : DEFAULT_ATTR;
  const text = sanitizeForDisplay(l.msg.length > 8192 ? l.msg.slice(0, 8192) : l.msg);
  const ranges = v.search ? v.search.ranges(text, 64) : [];
  let col = 0; // column within the message
  let idx = 0; // UTF-16 index within the message
  let r = 0;
  let x = x0;
  const start = v.hscroll;
  if (start > 0) x = g.put(x, y, '«', MARK_ATTR);
  for (const c of clusters(text)) {
    const cStart = idx;
    idx += c.text.length;
    const cEnd = col + c.width;
    if (cEnd <= start) {
      col = cEnd;
      continue;
    }
    col = cEnd;
    while (r < ranges.length && ranges[r]![1] <= cStart) r++;
    const hl = r < ranges.length && ranges[r]![0] <= cStart;
    if (x + c.width > g.width - 1 && idx < text.length) {
      // Leave the last column for the marker that says the line goes on.
      g.put(g.width - 1, y, '»', MARK_ATTR);
      return;
    }
    x = g.put(x, y, c.text, hl ? HIT_ATTR : base);
    if (x >= g.width) return;
  }
}

function promptLabel(kind: string): string {
  switch (kind) {
    case 'search':
      return '/';
    case 'label':
      return 'label key=value: ';
    case 'time':
      return 'time (14:32, 2026-03-05T14:32, -5m): ';
    default:
      return 'write capture to: ';
  }
}

/** The bottom row: a prompt while typing, else the message (red when an error) and the badges. */
export function drawStatusBar(g: Grid, s: AppState, y: number, badges: readonly string[]): void {
  g.fill(0, y, g.width, BAR_ATTR);
  if (s.mode.kind === 'prompt') {
    const label = promptLabel(s.mode.prompt);
    const room = g.width - stringWidth(label) - 2;
    // Show the end of a long input, where the cursor is.
    const shown = Array.from(sanitizeForDisplay(s.mode.text));
    while (shown.length > 0 && stringWidth(shown.join('')) > room) shown.shift();
    const text = shown.join('');
    const x = g.put(0, y, label + text, BAR_ATTR);
    g.put(x, y, ' ', DEFAULT_ATTR);
    return;
  }
  if (s.mode.kind === 'pending' && s.mode.key !== 'g') {
    g.put(0, y, s.mode.key === 'm' ? 'mark: press a letter' : 'jump to mark: press a letter', BAR_ATTR);
    return;
  }
  const right = ` ${badges.join(' │ ')} `;
  const rw = Math.min(stringWidth(right), g.width - 20);
  const rightText = truncateToWidth(right, rw, '…');
  g.put(g.width - stringWidth(rightText), y, rightText, BAR_ATTR);
  const left = s.message ? ` ${sanitizeForDisplay(s.message.text)} ` : ' ? help  q quit';
  g.put(
    0,
    y,
    truncateToWidth(left, g.width - stringWidth(rightText) - 1, '…'),
    s.message?.error ? ERROR_ATTR : BAR_ATTR,
  );
}

/** A framed box in the middle of the screen with a title and rows of text. */
export function drawBox(g: Grid, title: string, rows: readonly string[], minWidth = 40): void {
  const inner = Math.min(
    g.width - 4,
    Math.max(minWidth, stringWidth(title) + 4, ...rows.map((r) => stringWidth(r))),
  );
  const h = Math.min(g.height - 2, rows.length + 2);
  const x0 = Math.floor((g.width - inner - 2) / 2);
  const y0 = Math.floor((g.height - h) / 2);
  g.put(x0, y0, `┌${'─'.repeat(inner)}┐`, BOX_ATTR);
  g.put(x0 + 2, y0, ` ${truncateToWidth(title, inner - 4)} `, BOX_TITLE_ATTR);
  for (let i = 0; i < h - 2; i++) {
    g.put(x0, y0 + 1 + i, '│', BOX_ATTR);
    g.fill(x0 + 1, y0 + 1 + i, inner, BOX_ATTR);
    g.put(x0 + 1, y0 + 1 + i, truncateToWidth(rows[i] ?? '', inner, '…'), BOX_ATTR);
    g.put(x0 + inner + 1, y0 + 1 + i, '│', BOX_ATTR);
  }
  g.put(x0, y0 + h - 1, `└${'─'.repeat(inner)}┘`, BOX_ATTR);
}

/** Overlays: help, the line detail, the service picker. */
export function drawOverlay(g: Grid, s: AppState): void {
  if (s.mode.kind === 'help') {
    const rows = KEY_HELP.map(([k, a]) => `${k.padEnd(20)} ${a}`);
    drawBox(g, 'keys — press any key to close', rows, 60);
  } else if (s.mode.kind === 'detail') {
    const l = s.view.ring.get(s.mode.seq);
    if (!l) return;
    const w = Math.min(g.width - 6, 100);
    const rows = [
      `time     ${formatRfc3339(l.ts)}`,
      `service  ${sanitizeForDisplay(l.service)}    level ${l.level ?? '-'}`,
      ...Object.keys(l.labels)
        .sort()
        .map((k) => `  ${sanitizeForDisplay(k)}=${sanitizeForDisplay(l.labels[k]!)}`),
      '',
      ...wrapToWidth(sanitizeForDisplay(l.msg.slice(0, 65536)), w),
    ];
    const visible = rows.slice(s.mode.scroll, s.mode.scroll + g.height - 4);
    drawBox(g, 'line — j/k scroll, any other key closes', visible, w);
  } else if (s.mode.kind === 'picker' && s.picker) {
    const p = s.picker;
    const room = g.height - 6;
    const first = Math.max(0, Math.min(p.cursor - Math.floor(room / 2), p.items.length - room));
    const rows = p.items.slice(first, first + room).map((it, i) => {
      const mark = p.selected.has(it.service) ? '[x]' : '[ ]';
      const cur = first + i === p.cursor ? '▶' : ' ';
      return `${cur} ${mark} ${truncateToWidth(sanitizeForDisplay(it.service), 40, '…').padEnd(40)} ${formatCount(it.lines).padStart(7)}`;
    });
    rows.push('', 'j/k move  space toggle  a all/none  Enter start');
    drawBox(g, `services (${p.selected.size}/${p.items.length} selected)`, rows, 56);
  }
}

/** Message shown instead of the views when the terminal is too small. */
export function drawTooSmall(g: Grid): void {
  const msg = [
    `terminal ${g.width}x${g.height}`,
    `logtap needs ${MIN_COLS}x${MIN_ROWS}`,
    'enlarge the window, or q to quit',
  ];
  msg.forEach((m, i) => {
    g.put(
      Math.max(0, Math.floor((g.width - stringWidth(m)) / 2)),
      Math.floor(g.height / 2) - 1 + i,
      truncateToWidth(m, g.width),
    );
  });
}

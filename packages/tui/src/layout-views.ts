import { type AppState, statusBadges } from './app-state.js';
import { attr, Color, Grid } from './grid.js';
import {
  BAR_ATTR,
  drawLogPane,
  drawOverlay,
  drawStatusBar,
  drawTooSmall,
  MIN_COLS,
  MIN_ROWS,
} from './layout-log.js';
import { formatSpeed, progress } from './replay-model.js';
import { formatBytes, formatCount, rates, type StatsModel, topTalkers } from './stats.js';
import { formatRfc3339 } from './time.js';
import { sanitizeForDisplay, stringWidth, truncateToWidth } from './width.js';

/** What the live header shows. */
export interface LiveHeader {
  version: string;
  listen: string;
  captureDir: string;
}

/** What the replay header shows. */
export interface ReplayHeader {
  captureDir: string;
  from?: bigint | undefined;
  to?: bigint | undefined;
  lines?: number | undefined;
}

/** Rows above the log pane in each view (the status bar adds one below). */
export const LIVE_TOP_ROWS = 8;
export const REPLAY_TOP_ROWS = 4;

const LABEL_ATTR = attr({ fg: Color.gray });
const VALUE_ATTR = attr({ bold: true });
const RED_ATTR = attr({ fg: Color.brightWhite, bg: Color.red, bold: true });
const WARN_ATTR = attr({ fg: Color.black, bg: Color.yellow, bold: true });
const OK_ATTR = attr({ fg: Color.green });
const RULE_ATTR = attr({ fg: Color.gray });

function header(g: Grid, text: string): void {
  g.fill(0, 0, g.width, BAR_ATTR);
  g.put(0, 0, truncateToWidth(` ${sanitizeForDisplay(text)}`, g.width - 1, '…'), BAR_ATTR);
}

function rule(g: Grid, y: number, title: string): void {
  g.put(0, y, `── ${title} ${'─'.repeat(Math.max(0, g.width))}`, RULE_ATTR);
}

/** `[#####-----]` of `width` columns for a ratio 0..1. */
export function bar(ratio: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const full = Math.round(Math.min(1, Math.max(0, ratio)) * inner);
  return `[${'#'.repeat(full)}${'-'.repeat(inner - full)}]`;
}

function statLine(
  g: Grid,
  y: number,
  label: string,
  value: string,
  valueAttr = VALUE_ATTR,
  maxX = g.width,
): void {
  g.put(1, y, label.padEnd(12), LABEL_ATTR, maxX);
  g.put(13, y, value, valueAttr, maxX);
}

/** Lays out the live receiver view for a terminal of cols x rows. */
export function layoutLive(s: AppState, stats: StatsModel, h: LiveHeader, cols: number, rows: number): Grid {
  const g = new Grid(cols, rows);
  if (cols < MIN_COLS || rows < MIN_ROWS) {
    drawTooSmall(g);
    return g;
  }
  header(g, `logtap v${h.version} │ ${h.listen} │ ${h.captureDir}`);
  const st = stats.latest;
  const r = rates(stats);
  // The stats column needs ~44 columns; the top talkers get the rest.
  const half = Math.max(44, Math.floor(cols / 2));
  const nameW = Math.min(32, cols - half - 20);
  statLine(g, 1, 'In-flight', String(st?.inFlight ?? 0), VALUE_ATTR, half);
  statLine(
    g,
    2,
    'Lines/s',
    `${formatCount(r.linesPerSec)}   total ${formatCount(st?.lines ?? 0)}`,
    VALUE_ATTR,
    half,
  );
  statLine(
    g,
    3,
    'Bytes/s',
    `${formatBytes(r.bytesPerSec)}/s   total ${formatBytes(st?.bytes ?? 0)}`,
    VALUE_ATTR,
    half,
  );
  const disk = st?.diskBytes ?? 0;
  const cap = st?.diskCapBytes;
  if (cap && cap > 0) {
    const ratio = disk / cap;
    const text = `${bar(ratio, 12)} ${formatBytes(disk)}/${formatBytes(cap)}`;
    statLine(g, 4, 'Disk', text, ratio >= 0.9 ? WARN_ATTR : VALUE_ATTR, half);
  } else statLine(g, 4, 'Disk', `${formatBytes(disk)} (no cap)`, VALUE_ATTR, half);
  const dropped = st?.dropped ?? 0;
  statLine(
    g,
    5,
    'Dropped',
    dropped > 0 ? ` ${formatCount(dropped)} ` : '0',
    dropped > 0 ? RED_ATTR : VALUE_ATTR,
    half,
  );
  const red = st?.redaction;
  if (!red?.enabled) statLine(g, 6, 'Redaction', ' OFF: stored as received ', WARN_ATTR, half);
  else {
    const rules = red.rules ? `${red.rules.length} rules` : 'on';
    const hits = red.hits !== undefined ? `, ${formatCount(red.hits)} redacted` : '';
    statLine(g, 6, 'Redaction', `on (${rules}${hits})`, OK_ATTR, half);
  }
  g.put(half + 1, 1, 'Top talkers', attr({ bold: true, underline: true }));
  g.put(half + nameW + 2, 1, 'lines/s    total', LABEL_ATTR);
  const talkers = topTalkers(stats, 5);
  talkers.forEach((t, i) => {
    const y = 2 + i;
    g.put(
      half + 1,
      y,
      truncateToWidth(sanitizeForDisplay(t.service), nameW, '…'),
      attr({ fg: Color.blue, bold: true }),
    );
    g.put(half + nameW + 1, y, formatCount(t.rate).padStart(8), VALUE_ATTR);
    g.put(half + nameW + 10, y, formatCount(t.total).padStart(8), LABEL_ATTR);
  });
  if (talkers.length === 0) g.put(half + 1, 2, 'no lines yet', LABEL_ATTR);
  rule(g, 7, 'logs');
  const link = st?.connection;
  if (link) {
    const text = ` ${link.ok ? '●' : '✖'} ${sanitizeForDisplay(link.text)} `;
    const w = Math.min(stringWidth(text), cols - 12);
    g.put(cols - 1 - w, 7, truncateToWidth(text, w, '…'), link.ok ? OK_ATTR : RED_ATTR);
  }
  drawLogPane(g, s, LIVE_TOP_ROWS, rows - LIVE_TOP_ROWS - 1);
  drawStatusBar(g, s, rows - 1, statusBadges(s));
  drawOverlay(g, s);
  return g;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** Lays out the replay view (`logtap open`). */
export function layoutReplay(s: AppState, h: ReplayHeader, cols: number, rows: number, now: number): Grid {
  const g = new Grid(cols, rows);
  if (cols < MIN_COLS || rows < MIN_ROWS) {
    drawTooSmall(g);
    return g;
  }
  const span =
    h.from !== undefined && h.to !== undefined
      ? ` │ ${formatRfc3339(h.from).slice(0, 19)}Z — ${formatRfc3339(h.to).slice(0, 19)}Z`
      : '';
  const lines = h.lines !== undefined ? ` │ ${formatCount(h.lines)} lines` : '';
  header(g, `logtap open │ ${h.captureDir}${span}${lines}`);
  const m = s.replay;
  if (m) {
    const p = progress(m);
    let x = 1;
    x = g.put(x, 1, bar(p ?? 0, 22), VALUE_ATTR) + 1;
    x = g.put(x, 1, p === undefined ? '  ?%' : `${Math.floor(p * 100)}%`.padStart(4), VALUE_ATTR) + 2;
    const total = m.total !== undefined ? `/${formatCount(m.total)}` : '';
    x = g.put(x, 1, `${formatCount(m.emitted)}${total} lines`, VALUE_ATTR) + 2;
    if (m.position !== undefined)
      x = g.put(x, 1, `@ ${formatRfc3339(m.position).slice(0, 23)}Z`, attr({ fg: Color.cyan })) + 2;
    let state: string;
    let stAttr = VALUE_ATTR;
    if (m.done) {
      state = ` DONE in ${formatDuration((m.finishedAt ?? now) - m.startedAt)} `;
      stAttr = attr({ fg: Color.black, bg: Color.green, bold: true });
    } else if (m.paused) {
      state = ' PAUSED ';
      stAttr = WARN_ATTR;
    } else state = `speed ${formatSpeed(m.speed)}`;
    // The state (speed / PAUSED / DONE) matters more than the position: it keeps the right end.
    g.fill(cols - stringWidth(state) - 2, 1, stringWidth(state) + 2);
    g.put(cols - stringWidth(state) - 1, 1, state, stAttr);
  }
  const items = s.picker?.items ?? [];
  let x = g.put(1, 2, 'Services: ', LABEL_ATTR);
  if (items.length === 0) g.put(x, 2, '-', LABEL_ATTR);
  for (const it of items) {
    const on = !s.picker || s.picker.selected.has(it.service);
    const text = `${sanitizeForDisplay(it.service)} ${formatCount(it.lines)}  `;
    if (x + stringWidth(text) > cols - 2) {
      g.put(x, 2, '…', LABEL_ATTR);
      break;
    }
    x = g.put(x, 2, text, on ? attr({ fg: Color.blue, bold: true }) : LABEL_ATTR);
  }
  rule(g, 3, 'logs');
  drawLogPane(g, s, REPLAY_TOP_ROWS, rows - REPLAY_TOP_ROWS - 1);
  drawStatusBar(g, s, rows - 1, statusBadges(s));
  drawOverlay(g, s);
  return g;
}

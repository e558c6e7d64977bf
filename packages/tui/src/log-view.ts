import { type LabelFilter, type LineFilter, lineMatches, passesFilters } from './filters.js';
import { isErrorLevel } from './level.js';
import type { TuiLine } from './line.js';
import type { UserRegex } from './regex.js';
import type { LineRing } from './ring.js';

/**
 * What the log pane shows: which lines of the ring pass the filters, where the viewport is, follow mode,
 * search hits, focus and bookmarks. Every function returns a new state and leaves its input untouched
 * (the ring is shared and append-only; lines are addressed by `seq`).
 */
export interface LogView {
  readonly ring: LineRing;
  /** seqs of the ring lines that pass the filters, ascending. */
  readonly visible: readonly number[];
  readonly label: LabelFilter;
  readonly filters: readonly LineFilter[];
  readonly search: UserRegex | undefined;
  /** seqs of visible lines matching the search, ascending. */
  readonly hits: readonly number[];
  /** Index into `visible` of the first row shown. */
  readonly top: number;
  /** Rows of the pane. */
  readonly height: number;
  /** Columns the message is scrolled to the left. */
  readonly hscroll: number;
  /** Keep the newest line in view as lines arrive. */
  readonly follow: boolean;
  /** seq of the line a jump landed on (search hit, error, bookmark, time). */
  readonly focus: number | undefined;
  readonly bookmarks: Readonly<Record<string, number>>;
}

export function createLogView(ring: LineRing, height: number): LogView {
  const v: LogView = {
    ring,
    visible: [],
    label: [],
    filters: [],
    search: undefined,
    hits: [],
    top: 0,
    height: Math.max(1, height),
    hscroll: 0,
    follow: true,
    focus: undefined,
    bookmarks: {},
  };
  return refilter(v);
}

function maxTop(v: LogView): number {
  return Math.max(0, v.visible.length - v.height);
}

function clampTop(v: LogView, top: number): number {
  return Math.min(Math.max(0, top), maxTop(v));
}

function withFollow(v: LogView): LogView {
  return v.follow ? { ...v, top: maxTop(v) } : v;
}

/** Index of the first element >= x in an ascending array. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Drops seqs the ring has evicted, shifting the viewport so it keeps showing the same lines. */
function trimEvicted(v: LogView): LogView {
  const first = v.ring.firstSeq;
  if (v.visible.length === 0 || v.visible[0]! >= first) return v;
  const cut = lowerBound(v.visible, first);
  const hcut = lowerBound(v.hits, first);
  const bookmarks: Record<string, number> = {};
  for (const [k, seq] of Object.entries(v.bookmarks)) if (seq >= first) bookmarks[k] = seq;
  return {
    ...v,
    visible: v.visible.slice(cut),
    hits: v.hits.slice(hcut),
    top: Math.max(0, v.top - cut),
    focus: v.focus !== undefined && v.focus >= first ? v.focus : undefined,
    bookmarks,
  };
}

/** Takes in lines just appended to the ring (and any evictions that made room for them). */
export function appendLines(view: LogView, lines: readonly TuiLine[]): LogView {
  let v = trimEvicted(view);
  if (lines.length === 0) return v;
  const add: number[] = [];
  const hits: number[] = [];
  const first = v.ring.firstSeq;
  for (const l of lines) {
    if (l.seq < first || !passesFilters(l, v.label, v.filters)) continue;
    add.push(l.seq);
    if (v.search && lineMatches(v.search, l)) hits.push(l.seq);
  }
  if (add.length === 0) return v;
  v = { ...v, visible: v.visible.concat(add), hits: hits.length ? v.hits.concat(hits) : v.hits };
  return withFollow(v);
}

/** Recomputes visible lines and hits after a filter or search change, keeping the view near its place. */
export function refilter(view: LogView): LogView {
  const anchor = view.focus ?? view.visible[view.top];
  const visible: number[] = [];
  const hits: number[] = [];
  for (const l of view.ring) {
    if (!passesFilters(l, view.label, view.filters)) continue;
    visible.push(l.seq);
    if (view.search && lineMatches(view.search, l)) hits.push(l.seq);
  }
  let v: LogView = { ...view, visible, hits };
  const focus =
    v.focus !== undefined && visible[lowerBound(visible, v.focus)] === v.focus ? v.focus : undefined;
  v = { ...v, focus };
  if (v.follow) return withFollow(v);
  const idx =
    anchor === undefined ? 0 : Math.min(lowerBound(visible, anchor), Math.max(0, visible.length - 1));
  return { ...v, top: clampTop(v, focus !== undefined ? idx - Math.floor(v.height / 3) : idx) };
}

export function setFilters(view: LogView, label: LabelFilter, filters: readonly LineFilter[]): LogView {
  return refilter({ ...view, label, filters });
}

export function setSearch(view: LogView, search: UserRegex | undefined): LogView {
  if (!search) return { ...view, search: undefined, hits: [] };
  const hits: number[] = [];
  for (const seq of view.visible) {
    const l = view.ring.get(seq);
    if (l && lineMatches(search, l)) hits.push(seq);
  }
  return { ...view, search, hits };
}

export function resize(view: LogView, height: number): LogView {
  const v = { ...view, height: Math.max(1, height) };
  return v.follow ? withFollow(v) : { ...v, top: clampTop(v, v.top) };
}

/** Scrolls by `delta` rows (negative = up). Scrolling turns follow off, except reaching the bottom with G. */
export function scrollBy(view: LogView, delta: number): LogView {
  return { ...view, follow: false, top: clampTop(view, view.top + delta) };
}

export function scrollHalfPage(view: LogView, dir: 1 | -1): LogView {
  return scrollBy(view, dir * Math.max(1, Math.floor(view.height / 2)));
}

export function scrollPage(view: LogView, dir: 1 | -1): LogView {
  return scrollBy(view, dir * Math.max(1, view.height - 1));
}

export function scrollHorizontal(view: LogView, delta: number): LogView {
  return { ...view, hscroll: Math.max(0, view.hscroll + delta) };
}

export function goTop(view: LogView): LogView {
  return { ...view, follow: false, top: 0 };
}

/** G: bottom, follow on. */
export function goBottom(view: LogView): LogView {
  return { ...view, follow: true, top: maxTop(view), focus: undefined };
}

export function toggleFollow(view: LogView): LogView {
  return view.follow ? { ...view, follow: false } : goBottom(view);
}

/** Moves the viewport so the line `seq` is visible (a third down the pane) and focuses it. */
export function focusSeq(view: LogView, seq: number): LogView {
  const idx = lowerBound(view.visible, seq);
  if (view.visible[idx] !== seq) return view;
  const inView = idx >= view.top && idx < view.top + view.height;
  const top = inView ? view.top : clampTop(view, idx - Math.floor(view.height / 3));
  return { ...view, follow: false, focus: seq, top };
}

/** The seq a relative jump starts from: the focus when it is on screen, else the edge of the viewport. */
function origin(view: LogView, dir: 1 | -1): number {
  if (view.focus !== undefined) {
    const i = lowerBound(view.visible, view.focus);
    if (i >= view.top && i < view.top + view.height) return view.focus;
  }
  if (dir > 0) return (view.visible[view.top] ?? 0) - 1;
  return (view.visible[Math.min(view.visible.length - 1, view.top + view.height - 1)] ?? 0) + 1;
}

/** n / N: next or previous search hit, wrapping around; undefined when there is none. */
export function nextHit(
  view: LogView,
  dir: 1 | -1,
): { view: LogView; index: number; wrapped: boolean } | undefined {
  const hits = view.hits;
  if (hits.length === 0) return undefined;
  const from = origin(view, dir);
  let i = dir > 0 ? lowerBound(hits, from + 1) : lowerBound(hits, from) - 1;
  let wrapped = false;
  if (i >= hits.length) {
    i = 0;
    wrapped = true;
  } else if (i < 0) {
    i = hits.length - 1;
    wrapped = true;
  }
  return { view: focusSeq(view, hits[i]!), index: i, wrapped };
}

/** Position (1-based) of the focus among the hits, for the `[i/n]` badge; 0 when not on a hit. */
export function hitPosition(view: LogView): number {
  if (view.focus === undefined) return 0;
  const i = lowerBound(view.hits, view.focus);
  return view.hits[i] === view.focus ? i + 1 : 0;
}

/** e / E: next or previous error (or fatal) line; no wrap, like lnav. */
export function nextError(view: LogView, dir: 1 | -1): LogView | undefined {
  const from = origin(view, dir);
  const vis = view.visible;
  let i = dir > 0 ? lowerBound(vis, from + 1) : lowerBound(vis, from) - 1;
  for (; i >= 0 && i < vis.length; i += dir) {
    const l = view.ring.get(vis[i]!);
    if (l && isErrorLevel(l.level)) return focusSeq(view, l.seq);
  }
  return undefined;
}

/** Jumps to the first visible line for which `pred` holds; undefined when none does. */
export function jumpToFirst(view: LogView, pred: (line: TuiLine) => boolean): LogView | undefined {
  for (const seq of view.visible) {
    const l = view.ring.get(seq);
    if (l && pred(l)) return focusSeq(view, seq);
  }
  return undefined;
}

/** m + letter: bookmarks the focused line, or the top line when nothing is focused. */
export function setBookmark(view: LogView, letter: string): LogView | undefined {
  const seq = view.focus ?? view.visible[view.top];
  if (seq === undefined) return undefined;
  return { ...view, bookmarks: { ...view.bookmarks, [letter]: seq } };
}

/** ' + letter: jumps to a bookmark; undefined when unset, evicted or filtered out. */
export function jumpToBookmark(view: LogView, letter: string): LogView | undefined {
  const seq = view.bookmarks[letter];
  if (seq === undefined) return undefined;
  const idx = lowerBound(view.visible, seq);
  if (view.visible[idx] !== seq) return undefined;
  return focusSeq(view, seq);
}

/** The lines currently passing the filters, oldest first (what `w` writes). */
export function visibleLines(view: LogView): TuiLine[] {
  const out: TuiLine[] = [];
  for (const seq of view.visible) {
    const l = view.ring.get(seq);
    if (l) out.push(l);
  }
  return out;
}

/** The lines in the viewport, top to bottom. */
export function pageLines(view: LogView): TuiLine[] {
  const out: TuiLine[] = [];
  const end = Math.min(view.visible.length, view.top + view.height);
  for (let i = view.top; i < end; i++) {
    const l = view.ring.get(view.visible[i]!);
    if (l) out.push(l);
  }
  return out;
}

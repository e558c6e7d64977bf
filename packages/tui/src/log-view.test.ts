import { describe, expect, it } from '@jest/globals';
import { parseLabelFilter } from './filters.js';
import {
  appendLines,
  createLogView,
  focusSeq,
  goBottom,
  goTop,
  hitPosition,
  jumpToBookmark,
  jumpToFirst,
  type LogView,
  nextError,
  nextHit,
  pageLines,
  resize,
  scrollBy,
  scrollHalfPage,
  scrollHorizontal,
  scrollPage,
  setBookmark,
  setFilters,
  setSearch,
  toggleFollow,
  visibleLines,
} from './log-view.js';
import { compileUserRegex } from './regex.js';
import { LineRing } from './ring.js';

function setup(n: number, height = 5, maxLines = 1000): LogView {
  const ring = new LineRing({ maxLines });
  let v = createLogView(ring, height);
  const entries = Array.from({ length: n }, (_, i) => ({
    ts: BigInt(i) * 1_000_000_000n,
    labels: { app: i % 2 ? 'odd' : 'even' },
    msg: i % 10 === 3 ? `ERROR line ${i}` : `line ${i}`,
  }));
  v = appendLines(v, ring.push(entries));
  return v;
}
const msgs = (v: LogView) => pageLines(v).map((l) => l.msg);

describe('log view scrolling', () => {
  it('follows the newest lines by default', () => {
    const v = setup(20);
    expect(v.follow).toBe(true);
    expect(msgs(v)).toEqual(['line 15', 'line 16', 'line 17', 'line 18', 'line 19']);
    const more = appendLines(v, v.ring.push([{ ts: 99n, labels: {}, msg: 'new' }]));
    expect(msgs(more).at(-1)).toBe('new');
  });
  it('j/k scroll by one line, clamp at the edges and turn follow off', () => {
    let v = scrollBy(setup(20), -1);
    expect(v.follow).toBe(false);
    expect(msgs(v)[0]).toBe('line 14');
    v = scrollBy(v, 100);
    expect(msgs(v)[0]).toBe('line 15');
    v = scrollBy(v, -100);
    expect(v.top).toBe(0);
  });
  it('stays on the same lines while new lines arrive when not following', () => {
    let v = scrollBy(setup(20), -5);
    const before = msgs(v);
    v = appendLines(v, v.ring.push([{ ts: 1n, labels: {}, msg: 'late' }]));
    expect(msgs(v)).toEqual(before);
  });
  it('keeps showing the same lines when old lines are evicted', () => {
    let v = goTop(setup(10, 3, 10));
    v = scrollBy(v, 4);
    expect(msgs(v)[0]).toBe('line 4');
    v = appendLines(
      v,
      v.ring.push([
        { ts: 1n, labels: {}, msg: 'a' },
        { ts: 1n, labels: {}, msg: 'b' },
      ]),
    );
    expect(msgs(v)[0]).toBe('line 4');
    expect(v.visible.length).toBe(10);
  });
  it('d/u move half a page, PgDn/PgUp a page less one line', () => {
    let v = goTop(setup(50, 10));
    v = scrollHalfPage(v, 1);
    expect(v.top).toBe(5);
    v = scrollPage(v, 1);
    expect(v.top).toBe(14);
    v = scrollPage(v, -1);
    v = scrollHalfPage(v, -1);
    expect(v.top).toBe(0);
  });
  it('gg goes to the top, G to the bottom with follow, f toggles follow', () => {
    let v = goTop(setup(30));
    expect(msgs(v)[0]).toBe('line 0');
    v = goBottom(v);
    expect(v.follow).toBe(true);
    expect(msgs(v).at(-1)).toBe('line 29');
    v = toggleFollow(v);
    expect(v.follow).toBe(false);
    v = toggleFollow(scrollBy(v, -10));
    expect(v.follow).toBe(true);
    expect(msgs(v).at(-1)).toBe('line 29');
  });
  it('scrolls sideways, never below zero', () => {
    const v = scrollHorizontal(scrollHorizontal(setup(1), 8), -20);
    expect(v.hscroll).toBe(0);
    expect(scrollHorizontal(setup(1), 8).hscroll).toBe(8);
  });
  it('resizes, keeping follow at the bottom', () => {
    const v = resize(setup(30, 5), 10);
    expect(pageLines(v).length).toBe(10);
    expect(msgs(v).at(-1)).toBe('line 29');
  });
});

describe('filters', () => {
  it('hide and keep filters stack in order', () => {
    let v = setup(20);
    v = setFilters(v, [], [{ kind: 'keep', re: compileUserRegex('line 1') }]);
    expect(visibleLines(v).map((l) => l.msg)).toEqual([
      'line 1',
      'line 10',
      'line 11',
      'line 12',
      'ERROR line 13',
      'line 14',
      'line 15',
      'line 16',
      'line 17',
      'line 18',
      'line 19',
    ]);
    v = setFilters(v, [], [...v.filters, { kind: 'hide', re: compileUserRegex('1[0-5]') }]);
    expect(visibleLines(v).map((l) => l.msg)).toEqual(['line 1', 'line 16', 'line 17', 'line 18', 'line 19']);
  });
  it('label filter applies before the stack, and to new lines', () => {
    let v = setFilters(setup(6), parseLabelFilter('app=odd'), []);
    expect(visibleLines(v).map((l) => l.msg)).toEqual(['line 1', 'ERROR line 3', 'line 5']);
    v = appendLines(
      v,
      v.ring.push([
        { ts: 1n, labels: { app: 'odd' }, msg: 'x' },
        { ts: 1n, labels: { app: 'even' }, msg: 'y' },
      ]),
    );
    expect(
      visibleLines(v)
        .map((l) => l.msg)
        .at(-1),
    ).toBe('x');
  });
  it('a filter matches label values too', () => {
    const v = setFilters(setup(4), [], [{ kind: 'hide', re: compileUserRegex('^odd$') }]);
    expect(visibleLines(v).map((l) => l.msg)).toEqual(['line 0', 'line 2']);
  });
  it('keeps the viewport near the focused line when filters change', () => {
    let v = focusSeq(setup(100, 10), 50);
    v = setFilters(v, [], [{ kind: 'hide', re: compileUserRegex('line 4') }]);
    expect(pageLines(v).some((l) => l.seq === 50)).toBe(true);
  });
});

describe('search', () => {
  it('n/N move between hits with wrap-around, and hitPosition counts from 1', () => {
    let v = goTop(setSearch(setup(40, 5), compileUserRegex('ERROR')));
    expect(v.hits.length).toBe(4);
    let r = nextHit(v, 1)!;
    expect(r.view.ring.get(r.view.focus!)!.msg).toBe('ERROR line 3');
    expect(hitPosition(r.view)).toBe(1);
    r = nextHit(r.view, 1)!;
    expect(r.view.ring.get(r.view.focus!)!.msg).toBe('ERROR line 13');
    r = nextHit(r.view, -1)!;
    r = nextHit(r.view, -1)!;
    expect(r.wrapped).toBe(true);
    expect(r.view.ring.get(r.view.focus!)!.msg).toBe('ERROR line 33');
    v = r.view;
    expect(pageLines(v).some((l) => l.seq === v.focus)).toBe(true);
    expect(v.follow).toBe(false);
  });
  it('counts hits among new lines and drops them with the search', () => {
    let v = setSearch(setup(10), compileUserRegex('ERROR'));
    v = appendLines(v, v.ring.push([{ ts: 1n, labels: {}, msg: 'ERROR again' }]));
    expect(v.hits.length).toBe(2);
    expect(setSearch(v, undefined).hits).toEqual([]);
    expect(nextHit(setSearch(v, compileUserRegex('nothing')), 1)).toBeUndefined();
  });
});

describe('jumps', () => {
  it('e/E find the next and previous error lines without wrapping', () => {
    let v = goTop(setup(30, 5));
    v = nextError(v, 1)!;
    expect(v.ring.get(v.focus!)!.msg).toBe('ERROR line 3');
    v = nextError(v, 1)!;
    expect(v.ring.get(v.focus!)!.msg).toBe('ERROR line 13');
    v = nextError(v, -1)!;
    expect(v.ring.get(v.focus!)!.msg).toBe('ERROR line 3');
    expect(nextError(v, -1)).toBeUndefined();
  });
  it('bookmarks remember lines, not offsets', () => {
    let v = focusSeq(setup(30, 5), 12);
    v = setBookmark(v, 'a')!;
    v = goBottom(v);
    v = jumpToBookmark(v, 'a')!;
    expect(v.focus).toBe(12);
    expect(jumpToBookmark(v, 'b')).toBeUndefined();
  });
  it('bookmarks of evicted lines disappear', () => {
    let v = focusSeq(setup(10, 3, 10), 0);
    v = setBookmark(v, 'a')!;
    v = appendLines(v, v.ring.push([{ ts: 1n, labels: {}, msg: 'x' }]));
    expect(v.bookmarks['a']).toBeUndefined();
    expect(v.focus).toBeUndefined();
  });
  it('jumpToFirst focuses the first match', () => {
    const v = jumpToFirst(goTop(setup(30, 5)), (l) => l.ts >= 20_000_000_000n)!;
    expect(v.ring.get(v.focus!)!.msg).toBe('line 20');
    expect(jumpToFirst(v, () => false)).toBeUndefined();
  });
});

import { describe, expect, it } from '@jest/globals';
import {
  type AppState,
  createAppState,
  defaultWriteDir,
  type Effect,
  GG_TIMEOUT_MS,
  reduceKey,
  statusBadges,
} from './app-state.js';
import { appendLines, pageLines } from './log-view.js';
import { createReplay } from './replay-model.js';
import { LineRing } from './ring.js';

function app(n = 40, extra: Partial<Parameters<typeof createAppState>[0]> = {}): AppState {
  const ring = new LineRing();
  const s = createAppState({ ring, height: 5, ...extra });
  const entries = Array.from({ length: n }, (_, i) => ({
    ts: 1_700_000_000_000_000_000n + BigInt(i) * 60_000_000_000n,
    labels: { app: i % 2 ? 'odd' : 'even' },
    msg: i % 10 === 3 ? `ERROR line ${i}` : `line ${i}`,
  }));
  return { ...s, view: appendLines(s.view, ring.push(entries)) };
}

/** Feeds keys: single characters, or names in angle brackets (<enter>, <escape>, <C-c>). */
function press(s: AppState, keys: string, now = 1000): { state: AppState; effects: Effect[] } {
  let state = s;
  const effects: Effect[] = [];
  for (const m of keys.matchAll(/<(C-)?([a-z]+)>|(.)/gu)) {
    const key =
      m[3] !== undefined
        ? { name: m[3] === ' ' ? 'space' : m[3] }
        : { name: m[2]!, ctrl: m[1] !== undefined };
    const r = reduceKey(state, key, now);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}
const top = (s: AppState) => pageLines(s.view)[0]!.msg;
const focused = (s: AppState) =>
  s.view.focus === undefined ? undefined : s.view.ring.get(s.view.focus)!.msg;

describe('reduceKey: movement', () => {
  it('j k and arrows scroll; G returns to follow', () => {
    let s = press(app(), 'kk').state;
    expect(top(s)).toBe('ERROR line 33');
    s = press(s, '<down>').state;
    expect(top(s)).toBe('line 34');
    s = press(s, 'G').state;
    expect(s.view.follow).toBe(true);
  });
  it('gg goes to the top only when both presses are close together', () => {
    let s = reduceKey(app(), { name: 'g' }, 1000).state;
    s = reduceKey(s, { name: 'g' }, 1000 + GG_TIMEOUT_MS - 1).state;
    expect(top(s)).toBe('line 0');
    let t = reduceKey(app(), { name: 'g' }, 1000).state;
    t = reduceKey(t, { name: 'g' }, 1000 + GG_TIMEOUT_MS + 1).state;
    expect(t.view.follow).toBe(true);
    // A single g followed by another key runs that key.
    t = press(app(), 'gk').state;
    expect(top(t)).toBe('line 34');
  });
  it('d u PgDn PgUp Ctrl-d Ctrl-u page', () => {
    let s = press(app(), 'gg').state;
    s = press(s, 'd<pagedown><C-d>').state;
    expect(top(s)).toBe(`line ${2 + 4 + 2}`);
    s = press(s, 'u<pageup><C-u>').state;
    expect(top(s)).toBe('line 0');
  });
  it('f toggles follow with a message', () => {
    const s = press(app(), 'f').state;
    expect(s.view.follow).toBe(false);
    expect(s.message?.text).toBe('follow off');
    expect(press(s, 'f').state.view.follow).toBe(true);
  });
});

describe('reduceKey: search and filters', () => {
  it('/re searches, highlights and jumps; n N move; the badge shows [i/n]', () => {
    let s = press(app(), 'gg/ERROR<enter>').state;
    expect(focused(s)).toBe('ERROR line 3');
    expect(s.message?.text).toBe('/ERROR/: 4 matches');
    expect(statusBadges(s)).toContain('SEARCH /ERROR/ [1/4]');
    s = press(s, 'nn').state;
    expect(focused(s)).toBe('ERROR line 23');
    s = press(s, 'N').state;
    expect(focused(s)).toBe('ERROR line 13');
  });
  it('an invalid regex shows an error and changes nothing', () => {
    const before = app();
    const s = press(before, '/(a<enter>').state;
    expect(s.message?.error).toBe(true);
    expect(s.message?.text).toMatch(/invalid regex/);
    expect(s.view.search).toBeUndefined();
    expect(s.mode.kind).toBe('normal');
  });
  it('a pattern with no match says so', () => {
    const s = press(app(), '/nomatch<enter>').state;
    expect(s.message).toEqual({ text: 'pattern not found: /nomatch/', error: true });
  });
  it('/!re hides, /=re keeps, filters stack and Esc pops search, filters, then the label filter', () => {
    let s = press(app(), '/=line 1<enter>').state;
    expect(s.view.visible.length).toBe(11);
    s = press(s, '/!ERROR<enter>').state;
    expect(s.view.visible.length).toBe(10);
    expect(statusBadges(s).slice(0, 2)).toEqual(['KEEP /line 1/', 'HIDE /ERROR/']);
    s = press(s, 'lapp=odd<enter>').state;
    expect(s.view.visible.length).toBe(5);
    s = press(s, '/1<enter>').state;
    expect(s.view.search).toBeDefined();
    s = press(s, '<escape>').state;
    expect(s.view.search).toBeUndefined();
    s = press(s, '<escape>').state;
    expect(s.view.filters.length).toBe(1);
    s = press(s, '<escape><escape>').state;
    expect(s.view.filters.length).toBe(0);
    expect(s.view.label).toEqual([]);
    expect(s.view.visible.length).toBe(40);
  });
  it('the label prompt validates key=value and empty input clears', () => {
    let s = press(app(), 'lnonsense<enter>').state;
    expect(s.message?.error).toBe(true);
    s = press(s, 'lapp=even<enter>').state;
    expect(s.view.visible.length).toBe(20);
    // The prompt starts with the current filter; Ctrl-U clears it.
    s = press(s, 'l<C-u><enter>').state;
    expect(s.view.visible.length).toBe(40);
  });
  it('prompt editing: backspace, Ctrl-W, Esc cancels, backspace on empty leaves', () => {
    let s = press(app(), '/abc<backspace>').state;
    expect(s.mode).toEqual({ kind: 'prompt', prompt: 'search', text: 'ab' });
    s = press(s, ' cd<C-w>').state;
    expect(s.mode).toEqual({ kind: 'prompt', prompt: 'search', text: 'ab ' });
    expect(press(s, '<escape>').state.mode.kind).toBe('normal');
    expect(press(app(), '/<backspace>').state.mode.kind).toBe('normal');
  });
});

describe('reduceKey: jumps, marks, overlays, effects', () => {
  it('t jumps by time fragment or relative offset', () => {
    let s = press(app(), 't22:26<enter>').state;
    expect(focused(s)).toBe('ERROR line 13');
    s = press(s, 't-2m<enter>').state;
    expect(focused(s)).toBe('line 37');
    s = press(s, 't1999<enter>').state;
    expect(s.message?.error).toBe(true);
  });
  it('e E jump between errors', () => {
    let s = press(app(), 'gge').state;
    expect(focused(s)).toBe('ERROR line 3');
    s = press(s, 'eE').state;
    expect(focused(s)).toBe('ERROR line 3');
    s = press(s, 'E').state;
    expect(s.message?.text).toBe('no error above');
  });
  it("m and ' set and jump to bookmarks", () => {
    let s = press(app(), 'ggema').state;
    expect(s.message?.text).toBe('mark a set');
    s = press(s, "G'a").state;
    expect(focused(s)).toBe('ERROR line 3');
    s = press(s, "'z").state;
    expect(s.message?.error).toBe(true);
    s = press(s, 'm1').state;
    expect(s.message?.text).toBe('bookmarks are letters a-z');
  });
  it('? opens help and any key closes it; Enter shows the detail of the focused line', () => {
    let s = press(app(), '?').state;
    expect(s.mode.kind).toBe('help');
    s = press(s, 'x').state;
    expect(s.mode.kind).toBe('normal');
    s = press(s, 'gge<enter>').state;
    expect(s.mode).toEqual({ kind: 'detail', seq: 3, scroll: 0 });
    s = press(s, 'jjk').state;
    expect(s.mode).toEqual({ kind: 'detail', seq: 3, scroll: 1 });
    expect(press(s, 'q').state.mode.kind).toBe('normal');
  });
  it('w prompts with a default directory and emits a write effect', () => {
    const now = Date.UTC(2026, 2, 5, 14, 32, 5);
    expect(defaultWriteDir(now)).toBe('./filtered-20260305-143205');
    const r = press(app(), 'w<enter>', now);
    expect(r.effects).toEqual([{ type: 'write', dir: './filtered-20260305-143205' }]);
    const r2 = press(app(), 'w<C-u>/tmp/out<enter>', now);
    expect(r2.effects).toEqual([{ type: 'write', dir: '/tmp/out' }]);
  });
  it('q and Ctrl-C quit; keys after quitting are ignored', () => {
    expect(press(app(), 'q').effects).toEqual([{ type: 'quit' }]);
    const r = press(app(), '<C-c>j');
    expect(r.effects).toEqual([{ type: 'quit' }]);
    expect(r.state.quitting).toBe(true);
    // Ctrl-C quits from a prompt too.
    expect(press(app(), '/abc<C-c>').effects).toEqual([{ type: 'quit' }]);
  });
});

describe('reduceKey: replay', () => {
  const replayApp = () =>
    app(10, {
      replay: createReplay({ now: 0 }),
      services: [
        { service: 'a', lines: 5 },
        { service: 'b', lines: 9 },
      ],
    });
  it('starts in the service picker; space toggles, a toggles all, Enter starts with a selection', () => {
    let s = replayApp();
    expect(s.mode.kind).toBe('picker');
    expect(s.picker!.items[0]!.service).toBe('b');
    let r = press(s, ' <enter>');
    expect(r.effects).toEqual([{ type: 'services', selected: new Set(['a']) }]);
    s = press(replayApp(), 'a').state;
    expect(s.picker!.selected.size).toBe(0);
    r = press(s, '<enter>');
    expect(r.effects).toEqual([]);
    expect(r.state.message?.error).toBe(true);
    r = press(s, 'a<enter>');
    expect(r.effects).toEqual([{ type: 'services', selected: undefined }]);
    expect(press(r.state, 's').state.mode.kind).toBe('picker');
  });
  it('space pauses, ] and [ change speed', () => {
    let s = press(replayApp(), '<enter>').state;
    const r = press(s, ' ');
    expect(r.effects).toEqual([{ type: 'replay' }]);
    expect(r.state.replay!.paused).toBe(true);
    s = press(r.state, ' ]]').state;
    expect(s.replay!.paused).toBe(false);
    expect(s.replay!.speed).toBe(4);
    s = press(s, '[[').state;
    expect(s.replay!.speed).toBe(1);
    s = press(s, '[').state;
    expect(s.replay!.speed).toBe(0.5);
  });
  it('replay keys do nothing in the live view', () => {
    const s = press(app(), ' ][s').state;
    expect(s.replay).toBeUndefined();
    expect(s.mode.kind).toBe('normal');
  });
});

import { describeFilters, type LineFilter, parseLabelFilter } from './filters.js';
import {
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
  resize,
  scrollBy,
  scrollHalfPage,
  scrollHorizontal,
  scrollPage,
  setBookmark,
  setFilters,
  setSearch,
  toggleFollow,
} from './log-view.js';
import {
  createPicker,
  movePicker,
  type PickerItem,
  type PickerState,
  pickerSelection,
  toggleAll,
  toggleCurrent,
} from './picker.js';
import { tryCompileUserRegex } from './regex.js';
import { type ReplayModel, speedDown, speedUp, togglePause } from './replay-model.js';
import type { LineRing } from './ring.js';
import { parseTimeJump } from './time.js';

/** A key press, normalised: printable keys by their character (`G`, `/`, `?`), others by name. */
export interface KeyEvent {
  /** `j`, `G`, `up`, `down`, `left`, `right`, `pageup`, `pagedown`, `home`, `end`, `enter`, `escape`,
   *  `backspace`, `space`, `tab`, or a printable character. */
  name: string;
  ctrl?: boolean;
}

export type PromptKind = 'search' | 'label' | 'time' | 'write';

export type Mode =
  | { readonly kind: 'normal' }
  | { readonly kind: 'prompt'; readonly prompt: PromptKind; readonly text: string }
  | { readonly kind: 'pending'; readonly key: 'g' | 'm' | "'"; readonly at: number }
  | { readonly kind: 'help' }
  | { readonly kind: 'detail'; readonly seq: number; readonly scroll: number }
  | { readonly kind: 'picker' };

export interface AppState {
  readonly view: LogView;
  readonly mode: Mode;
  /** One-shot status message, cleared by the next key. */
  readonly message: { readonly text: string; readonly error: boolean } | undefined;
  /** Replay view only. */
  readonly replay: ReplayModel | undefined;
  /** Replay view only: the service picker (its selection stays in force after it closes). */
  readonly picker: PickerState | undefined;
  readonly quitting: boolean;
}

/** What the runner must do after a key: the reducer itself stays pure. */
export type Effect =
  | { readonly type: 'quit' }
  | { readonly type: 'write'; readonly dir: string }
  | { readonly type: 'replay' }
  | { readonly type: 'services'; readonly selected: ReadonlySet<string> | undefined };

/** Two `g` presses within this many ms make `gg`. */
export const GG_TIMEOUT_MS = 500;
const HSCROLL_STEP = 8;

export function createAppState(opts: {
  ring: LineRing;
  height: number;
  replay?: ReplayModel | undefined;
  services?: readonly PickerItem[] | undefined;
}): AppState {
  const picker = opts.services && opts.services.length > 1 ? createPicker(opts.services) : undefined;
  return {
    view: createLogView(opts.ring, opts.height),
    mode: picker ? { kind: 'picker' } : { kind: 'normal' },
    message: undefined,
    replay: opts.replay,
    picker,
    quitting: false,
  };
}

/** The default directory `w` offers: ./filtered-YYYYMMDD-HHMMSS (UTC). */
export function defaultWriteDir(now: number): string {
  const iso = new Date(now).toISOString();
  return `./filtered-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

export interface Reduced {
  state: AppState;
  effects: Effect[];
}

const done = (state: AppState, ...effects: Effect[]): Reduced => ({ state, effects });
const info = (s: AppState, text: string): AppState => ({ ...s, message: { text, error: false } });
const fail = (s: AppState, text: string): AppState => ({ ...s, message: { text, error: true } });

export function resizeApp(s: AppState, logHeight: number): AppState {
  return { ...s, view: resize(s.view, logHeight) };
}

/** Handles one key press. `now` is the wall clock in ms (for `gg` timing and the `w` default). */
export function reduceKey(state: AppState, key: KeyEvent, now: number): Reduced {
  if (state.quitting) return done(state);
  if (key.ctrl && key.name === 'c') return done({ ...state, quitting: true }, { type: 'quit' });
  const s: AppState = state.message ? { ...state, message: undefined } : state;
  switch (s.mode.kind) {
    case 'prompt':
      return reducePrompt(s, s.mode.prompt, s.mode.text, key, now);
    case 'help':
      return done({ ...s, mode: { kind: 'normal' } });
    case 'detail':
      return reduceDetail(s, s.mode.seq, s.mode.scroll, key);
    case 'picker':
      return reducePicker(s, key);
    case 'pending':
      return reducePending(s, s.mode.key, s.mode.at, key, now);
    default:
      return reduceNormal(s, key, now);
  }
}

function withView(s: AppState, view: LogView): AppState {
  return { ...s, view };
}

function reducePending(
  s: AppState,
  pending: 'g' | 'm' | "'",
  at: number,
  key: KeyEvent,
  now: number,
): Reduced {
  const normal: AppState = { ...s, mode: { kind: 'normal' } };
  if (pending === 'g') {
    if (key.name === 'g' && now - at <= GG_TIMEOUT_MS) return done(withView(normal, goTop(s.view)));
    return reduceNormal(normal, key, now);
  }
  if (key.name === 'escape') return done(normal);
  if (!/^[a-zA-Z]$/.test(key.name)) return done(fail(normal, 'bookmarks are letters a-z'));
  if (pending === 'm') {
    const view = setBookmark(s.view, key.name);
    return done(
      view ? info(withView(normal, view), `mark ${key.name} set`) : fail(normal, 'nothing to mark'),
    );
  }
  const view = jumpToBookmark(s.view, key.name);
  return done(
    view ? withView(normal, view) : fail(normal, `mark ${key.name} is not set or no longer in view`),
  );
}

function reduceNormal(s: AppState, key: KeyEvent, now: number): Reduced {
  const v = s.view;
  const k = key.ctrl ? `C-${key.name}` : key.name;
  switch (k) {
    case 'q':
      return done({ ...s, quitting: true }, { type: 'quit' });
    case 'j':
    case 'down':
      return done(withView(s, scrollBy(v, 1)));
    case 'k':
    case 'up':
      return done(withView(s, scrollBy(v, -1)));
    case 'd':
    case 'C-d':
      return done(withView(s, scrollHalfPage(v, 1)));
    case 'u':
    case 'C-u':
      return done(withView(s, scrollHalfPage(v, -1)));
    case 'pagedown':
    case 'C-f':
      return done(withView(s, scrollPage(v, 1)));
    case 'pageup':
    case 'C-b':
      return done(withView(s, scrollPage(v, -1)));
    case 'left':
      return done(withView(s, scrollHorizontal(v, -HSCROLL_STEP)));
    case 'right':
      return done(withView(s, scrollHorizontal(v, HSCROLL_STEP)));
    case 'g':
      return done({ ...s, mode: { kind: 'pending', key: 'g', at: now } });
    case 'home':
      return done(withView(s, goTop(v)));
    case 'G':
    case 'end':
      return done(withView(s, { ...goBottom(v), hscroll: 0 }));
    case 'f':
    case 'F':
      return done(info(withView(s, toggleFollow(v)), v.follow ? 'follow off' : 'follow on'));
    case '/':
      return done({ ...s, mode: { kind: 'prompt', prompt: 'search', text: '' } });
    case 'l':
      return done({
        ...s,
        mode: { kind: 'prompt', prompt: 'label', text: v.label.map((t) => `${t.key}=${t.value}`).join(',') },
      });
    case 't':
      return done({ ...s, mode: { kind: 'prompt', prompt: 'time', text: '' } });
    case 'w':
      return done({ ...s, mode: { kind: 'prompt', prompt: 'write', text: defaultWriteDir(now) } });
    case 'm':
    case "'":
      return done({ ...s, mode: { kind: 'pending', key: k, at: now } });
    case 'n':
    case 'N': {
      if (!v.search) return done(fail(s, 'no search: type / and a regex'));
      const r = nextHit(v, k === 'n' ? 1 : -1);
      if (!r) return done(fail(s, `pattern not found: /${v.search.source}/`));
      const st = withView(s, r.view);
      return done(
        r.wrapped ? info(st, k === 'n' ? 'search wrapped to the top' : 'search wrapped to the bottom') : st,
      );
    }
    case 'e':
    case 'E': {
      const view = nextError(v, k === 'e' ? 1 : -1);
      return done(view ? withView(s, view) : info(s, k === 'e' ? 'no error below' : 'no error above'));
    }
    case 'escape':
      return done(popFilter(s));
    case '?':
      return done({ ...s, mode: { kind: 'help' } });
    case 'enter': {
      const seq = v.focus ?? v.visible[v.follow ? v.visible.length - 1 : v.top];
      return done(seq === undefined ? s : { ...s, mode: { kind: 'detail', seq, scroll: 0 } });
    }
    case 'space':
      if (!s.replay) return done(s);
      return done({ ...s, replay: togglePause(s.replay, now) }, { type: 'replay' });
    case ']':
      if (!s.replay) return done(s);
      return done({ ...s, replay: speedUp(s.replay, now) }, { type: 'replay' });
    case '[':
      if (!s.replay) return done(s);
      return done({ ...s, replay: speedDown(s.replay, now) }, { type: 'replay' });
    case 's':
      if (!s.picker) return done(s);
      return done({ ...s, mode: { kind: 'picker' } });
    default:
      return done(s);
  }
}

/** Esc: clears the search first, then pops the newest filter, then clears the label filter. */
function popFilter(s: AppState): AppState {
  const v = s.view;
  if (v.search) return info(withView(s, setSearch(v, undefined)), 'search cleared');
  if (v.filters.length > 0) {
    const popped = v.filters[v.filters.length - 1]!;
    return info(
      withView(s, setFilters(v, v.label, v.filters.slice(0, -1))),
      `removed ${popped.kind === 'hide' ? 'HIDE' : 'KEEP'} /${popped.re.source}/`,
    );
  }
  if (v.label.length > 0) return info(withView(s, setFilters(v, [], v.filters)), 'label filter cleared');
  return s;
}

function editText(text: string, key: KeyEvent): string | undefined {
  if (key.ctrl && key.name === 'u') return '';
  if (key.ctrl && key.name === 'w') return text.replace(/\S*\s*$/, '');
  if (key.name === 'backspace') return Array.from(text).slice(0, -1).join('');
  if (key.name === 'space') return `${text} `;
  if (!key.ctrl && Array.from(key.name).length === 1) return text + key.name;
  return undefined;
}

function reducePrompt(s: AppState, prompt: PromptKind, text: string, key: KeyEvent, now: number): Reduced {
  const normal: AppState = { ...s, mode: { kind: 'normal' } };
  if (key.name === 'escape') return done(normal);
  if (key.name !== 'enter') {
    const next = editText(text, key);
    if (next === undefined) return done(s);
    // Backspace on an empty prompt leaves it, as in less and vim.
    if (key.name === 'backspace' && text === '') return done(normal);
    return done({ ...s, mode: { kind: 'prompt', prompt, text: next } });
  }
  switch (prompt) {
    case 'search':
      return done(submitSearch(normal, text));
    case 'label': {
      try {
        const label = parseLabelFilter(text);
        const view = setFilters(s.view, label, s.view.filters);
        return done(
          info(
            withView(normal, view),
            label.length ? `${view.visible.length} lines match` : 'label filter cleared',
          ),
        );
      } catch (err) {
        return done(fail(normal, (err as Error).message));
      }
    }
    case 'time': {
      const ring = s.view.ring;
      const oldest = ring.get(ring.firstSeq)?.ts;
      const newest = ring.get(ring.endSeq - 1)?.ts;
      const pred = parseTimeJump(text, oldest, newest);
      if (!pred) return done(normal);
      const view = jumpToFirst(s.view, (l) => pred(l.ts));
      return done(view ? withView(normal, view) : fail(normal, `no line at time "${text}"`));
    }
    case 'write': {
      const dir = text.trim() || defaultWriteDir(now);
      return done(normal, { type: 'write', dir });
    }
  }
}

function submitSearch(s: AppState, text: string): AppState {
  const v = s.view;
  if (text === '') return withView(s, setSearch(v, undefined));
  let kind: LineFilter['kind'] | undefined;
  let source = text;
  if (text.startsWith('!')) kind = 'hide';
  else if (text.startsWith('=')) kind = 'keep';
  if (kind) source = text.slice(1);
  if (source === '') return fail(s, 'empty regex');
  const r = tryCompileUserRegex(source);
  if ('error' in r) return fail(s, r.error.message);
  if (kind) {
    const view = setFilters(v, v.label, [...v.filters, { kind, re: r.re }]);
    return info(
      withView(s, view),
      `${kind === 'hide' ? 'HIDE' : 'KEEP'} /${source}/: ${view.visible.length} lines shown`,
    );
  }
  let view = setSearch(v, r.re);
  if (view.hits.length === 0) return fail(withView(s, view), `pattern not found: /${source}/`);
  // Jump to the first hit at or after the viewport, like less.
  const hit = nextHit({ ...view, focus: undefined }, 1);
  if (hit) view = hit.view;
  return info(withView(s, view), `/${source}/: ${view.hits.length} matches`);
}

function reduceDetail(s: AppState, seq: number, scroll: number, key: KeyEvent): Reduced {
  switch (key.name) {
    case 'j':
    case 'down':
      return done({ ...s, mode: { kind: 'detail', seq, scroll: scroll + 1 } });
    case 'k':
    case 'up':
      return done({ ...s, mode: { kind: 'detail', seq, scroll: Math.max(0, scroll - 1) } });
    default:
      return done({ ...s, view: focusSeq(s.view, seq), mode: { kind: 'normal' } });
  }
}

function reducePicker(s: AppState, key: KeyEvent): Reduced {
  const p = s.picker;
  if (!p) return done({ ...s, mode: { kind: 'normal' } });
  switch (key.name) {
    case 'j':
    case 'down':
      return done({ ...s, picker: movePicker(p, 1) });
    case 'k':
    case 'up':
      return done({ ...s, picker: movePicker(p, -1) });
    case 'space':
      return done({ ...s, picker: toggleCurrent(p) });
    case 'a':
      return done({ ...s, picker: toggleAll(p) });
    case 'enter': {
      if (p.selected.size === 0)
        return done(fail(s, 'select at least one service (space toggles, a selects all)'));
      return done({ ...s, mode: { kind: 'normal' } }, { type: 'services', selected: pickerSelection(p) });
    }
    case 'q':
      return done({ ...s, quitting: true }, { type: 'quit' });
    default:
      return done(s);
  }
}

/** Badges of the status bar: mode, filters, search position. */
export function statusBadges(s: AppState): string[] {
  const v = s.view;
  const out = describeFilters(v.label, v.filters);
  if (v.search) {
    out.push(`SEARCH /${v.search.source}/ [${hitPosition(v)}/${v.hits.length}]`);
  }
  if (s.picker && pickerSelection(s.picker))
    out.push(`SERVICES ${s.picker.selected.size}/${s.picker.items.length}`);
  out.push(`[${v.visible.length} lines]`);
  if (v.hscroll > 0) out.push(`→${v.hscroll}`);
  out.push(v.follow ? 'FOLLOW' : 'SCROLL');
  return out;
}

import { type AppState, createAppState, type Effect, reduceKey, resizeApp } from './app-state.js';
import { layoutReplay, REPLAY_TOP_ROWS, type ReplayHeader } from './layout-views.js';
import type { TuiEntry } from './line.js';
import { isTerminal, runWriteEffect, type ViewOptions } from './live-view.js';
import { appendLines } from './log-view.js';
import type { PickerItem } from './picker.js';
import { createReplay, delayFor, finished, released } from './replay-model.js';
import { LineRing } from './ring.js';
import { RenderScheduler, realTimers } from './scheduler.js';
import { serviceOf } from './service.js';
import { openTerminal } from './terminal.js';

/** What the replay view reads: a capture, streamed in timestamp order. */
export interface ReplaySource {
  /** Entries the stream will yield, when known (for the progress bar). */
  readonly total?: number | undefined;
  /** Time span of the entries, when known: progress by position when `total` is unknown. */
  readonly span?: { readonly from: bigint; readonly to: bigint } | undefined;
  /** Lines per service, for the picker (shown when there are two services or more). */
  services?(): Promise<readonly PickerItem[]>;
  /** The entries, oldest first; the view stops iterating (and aborts `signal`) when the user quits. */
  entries(signal: AbortSignal): AsyncIterable<TuiEntry>;
}

export interface ReplayViewOptions extends ViewOptions {
  header: ReplayHeader;
  /** 1 = real time (default), 10 = ten times faster, 0 = as fast as possible. */
  speed?: number;
  /** Longest idle wait between two entries, in wall ms at the current speed (default 5000). */
  maxGapMs?: number;
  /** Skip the service picker even when the capture has several services. */
  noPicker?: boolean;
}

/** Most entries released between two yields to the event loop (keys stay responsive at max speed). */
const BATCH = 512;

/**
 * The replay view (`logtap open`): paces entries by their timestamps at the chosen speed, with pause,
 * speed keys, progress, a service picker and the same log pane and keys as the live view. Memory stays
 * bounded by the ring whatever the capture size. Resolves when the user quits.
 */
export async function runReplayView(source: ReplaySource, opts: ReplayViewOptions): Promise<void> {
  const timers = opts.timers ?? realTimers;
  const services = opts.noPicker || !source.services ? undefined : await source.services();
  const term = isTerminal(opts.terminal) ? opts.terminal : openTerminal(opts.terminal);
  const ring = new LineRing(opts.ring);
  const logHeight = (): number => Math.max(1, term.rows - REPLAY_TOP_ROWS - 1);
  let state: AppState = createAppState({
    ring,
    height: logHeight(),
    replay: createReplay({
      speed: opts.speed ?? 1,
      total: source.total,
      span: source.span,
      now: timers.now(),
      maxGapMs: opts.maxGapMs ?? 5000,
    }),
    services,
  });
  let selection: ReadonlySet<string> | undefined;
  const interval = Math.round(1000 / (opts.maxFps ?? 10));
  const scheduler = new RenderScheduler(
    () => term.draw(layoutReplay(state, opts.header, term.cols, term.rows, timers.now())),
    timers,
    interval,
  );
  const abort = new AbortController();
  let wake: (() => void) | undefined;
  let sleepHandle: unknown;
  const wakeUp = (): void => {
    if (sleepHandle !== undefined) timers.clearTimeout(sleepHandle);
    sleepHandle = undefined;
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Sleeps up to `ms` (forever when Infinity), waking early on any key that changes the replay. */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
      if (Number.isFinite(ms)) sleepHandle = timers.setTimeout(wakeUp, ms);
    });
  let quitting = false;
  // The picker is shown before anything plays.
  let started = state.mode.kind !== 'picker';

  const apply = (effects: readonly Effect[]): void => {
    for (const e of effects) {
      if (e.type === 'quit') {
        quitting = true;
        abort.abort();
        wakeUp();
      } else if (e.type === 'replay') wakeUp();
      else if (e.type === 'services') {
        selection = e.selected;
        started = true;
        wakeUp();
      } else if (e.type === 'write') {
        void runWriteEffect(opts.writeCapture, e.dir, state).then((message) => {
          state = { ...state, message };
          scheduler.request();
        });
      }
    }
  };
  const onAbort = (): void => apply([{ type: 'quit' }]);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  term.onKey((key) => {
    const r = reduceKey(state, key, timers.now());
    state = r.state;
    apply(r.effects);
    scheduler.request();
  });
  term.onResize(() => {
    state = resizeApp(state, logHeight());
    scheduler.request();
  });
  scheduler.request();

  const flush = (batch: TuiEntry[]): void => {
    if (batch.length === 0) return;
    state = { ...state, view: appendLines(state.view, ring.push(batch)) };
    batch.length = 0;
    scheduler.request();
  };

  try {
    while (!started && !quitting) await sleep(Number.POSITIVE_INFINITY);
    if (!quitting) {
      const batch: TuiEntry[] = [];
      let sinceYield = 0;
      for await (const e of source.entries(abort.signal)) {
        if (quitting) break;
        if (selection && !selection.has(serviceOf(e.labels))) {
          state = { ...state, replay: released(state.replay!, e.ts) };
          continue;
        }
        for (;;) {
          const d = delayFor(state.replay!, e.ts, timers.now());
          state = { ...state, replay: d.model };
          if (d.delay <= 0 || quitting) break;
          flush(batch);
          // Short sleeps so speed changes and pauses apply promptly.
          await sleep(Math.min(d.delay, 250));
        }
        if (quitting) break;
        batch.push(e);
        state = { ...state, replay: released(state.replay!, e.ts) };
        if (++sinceYield >= BATCH) {
          flush(batch);
          sinceYield = 0;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      flush(batch);
      if (!quitting) {
        state = { ...state, replay: finished(state.replay!, timers.now()) };
        scheduler.request();
        while (!quitting) await sleep(Number.POSITIVE_INFINITY);
      }
    }
  } catch (err) {
    if (!quitting) {
      scheduler.cancel();
      term.destroy();
      throw err;
    }
  }
  scheduler.cancel();
  term.destroy();
}

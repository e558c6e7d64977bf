import { type AppState, createAppState, type Effect, reduceKey, resizeApp } from './app-state.js';
import { LIVE_TOP_ROWS, type LiveHeader, layoutLive } from './layout-views.js';
import type { TuiEntry } from './line.js';
import { appendLines, visibleLines } from './log-view.js';
import { LineRing, type RingLimits } from './ring.js';
import { RenderScheduler, realTimers, type Timers } from './scheduler.js';
import { countSeen, createStats, type LiveStats, type StatsModel, sample } from './stats.js';
import { openTerminal, type Terminal, type TerminalOptions } from './terminal.js';

/** What the live view reads from the receiver; it never touches the HTTP path itself. */
export interface LiveSource {
  /** Current counters (cheap: called a few times a second). */
  stats(): LiveStats;
  /** Removes and returns up to `max` of the most recent lines received since the last call, oldest first. */
  drainRecent(max: number): TuiEntry[];
  /** Called when the user quits: stop the receiver gracefully; the view closes when this settles. */
  onQuit(): Promise<void>;
}

/** Writes lines as a new capture directory (the command wires it to @logtap/capture's writer). */
export type WriteCapture = (
  dir: string,
  entries: readonly TuiEntry[],
) => Promise<{ dir: string; lines: number }>;

/** Options shared by both views. */
export interface ViewOptions {
  /** The terminal to draw on, or an already opened Terminal (tests). */
  terminal: TerminalOptions | Terminal;
  /** Bounds of the scrollback ring (default 10,000 lines / 32 MiB). */
  ring?: RingLimits;
  /** `w`: writes the filtered lines as a new capture; without it `w` reports that it is unavailable. */
  writeCapture?: WriteCapture;
  /** Most redraws per second (default 10). */
  maxFps?: number;
  timers?: Timers;
  /** Aborting it quits the view as `q` does (e.g. on SIGTERM). */
  signal?: AbortSignal;
}

export interface LiveViewOptions extends ViewOptions {
  header: LiveHeader;
  /** Most lines taken from the source per tick (default 2,000, i.e. 20,000 lines/s at 10 ticks/s). */
  drainPerTick?: number;
  /** Window of the rates and top talkers (default 5 s). */
  rateWindowMs?: number;
  /**
   * Ctrl+C pressed while the view is already closing (after q, Ctrl+C or `signal`, while `onQuit` runs).
   * In raw mode Ctrl+C is a key, not SIGINT, so without this a second Ctrl+C would be ignored until the
   * receiver has stopped; commands wire it to their "second signal: exit at once" path.
   */
  onInterruptWhileClosing?: () => void;
}

export function isTerminal(t: TerminalOptions | Terminal): t is Terminal {
  return typeof (t as Terminal).draw === 'function';
}

/** Runs an effect that writes the filtered view; returns the status message. */
export async function runWriteEffect(
  write: WriteCapture | undefined,
  dir: string,
  state: AppState,
): Promise<{ text: string; error: boolean }> {
  if (!write) return { text: 'writing a capture is not available here', error: true };
  try {
    const entries = visibleLines(state.view).map((l) => ({ ts: l.ts, labels: l.labels, msg: l.msg }));
    const r = await write(dir, entries);
    return { text: `wrote ${r.lines} lines to ${r.dir}`, error: false };
  } catch (err) {
    return { text: `write failed: ${(err as Error).message}`, error: true };
  }
}

/**
 * The live receiver view: header, stats, top talkers, log pane and status bar, redrawn at most
 * `maxFps` times a second whatever the ingest rate. Resolves when the user has quit (q / Ctrl+C) and
 * `source.onQuit()` has settled.
 */
export function runLiveView(source: LiveSource, opts: LiveViewOptions): Promise<void> {
  const timers = opts.timers ?? realTimers;
  const term = isTerminal(opts.terminal) ? opts.terminal : openTerminal(opts.terminal);
  const ring = new LineRing(opts.ring);
  const logHeight = (): number => Math.max(1, term.rows - LIVE_TOP_ROWS - 1);
  let state = createAppState({ ring, height: logHeight() });
  let stats: StatsModel = createStats(opts.rateWindowMs ?? 5000);
  const interval = Math.round(1000 / (opts.maxFps ?? 10));
  const drainMax = opts.drainPerTick ?? 2000;
  const scheduler = new RenderScheduler(
    () => term.draw(layoutLive(state, stats, opts.header, term.cols, term.rows)),
    timers,
    interval,
  );

  return new Promise<void>((resolve, reject) => {
    let tickHandle: unknown;
    let lastSample = Number.NEGATIVE_INFINITY;
    let closing = false;

    const tick = (): void => {
      tickHandle = undefined;
      try {
        const entries = source.drainRecent(drainMax);
        if (entries.length > 0) {
          const added = ring.push(entries);
          state = { ...state, view: appendLines(state.view, added) };
          stats = countSeen(
            stats,
            added.map((l) => l.service),
          );
        }
        const now = timers.now();
        if (now - lastSample >= 250) {
          stats = sample(stats, source.stats(), now);
          lastSample = now;
        }
        scheduler.request();
      } catch (err) {
        finish(err);
        return;
      }
      if (!closing) tickHandle = timers.setTimeout(tick, interval);
    };

    const finish = (err?: unknown): void => {
      scheduler.cancel();
      if (tickHandle !== undefined) timers.clearTimeout(tickHandle);
      term.destroy();
      if (err) reject(err);
      else resolve();
    };

    const quit = (): void => {
      if (closing) return;
      closing = true;
      state = { ...state, quitting: true };
      if (tickHandle !== undefined) timers.clearTimeout(tickHandle);
      state = { ...state, message: { text: 'stopping the receiver…', error: false } };
      scheduler.flush();
      source.onQuit().then(
        () => finish(),
        (err) => finish(err),
      );
    };

    const apply = (effects: readonly Effect[]): void => {
      for (const e of effects) {
        if (e.type === 'quit') quit();
        else if (e.type === 'write') {
          void runWriteEffect(opts.writeCapture, e.dir, state).then((message) => {
            state = { ...state, message };
            scheduler.request();
          });
        }
      }
    };

    term.onKey((key) => {
      if (closing) {
        if (key.ctrl && key.name === 'c') opts.onInterruptWhileClosing?.();
        return;
      }
      const r = reduceKey(state, key, timers.now());
      state = r.state;
      apply(r.effects);
      if (!closing) scheduler.request();
    });
    term.onResize(() => {
      state = resizeApp(state, logHeight());
      scheduler.request();
    });
    if (opts.signal?.aborted) quit();
    else {
      opts.signal?.addEventListener('abort', quit, { once: true });
      tick();
    }
  });
}

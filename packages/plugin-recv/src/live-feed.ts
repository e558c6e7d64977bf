// The in-pod half of the remote live view: `recv --live-token` tees its sink into a RecentLines (the same
// cheap hand-off as the local TUI, see live.ts tapSink) and answers GET /logtap/v1/live with this feed.
import { randomBytes } from 'node:crypto';
import type { LiveQuery } from '@logtap/receiver';
import type { RecentLines } from '@logtap/tui/recent';
import type { LiveFeedDoc, WireLine } from './live-wire.js';

export interface LiveFeedOptions {
  /** Lines kept for polls (by sequence number), so a client that missed a poll or reconnects catches up. */
  ringLines?: number;
  /** Longer messages are cut to this many characters (the view shows a screen's width or a few). */
  maxMessageChars?: number;
  /** About the most bytes of lines in one answer (the newest lines are kept). */
  maxAnswerBytes?: number;
  /** Services sent: the busiest over the last `rankWindowMs`, plus the largest totals. */
  maxServices?: number;
  rankWindowMs?: number;
  now?: () => number;
}

interface Kept {
  seq: number;
  ts: bigint;
  labels: Readonly<Record<string, string>>;
  msg: string;
  bytes: number;
}

/**
 * Turns what a RecentLines gathers into bounded answers for pollers: it drains the RecentLines on each
 * poll, numbers the lines, keeps the last `ringLines` of them, and answers the lines after the poller's
 * cursor (the newest within `max` and `maxAnswerBytes`), the busiest services and the cursor. Several
 * pollers may read at once; nothing is lost for one because another polled.
 */
export class LiveFeed {
  readonly #recent: RecentLines;
  readonly #ring: Kept[] = [];
  readonly #ringLines: number;
  readonly #maxChars: number;
  readonly #maxBytes: number;
  readonly #maxServices: number;
  readonly #rankWindowMs: number;
  readonly #now: () => number;
  readonly epoch = randomBytes(6).toString('hex');
  #seq = 0;
  /** Per-service totals at the start of the ranking window, and when that was. */
  #base: { at: number; counts: Map<string, number> } | undefined;
  #previous: { at: number; counts: Map<string, number> } | undefined;

  constructor(recent: RecentLines, opts: LiveFeedOptions = {}) {
    this.#recent = recent;
    this.#ringLines = Math.max(1, opts.ringLines ?? 2000);
    this.#maxChars = Math.max(16, opts.maxMessageChars ?? 4096);
    this.#maxBytes = Math.max(1024, opts.maxAnswerBytes ?? 256 * 1024);
    this.#maxServices = Math.max(1, opts.maxServices ?? 50);
    this.#rankWindowMs = opts.rankWindowMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The answer to one poll (the receiver's `live.feed`). */
  answer(query: LiveQuery): LiveFeedDoc {
    this.#take();
    const ring = this.#ring;
    const sets: Array<Record<string, string>> = [];
    const setIndex = new Map<Readonly<Record<string, string>>, number>();
    const picked: Kept[] = [];
    let bytes = 0;
    for (let i = ring.length - 1; i >= 0 && picked.length < query.max; i--) {
      const k = ring[i]!;
      if (k.seq <= query.after) break;
      if (picked.length > 0 && bytes + k.bytes > this.#maxBytes) break;
      bytes += k.bytes;
      picked.push(k);
    }
    const lines: WireLine[] = [];
    for (let i = picked.length - 1; i >= 0; i--) {
      const k = picked[i]!;
      let set = setIndex.get(k.labels);
      if (set === undefined) {
        set = sets.length;
        sets.push({ ...k.labels });
        setIndex.set(k.labels, set);
      }
      lines.push([k.seq, k.ts.toString(), set, k.msg]);
    }
    return {
      epoch: this.epoch,
      seq: this.#seq,
      oldest: ring[0]?.seq ?? this.#seq + 1,
      services: this.#services(),
      sets,
      lines,
    };
  }

  /** Moves what the RecentLines gathered since the last poll into the numbered ring. */
  #take(): void {
    const ring = this.#ring;
    for (const e of this.#recent.drainRecent(this.#ringLines)) {
      let msg = e.msg;
      if (msg.length > this.#maxChars) {
        let end = this.#maxChars;
        const last = msg.charCodeAt(end - 1);
        if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
        msg = `${msg.slice(0, end)}…`;
      }
      let bytes = 48 + msg.length;
      for (const key in e.labels) bytes += key.length + (e.labels[key]?.length ?? 0);
      ring.push({ seq: ++this.#seq, ts: e.ts, labels: e.labels, msg, bytes });
    }
    if (ring.length > this.#ringLines) ring.splice(0, ring.length - this.#ringLines);
  }

  /** The busiest services over the ranking window, then the largest totals, at most maxServices. */
  #services(): Array<[string, number]> {
    const counts = this.#recent.services();
    const now = this.#now();
    // Two snapshots, one window apart: recent growth is measured against the older one.
    if (this.#previous === undefined || now - this.#previous.at >= this.#rankWindowMs) {
      this.#base = this.#previous;
      this.#previous = { at: now, counts: new Map(counts) };
    }
    const base = this.#base?.counts ?? new Map<string, number>();
    const all = [...counts];
    if (all.length <= this.#maxServices) return all;
    const half = Math.ceil(this.#maxServices / 2);
    const byGrowth = all
      .map(([s, n]) => [s, n - (base.get(s) ?? 0)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, half)
      .map(([s]) => s);
    const chosen = new Set(byGrowth);
    for (const [s] of all.sort((a, b) => b[1] - a[1])) {
      if (chosen.size >= this.#maxServices) break;
      chosen.add(s);
    }
    return [...chosen].map((s) => [s, counts.get(s) ?? 0]);
  }
}

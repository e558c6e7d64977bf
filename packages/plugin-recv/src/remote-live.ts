// The local half of the remote live view (`recv --in-cluster` in a terminal): a LiveSource for
// @logtap/tui's live view that polls the receiver's GET /logtap/v1/live through the port-forward.
import { LIVE_PATH } from '@logtap/receiver';
import type { LiveSource, LiveStats, TuiEntry } from '@logtap/tui';
import { type LiveDoc, liveDocSchema } from './live-wire.js';

export interface RemoteLiveOptions {
  /** Base URL of the receiver (the local end of the port-forward). */
  url: string;
  /** The receiver's live read token. */
  token: string;
  /** The receiver's --max-disk, for the disk bar. */
  maxDiskBytes: number;
  /** What the link is called in the view, e.g. `logtap/logtap-receiver via 127.0.0.1:3100`. */
  label: string;
  /** Called when the user quits the view (q, Ctrl+C); the view closes when it settles. */
  onQuit: () => Promise<void>;
  /** Between polls while connected (default 500 ms); after failures it backs off to `maxBackoffMs`. */
  intervalMs?: number;
  maxBackoffMs?: number;
  /** One poll's time limit (default 3 s): a forward that hangs counts as down. */
  timeoutMs?: number;
  /** Lines asked per poll (default 200) and most lines waiting for the view (default 5,000). */
  linesPerPoll?: number;
  maxQueued?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The link as the view shows it. */
export type LinkState =
  | { state: 'connecting'; attempts: number; error?: string | undefined }
  | { state: 'up'; since: number }
  | { state: 'down'; since: number; attempts: number; error: string };

/**
 * Polls a receiver's live endpoint and serves what it answered to the live view: counters, lines per
 * service and the newest sampled lines (each once, in order, via the `after` cursor). When the link
 * breaks it keeps the last counters, says so (`connection` in the stats, drawn in red) and retries with
 * a capped backoff; a receiver that restarted (a new feed epoch) is followed from its first line.
 */
export class RemoteLiveSource implements LiveSource {
  readonly #o: Required<Omit<RemoteLiveOptions, 'fetch' | 'now'>> & {
    fetch: typeof fetch;
    now: () => number;
  };
  #after = 0;
  #epoch: string | undefined;
  #queue: TuiEntry[] = [];
  #last: LiveDoc | undefined;
  #services = new Map<string, number>();
  #link: LinkState = { state: 'connecting', attempts: 0 };
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #inflight: AbortController | undefined;
  /** The immediate retry after a working link's first failure is under way. */
  #retrying = false;
  /** Lines the view never got because more arrived between two drains than `maxQueued`. */
  skipped = 0;

  constructor(opts: RemoteLiveOptions) {
    this.#o = {
      intervalMs: 500,
      maxBackoffMs: 5000,
      timeoutMs: 3000,
      linesPerPoll: 200,
      maxQueued: 5000,
      fetch: globalThis.fetch,
      now: Date.now,
      ...opts,
    };
  }

  /** Starts polling (the first poll at once). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#poll();
  }

  /** Stops polling and abandons a poll in flight. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inflight?.abort();
  }

  get link(): LinkState {
    return this.#link;
  }

  stats(): LiveStats {
    const s = this.#last?.stats;
    let hits = 0;
    for (const n of Object.values(s?.redaction.hits ?? {})) hits += n;
    return {
      inFlight: s?.inflightPushes ?? 0,
      lines: s?.linesReceived ?? 0,
      bytes: s?.bytesReceived ?? 0,
      dropped: (s?.linesDropped ?? 0) + (s?.linesRejected ?? 0),
      diskBytes: s?.diskBytes ?? 0,
      diskCapBytes: this.#o.maxDiskBytes,
      redaction: s
        ? { enabled: s.redaction.enabled, rules: s.redaction.rules, hits }
        : { enabled: false, rules: [], hits: 0 },
      services: this.#services,
      connection: this.#connection(),
    };
  }

  drainRecent(max: number): TuiEntry[] {
    const q = this.#queue;
    if (q.length === 0) return [];
    this.#queue = [];
    if (q.length <= max) return q;
    this.skipped += q.length - max;
    return q.slice(q.length - max);
  }

  onQuit(): Promise<void> {
    return this.#o.onQuit();
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    let ok = false;
    const ac = new AbortController();
    this.#inflight = ac;
    const timeout = setTimeout(
      () => ac.abort(new Error(`no answer within ${this.#o.timeoutMs} ms`)),
      this.#o.timeoutMs,
    );
    try {
      const url = `${this.#o.url}${LIVE_PATH}?after=${this.#after}&max=${this.#o.linesPerPoll}`;
      const res = await this.#o.fetch(url, {
        headers: { authorization: `Bearer ${this.#o.token}`, accept: 'application/json' },
        signal: ac.signal,
      });
      if (!res.ok) {
        const text = (await res.text().catch(() => '')).trim().slice(0, 200);
        throw new Error(
          res.status === 404
            ? 'the receiver has no live endpoint (is its image older than this logtap?)'
            : res.status === 401
              ? 'the receiver refused the live token'
              : `HTTP ${res.status}${text ? `: ${text}` : ''}`,
        );
      }
      const parsed = liveDocSchema.safeParse(await res.json());
      if (!parsed.success)
        throw new Error(`unexpected answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      ok = true;
      this.#retrying = false;
      if (!this.#apply(parsed.data)) {
        // A restarted receiver answered a cursor of the previous one: ask again from its first line.
        this.#timer = setTimeout(() => void this.#poll(), 0);
        return;
      }
    } catch (err) {
      if (this.#stopped) return;
      if (this.#link.state === 'up' && !this.#retrying) {
        // One failure of a working link (a kept-alive forwarded connection the API server dropped) is
        // retried at once on a new connection before the view says the link is down.
        this.#retrying = true;
        this.#timer = setTimeout(() => void this.#poll(), 0);
        return;
      }
      this.#fail(describe(ac.signal.aborted ? ac.signal.reason : err));
    } finally {
      clearTimeout(timeout);
      if (this.#inflight === ac) this.#inflight = undefined;
    }
    if (this.#stopped) return;
    const attempts = this.#link.state === 'up' ? 0 : this.#link.attempts;
    const wait = ok
      ? this.#o.intervalMs
      : Math.min(this.#o.maxBackoffMs, this.#o.intervalMs * 2 ** Math.min(attempts, 8));
    this.#timer = setTimeout(() => void this.#poll(), wait);
  }

  /** Takes an answer in; false when it must be asked again (it answered another receiver's cursor). */
  #apply(doc: LiveDoc): boolean {
    const now = this.#o.now();
    if (this.#link.state !== 'up') this.#link = { state: 'up', since: now };
    this.#last = doc;
    const feed = doc.feed;
    if (feed === null) return true;
    if (feed.epoch !== this.#epoch) {
      // A new receiver (first contact, or the pod's receiver restarted): its numbering starts again.
      const asked = this.#after;
      this.#epoch = feed.epoch;
      this.#services = new Map();
      this.#after = 0;
      if (asked > 0) return false;
    }
    for (const [service, n] of feed.services) this.#services.set(service, n);
    const labels = feed.sets.map((s) => Object.freeze(s));
    const q = this.#queue;
    for (const [seq, ts, set, msg] of feed.lines) {
      if (seq <= this.#after) continue;
      q.push({ ts: BigInt(ts), labels: labels[set] ?? {}, msg });
    }
    this.#after = Math.max(this.#after, feed.seq);
    if (q.length > this.#o.maxQueued) {
      this.skipped += q.length - this.#o.maxQueued;
      q.splice(0, q.length - this.#o.maxQueued);
    }
    return true;
  }

  #fail(error: string): void {
    this.#retrying = false;
    const now = this.#o.now();
    const l = this.#link;
    this.#link =
      l.state === 'up'
        ? { state: 'down', since: now, attempts: 1, error }
        : l.state === 'down'
          ? { ...l, attempts: l.attempts + 1, error }
          : { state: 'connecting', attempts: l.attempts + 1, error };
  }

  #connection(): { ok: boolean; text: string } {
    const l = this.#link;
    if (l.state === 'up') return { ok: true, text: `live: ${this.#o.label}` };
    if (l.state === 'connecting') {
      return {
        ok: false,
        text: `connecting to ${this.#o.label}${l.error ? ` (attempt ${l.attempts}: ${l.error})` : ''}`,
      };
    }
    const secs = Math.max(0, Math.round((this.#o.now() - l.since) / 1000));
    return {
      ok: false,
      text: `DISCONNECTED ${secs}s, reconnecting (attempt ${l.attempts}: ${l.error}); counters are the last received`,
    };
  }
}

/** One line for an error: its message, with the cause's code when fetch wraps it (`fetch failed`). */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const message = e?.message ?? String(err);
  const cause = e?.cause;
  if (cause && (cause.code || cause.message)) return `${message}: ${cause.code ?? cause.message}`;
  return message;
}

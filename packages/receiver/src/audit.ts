import type { OnFull } from './ingest.js';
import type { ReceiverStats } from './receiver-stats.js';
import type { Sink } from './types.js';

/** At most this many clients are tracked between two summaries (the summary keeps the top talkers). */
const MAX_CLIENTS = 1000;
/** A drop burst is audited at most once per this many ms. */
const SHED_AUDIT_INTERVAL_MS = 10_000;

/**
 * The receiver's entries in the capture's audit log: who pushed how much (`push_summary`, on a timer
 * and at shutdown) and when load was shed (`drop_burst`, rate-limited).
 */
export class PushAudit {
  readonly #sink: Sink;
  readonly #onFull: OnFull;
  readonly #now: () => number;
  readonly #stats: () => ReceiverStats;
  readonly #clients = new Map<string, { pushes: number; lines: number }>();
  #lastShed = Number.NEGATIVE_INFINITY;

  constructor(sink: Sink, onFull: OnFull, now: () => number, stats: () => ReceiverStats) {
    this.#sink = sink;
    this.#onFull = onFull;
    this.#now = now;
    this.#stats = stats;
  }

  /** Counts a decoded push from `remote` (a socket's remote address). */
  noteClient(remote: string, lines: number): void {
    let entry = this.#clients.get(remote);
    if (entry === undefined) {
      if (this.#clients.size >= MAX_CLIENTS) return; // bounded; the audit summary keeps the top talkers
      entry = { pushes: 0, lines: 0 };
      this.#clients.set(remote, entry);
    }
    entry.pushes++;
    entry.lines += lines;
  }

  /** Writes the clients seen since the last summary (the top 20 by lines) and starts over. */
  summarise(): void {
    if (this.#clients.size === 0 || this.#sink.audit === undefined) return;
    const top = [...this.#clients].sort((a, b) => b[1].lines - a[1].lines).slice(0, 20);
    let pushes = 0;
    let lines = 0;
    for (const c of this.#clients.values()) {
      pushes += c.pushes;
      lines += c.lines;
    }
    this.#sink.audit('push_summary', {
      pushes,
      lines,
      clients: this.#clients.size,
      top: top.map(([remote, c]) => ({ remote, pushes: c.pushes, lines: c.lines })),
    });
    this.#clients.clear();
  }

  /** Notes that lines were dropped or a push refused; audited at most once per 10 s. */
  shed(): void {
    const now = this.#now();
    if (now - this.#lastShed < SHED_AUDIT_INTERVAL_MS || this.#sink.audit === undefined) return;
    this.#lastShed = now;
    const s = this.#stats();
    this.#sink.audit('drop_burst', {
      policy: this.#onFull,
      lines_dropped: s.linesDropped,
      lines_rejected: s.linesRejected,
      queue_bytes: s.queueBytes,
      queue_capacity_bytes: s.queueCapacityBytes,
    });
  }
}

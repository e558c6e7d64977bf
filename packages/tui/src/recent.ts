import type { TuiEntry } from './line.js';
import { serviceOf } from './service.js';

/**
 * The hand-off between a receiver and the live view. The receiver calls `offer` on its hot path with each
 * accepted batch: that only stores the batch reference (O(1), no copy, no per-line work). The view calls
 * `drainRecent` a few times a second: it counts lines per service for the top talkers and returns the
 * newest lines. Batches waiting beyond `maxPending` lines are counted and released, so memory stays
 * bounded even when the view stalls.
 */
export class RecentLines {
  private batches: (readonly TuiEntry[])[] = [];
  private pending = 0;
  private readonly counts = new Map<string, number>();
  /** Lines offered but never shown (the view only shows the newest of each drain). */
  skipped = 0;
  readonly maxPending: number;

  constructor(opts: { maxPending?: number } = {}) {
    this.maxPending = Math.max(1, opts.maxPending ?? 100_000);
  }

  /** Hands over a batch of accepted entries (kept by reference: do not mutate it afterwards). */
  offer(entries: readonly TuiEntry[]): void {
    if (entries.length === 0) return;
    this.batches.push(entries);
    this.pending += entries.length;
    while (this.pending - this.batches[0]!.length >= this.maxPending) this.release(this.batches.shift()!);
  }

  /** Counts the batches and returns up to `max` of the newest lines, oldest first. */
  drainRecent(max: number): TuiEntry[] {
    const batches = this.batches;
    this.batches = [];
    this.pending = 0;
    const out: TuiEntry[] = [];
    for (let b = batches.length - 1; b >= 0; b--) {
      const batch = batches[b]!;
      this.count(batch);
      for (let i = batch.length - 1; i >= 0; i--) {
        if (out.length < max) out.push(batch[i]!);
        else this.skipped++;
      }
    }
    return out.reverse();
  }

  /** Cumulative lines per service (serviceOf), for LiveStats.services. */
  services(): ReadonlyMap<string, number> {
    return this.counts;
  }

  private release(batch: readonly TuiEntry[]): void {
    this.pending -= batch.length;
    this.count(batch);
    this.skipped += batch.length;
  }

  private count(batch: readonly TuiEntry[]): void {
    let last: Readonly<Record<string, string>> | undefined;
    let svc = '';
    for (const e of batch) {
      // Entries of one stream share their labels object: skip recomputing the service for a run of them.
      if (e.labels !== last) {
        last = e.labels;
        svc = serviceOf(e.labels);
      }
      this.counts.set(svc, (this.counts.get(svc) ?? 0) + 1);
    }
  }
}

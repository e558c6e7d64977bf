import { formatSinceTime } from './timestamp.js';

/** Texts of lines sharing the last timestamp kept for matching after a reconnect (beyond: a count). */
const GROUP_MAX_LINES = 256;
const GROUP_MAX_BYTES = 256 * 1024;

/**
 * How far a container's log has been read, so that a reconnect loses nothing and repeats nothing.
 *
 * `pods/log?sinceTime=` has second precision and is inclusive, so the resumed stream starts with lines
 * already read: every line of the second of the last timestamp seen. Those are dropped here: a line older
 * than the last timestamp was read before; a line with exactly the last timestamp (several lines can share
 * one) was read if it matches, in order, one of the lines read with that timestamp; the first line that is
 * newer, or that shares the timestamp but was not read, ends the resume and everything after it is new.
 *
 * Assumes the runtime's timestamps do not go backwards within a container's log (they are taken from the
 * node clock when the line is received); lines stamped earlier than an earlier line can be taken for
 * duplicates after a reconnect.
 */
export class ResumePoint {
  #lastTs: bigint | undefined;
  #group: string[] = [];
  #groupCount = 0;
  #groupBytes = 0;
  #groupTexts = true;
  #resuming = false;
  #matched = 0;
  #duplicates = 0;

  /** The newest timestamp read (ns), if any. */
  get lastTs(): bigint | undefined {
    return this.#lastTs;
  }

  /** Lines dropped as already read since this point was created. */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Whether the next lines are still being checked against what was read before the reconnect. */
  get resuming(): boolean {
    return this.#resuming;
  }

  /**
   * Starts from a moment instead of the beginning: lines stamped before `ns` count as read (used when the
   * forwarder restarts, with the time its previous run ended).
   */
  skipBefore(ns: bigint): void {
    this.#lastTs = ns;
    this.#group = [];
    this.#groupCount = 0;
    this.#groupBytes = 0;
    this.#groupTexts = true;
  }

  /**
   * Arms duplicate dropping for a new stream and returns its `sinceTime` (the last timestamp read, truncated
   * to the second), or undefined when nothing was read yet (read from the beginning).
   */
  resume(): string | undefined {
    if (this.#lastTs === undefined) return undefined;
    this.#resuming = true;
    this.#matched = 0;
    return formatSinceTime(this.#lastTs);
  }

  /** Decides for each line of the stream, in order: true = new (forward it), false = already read. */
  accept(ts: bigint, text: string): boolean {
    const last = this.#lastTs;
    if (this.#resuming && last !== undefined) {
      if (ts < last) {
        this.#duplicates++;
        return false;
      }
      if (ts === last) {
        if (this.#groupTexts) {
          const j = this.#group.indexOf(text, this.#matched);
          if (j >= 0) {
            this.#matched = j + 1;
            this.#duplicates++;
            return false;
          }
        } else if (this.#matched < this.#groupCount) {
          this.#matched++;
          this.#duplicates++;
          return false;
        }
      }
      this.#resuming = false;
    }
    this.#record(ts, text);
    return true;
  }

  #record(ts: bigint, text: string): void {
    const last = this.#lastTs;
    if (last === undefined || ts > last) {
      this.#lastTs = ts;
      this.#group = [text];
      this.#groupCount = 1;
      this.#groupBytes = text.length;
      this.#groupTexts = true;
      return;
    }
    if (ts < last) return; // the clock went back: keep the newest point (see the class comment)
    this.#groupCount++;
    if (!this.#groupTexts) return;
    this.#groupBytes += text.length;
    if (this.#group.length >= GROUP_MAX_LINES || this.#groupBytes > GROUP_MAX_BYTES) {
      // Too many lines share one timestamp to keep them all: fall back to counting them.
      this.#groupTexts = false;
      this.#group = [];
      return;
    }
    this.#group.push(text);
  }
}

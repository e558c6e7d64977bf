/**
 * Splits a byte stream into complete lines. Splitting happens on bytes (0x0A never occurs inside a UTF-8
 * sequence), so a multi-byte character cut by a chunk boundary is never decoded in halves.
 */

const NL = 0x0a;

/** Default cap on one line: longer lines are skipped (and counted) instead of growing memory unboundedly. */
export const DEFAULT_MAX_LINE_BYTES = 64 << 20;

export class LineSplitter {
  #carry: Buffer[] = [];
  #carryLen = 0;
  #skipping = false;
  /** Lines dropped because they exceeded the cap. */
  oversized = 0;

  constructor(readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  /** Bytes of an incomplete line held back. */
  get pendingBytes(): number {
    return this.#carryLen;
  }

  /**
   * Feeds a chunk; calls `emit` once with the text of all complete lines in it (joined by `\n`, the last one
   * newline-terminated), if there are any. The chunk may be reused by the caller after the call.
   */
  push(chunk: Buffer, emit: (text: string) => void): void {
    const last = chunk.lastIndexOf(NL);
    if (last < 0) {
      this.#hold(chunk);
      return;
    }
    let start = 0;
    if (this.#carryLen > 0 || this.#skipping) {
      const first = chunk.indexOf(NL);
      if (this.#skipping) {
        this.#skipping = false;
      } else if (this.#carryLen + first + 1 <= this.maxLineBytes) {
        this.#carry.push(chunk.subarray(0, first + 1));
        emit(Buffer.concat(this.#carry, this.#carryLen + first + 1).toString('utf8'));
      } else {
        this.oversized++;
      }
      this.#carry = [];
      this.#carryLen = 0;
      start = first + 1;
    }
    if (last >= start) emit(chunk.toString('utf8', start, last + 1));
    if (last + 1 < chunk.length) this.#hold(chunk.subarray(last + 1));
  }

  /** Drops any incomplete line (a torn tail). Returns its length in bytes. */
  reset(): number {
    const n = this.#carryLen;
    this.#carry = [];
    this.#carryLen = 0;
    this.#skipping = false;
    return n;
  }

  #hold(part: Buffer): void {
    if (this.#skipping) return;
    if (this.#carryLen + part.length > this.maxLineBytes) {
      this.oversized++;
      this.#skipping = true;
      this.#carry = [];
      this.#carryLen = 0;
      return;
    }
    // Copy: the caller reuses its buffer.
    this.#carry.push(Buffer.from(part));
    this.#carryLen += part.length;
  }
}

/** Calls `fn` for each line of `text` (as emitted by {@link LineSplitter}), without the newline. */
export function forEachLine(text: string, fn: (line: string) => void): void {
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      if (pos < text.length) fn(text.slice(pos));
      return;
    }
    if (nl > pos) fn(text.slice(pos, nl));
    pos = nl + 1;
  }
}

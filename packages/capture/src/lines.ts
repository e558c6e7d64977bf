/**
 * Splits a byte stream into lines, decoding each line to its own string. Splitting happens on bytes (0x0A
 * never occurs inside a UTF-8 sequence), so a multi-byte character cut by a chunk boundary is never decoded
 * in halves. One string per line (rather than slices of a chunk-sized string) means an entry a caller keeps
 * retains its line, not the whole decoded chunk.
 */

import { isAscii } from 'node:buffer';

const NL = 0x0a;

/** Default cap on one line: longer lines are skipped (and counted) instead of growing memory unboundedly. */
export const DEFAULT_MAX_LINE_BYTES = 64 << 20;

type Slicer = (this: Buffer, start: number, end: number) => string;
// Buffer's own per-encoding slicers skip toString's encoding lookup: ~20% faster per line (bench/reader.ts).
// They are long-standing Node internals; fall back to toString where they are missing.
const proto = Buffer.prototype as unknown as { latin1Slice?: Slicer; utf8Slice?: Slicer };
const latin1: Slicer =
  proto.latin1Slice ??
  function (this: Buffer, s, e) {
    return this.toString('latin1', s, e);
  };
const utf8: Slicer =
  proto.utf8Slice ??
  function (this: Buffer, s, e) {
    return this.toString('utf8', s, e);
  };

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
   * Feeds a chunk; calls `line` for every complete line in it (without the newline; empty lines skipped).
   * The chunk may be reused by the caller after the call.
   */
  push(chunk: Buffer, line: (text: string) => void): void {
    let pos = 0;
    if (this.#carryLen > 0 || this.#skipping) {
      const first = chunk.indexOf(NL);
      if (first < 0) {
        this.#hold(chunk);
        return;
      }
      if (this.#skipping) {
        this.#skipping = false;
      } else if (this.#carryLen + first <= this.maxLineBytes) {
        this.#carry.push(chunk.subarray(0, first));
        const whole = Buffer.concat(this.#carry, this.#carryLen + first);
        if (whole.length > 0) line(whole.toString('utf8'));
      } else {
        this.oversized++;
      }
      this.#carry = [];
      this.#carryLen = 0;
      pos = first + 1;
    }
    const slice = isAscii(chunk) ? latin1 : utf8;
    const end = chunk.length;
    while (pos < end) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) {
        this.#hold(chunk.subarray(pos));
        return;
      }
      if (nl > pos) {
        if (nl - pos <= this.maxLineBytes) line(slice.call(chunk, pos, nl));
        else this.oversized++;
      }
      pos = nl + 1;
    }
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

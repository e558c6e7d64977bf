/**
 * grep -C: the rows of scanContext (the lines that pass the time and label filters, each with whether it
 * matches) turned into matches with N lines of context before and after, written by RawGrepWriter from
 * the raw bytes like grep without context.
 *
 * Only printed lines are read. A line after a match is printed as it comes. The lines before a match are
 * taken, when the match comes, from the current range (its buffer is still there: its rows are kept as
 * offsets) and from the lines carried over from earlier ranges, rendered when their range ended (at most
 * N per range). A row is validated when it is printed: one that is not an entry (a damaged or foreign
 * line) is no line at all, so it takes no context slot and is no match, exactly as in a pass over the
 * reader (grep-writer.test.ts compares them).
 */

import type { CaptureEntry } from '@logtap/capture/read';
import type { LineKind, RawGrepWriter } from './grep-writer.js';
import type { ContextSink, RangeLines } from './scan-context.js';

/** The end offset of a row known not to be an entry. */
const INVALID = -1;
const EMPTY = Buffer.alloc(0);

/** The {@link ContextSink} of grep -C: matches and their context, through a {@link RawGrepWriter}. */
export class ContextGrepWriter implements ContextSink {
  #buf: Buffer = EMPTY;
  #lines: RangeLines | undefined;
  /** The rows of the current range: offsets of their lines (an entry's are unused). */
  #starts = new Int32Array(4096);
  #ends = new Int32Array(4096);
  #n = 0;
  /** Rows of the current range that are entries (decoded by the scan, or when printed). */
  readonly #entries = new Map<number, CaptureEntry>();
  /** The last printed row of the current range, or -1 when it is in an earlier range (or there is none). */
  #lo = -1;
  /** Lines of context still to print after the last match. */
  #after = 0;
  #printed = false;
  /**
   * The last (at most N) lines of earlier ranges after the last printed line, rendered as context before
   * a match: a match near the start of a range takes its first context lines from here.
   */
  #carry: Buffer[] = [];
  /** Whether lines that were not printed come between the last printed line and {@link #carry}. */
  #carryGap = false;
  #full = false;

  constructor(
    readonly w: RawGrepWriter,
    readonly context: number,
  ) {}

  get full(): boolean {
    return this.#full;
  }

  range(file: string, buf: Buffer, lines: RangeLines): void {
    this.w.range(file, buf, lines.text);
    this.#buf = buf;
    this.#lines = lines;
    this.#n = 0;
    this.#lo = -1;
    if (this.#entries.size > 0) this.#entries.clear();
  }

  row(a: number, b: number, match: boolean): void {
    this.#visit(this.#push(a, b), match);
  }

  entry(e: CaptureEntry, match: boolean): void {
    const i = this.#push(0, 0);
    this.#entries.set(i, e);
    this.#visit(i, match);
  }

  /**
   * Carries the range's last lines over (rendered: the buffer is about to be overwritten) for a match in
   * the next ranges, and whether lines were skipped before them.
   */
  endRange(): void {
    if (this.#full) return;
    const lo = this.#lo;
    const kept: Buffer[] = [];
    let j = this.#n;
    while (j > lo + 1 && kept.length < this.context) {
      j--;
      if (this.#ends[j] === INVALID) continue;
      const line = this.#render(j);
      if (line !== undefined) kept.push(line);
    }
    kept.reverse();
    if (lo === -1 && kept.length < this.context) {
      // Every line of the range is in `kept`: the older carried lines come first.
      const old = this.#carry;
      const need = this.context - kept.length;
      this.#carryGap ||= old.length > need;
      this.#carry = old.slice(Math.max(0, old.length - need)).concat(kept);
    } else {
      this.#carryGap =
        (j > lo + 1 && this.#anyValid(lo + 1, j)) ||
        (lo === -1 && (this.#carry.length > 0 || this.#carryGap));
      this.#carry = kept;
    }
  }

  #push(a: number, b: number): number {
    if (this.#n === this.#starts.length) {
      const starts = new Int32Array(this.#n * 2);
      starts.set(this.#starts);
      this.#starts = starts;
      const ends = new Int32Array(this.#n * 2);
      ends.set(this.#ends);
      this.#ends = ends;
    }
    this.#starts[this.#n] = a;
    this.#ends[this.#n] = b;
    return this.#n++;
  }

  #visit(i: number, match: boolean): void {
    const w = this.w;
    if (match && w.matches < w.max) {
      const m = w.mark();
      this.#before(i);
      if (!this.#print(i, 'match')) {
        // Not an entry: no match, and its context lines are taken back.
        w.rollback(m);
        return;
      }
      w.count();
      this.#after = this.context;
      this.#lo = i;
      this.#printed = true;
    } else if (this.#after > 0) {
      if (this.#print(i, 'after')) {
        this.#after--;
        this.#lo = i;
      }
    } else if (w.matches >= w.max) {
      this.#full = true;
    }
  }

  /** Prints the context before the match at row `i` (and `--` when lines were skipped since the last). */
  #before(i: number): void {
    const w = this.w;
    const lo = this.#lo;
    // The last N rows before `i` not known to be invalid (presumed valid: they almost always are).
    let start = i;
    let k = 0;
    while (start > lo + 1 && k < this.context) {
      start--;
      if (this.#ends[start] !== INVALID) k++;
    }
    const carry = this.#carry;
    const fromCarry = lo === -1 && start === 0 ? Math.min(this.context - k, carry.length) : 0;
    const m = w.mark();
    if (this.#printed) {
      let gap = start > lo + 1 && this.#anyValid(lo + 1, start);
      if (!gap && lo === -1) gap = carry.length > fromCarry || this.#carryGap;
      if (gap) w.separator();
    }
    for (let c = carry.length - fromCarry; c < carry.length; c++) w.writeBytes(carry[c]!);
    let bad = false;
    for (let j = start; j < i; j++) {
      if (this.#ends[j] !== INVALID && !this.#print(j, 'before')) bad = true;
    }
    if (bad) {
      // A row was not an entry (now marked): start again, reaching further back.
      w.rollback(m);
      this.#before(i);
    }
  }

  /** Writes row `j` as `kind`; false (and the row marked invalid) when it is not an entry. */
  #print(j: number, kind: LineKind): boolean {
    const w = this.w;
    const known = this.#entries.size > 0 ? this.#entries.get(j) : undefined;
    if (known !== undefined) {
      w.writeEntry(known, kind);
      return true;
    }
    const s = this.#lines!;
    const buf = this.#buf;
    const a = this.#starts[j]!;
    const b = this.#ends[j]!;
    if (s.load(buf, a, b)) {
      if (w.write(a, b, s.parts, s.matchedLabels, s, kind)) return true;
      const e = s.built(buf, a, b);
      if (e !== -1) {
        w.writeEntry(e, kind);
        return true;
      }
    }
    const e = s.decodeRow(buf, a, b);
    if (e === undefined) {
      this.#ends[j] = INVALID;
      return false;
    }
    this.#entries.set(j, e);
    w.writeEntry(e, kind);
    return true;
  }

  /** Row `j` as a context line before a match, rendered; undefined when it is not an entry. */
  #render(j: number): Buffer | undefined {
    const w = this.w;
    const m = w.mark();
    if (!this.#print(j, 'before')) return undefined;
    const line = w.since(m);
    w.rollback(m);
    return line;
  }

  /** Whether one of the rows [from, to) is an entry (the nearest is read first). */
  #anyValid(from: number, to: number): boolean {
    for (let j = to - 1; j >= from; j--) {
      if (this.#ends[j] !== INVALID && this.#valid(j)) return true;
    }
    return false;
  }

  /** Whether row `j` is an entry (read, not written; marked when it is not). */
  #valid(j: number): boolean {
    if (this.#entries.size > 0 && this.#entries.has(j)) return true;
    const s = this.#lines!;
    const buf = this.#buf;
    const a = this.#starts[j]!;
    const b = this.#ends[j]!;
    if (s.load(buf, a, b) && (this.w.accepts(a, b, s.parts, s.matchedLabels, s) || s.built(buf, a, b) !== -1))
      return true;
    const e = s.decodeRow(buf, a, b);
    if (e === undefined) {
      this.#ends[j] = INVALID;
      return false;
    }
    this.#entries.set(j, e);
    return true;
  }
}

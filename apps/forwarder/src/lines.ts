/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of one line: a longer line
 * is cut at that many bytes (on a UTF-8 character boundary), the rest up to its newline is skipped and the
 * line is reported truncated. (The original forwarder's 256 KiB scanner limit turned a long line into a
 * reconnect loop that re-sent the whole log.)
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string, truncated: boolean) => void,
  ) {}

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    if (this.#pendingBytes > 0 || this.#discarding) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.#hold(chunk);
        return;
      }
      this.#hold(chunk.subarray(0, nl));
      this.#emitPending();
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      // One decode and one split per chunk: far cheaper than a toString per line.
      const text = chunk.toString('utf8', start, last);
      const lines = text.split('\n');
      const max = this.maxLineBytes;
      for (const line of lines) {
        // A UTF-16 length within max/3 cannot exceed max bytes: skip the byte count for ordinary lines.
        if (line.length * 3 > max && Buffer.byteLength(line) > max)
          this.onLine(cut(Buffer.from(line), max), true);
        else this.onLine(line, false);
      }
      start = last + 1;
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start));
  }

  /** The stream ended cleanly: a final line without a newline is still a line. */
  end(): void {
    if (this.#pendingBytes > 0 || this.#discarding) this.#emitPending();
  }

  /** The stream broke: an unfinished line is forgotten (it is read again when the stream resumes). */
  reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }

  #hold(buf: Buffer): void {
    if (this.#discarding || buf.length === 0) return;
    const room = this.maxLineBytes - this.#pendingBytes;
    if (buf.length > room) {
      // Copy: the chunk's memory must not stay pinned by a held slice.
      this.#pending.push(Buffer.from(buf.subarray(0, room)));
      this.#pendingBytes += room;
      this.#discarding = true;
      return;
    }
    this.#pending.push(Buffer.from(buf));
    this.#pendingBytes += buf.length;
  }

  #emitPending(): void {
    const buf =
      this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    const truncated = this.#discarding;
    this.reset();
    this.onLine(truncated ? cut(buf, this.maxLineBytes) : buf.toString('utf8'), truncated);
  }
}

/** The first `max` bytes of `buf` as text, not splitting a UTF-8 character. */
function cut(buf: Buffer, max: number): string {
  let end = Math.min(max, buf.length);
  // Find the start of the last character before `end` and drop it if it does not fit entirely.
  let lead = end - 1;
  while (lead > 0 && end - lead < 4 && (buf[lead]! & 0xc0) === 0x80) lead--;
  if (lead >= 0 && lead < end) {
    const b = buf[lead]!;
    const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (lead + len > end) end = lead;
  }
  return buf.toString('utf8', 0, end);
}

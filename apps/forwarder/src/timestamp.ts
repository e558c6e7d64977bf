/**
 * The timestamps of `pods/log?timestamps=true`: the kubelet prefixes every line with the time the runtime
 * received it, RFC3339 with nine fraction digits in UTC (`2024-01-15T10:32:01.123456789Z message`).
 */

const NS_PER_SEC = 1_000_000_000n;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9})\d*)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses RFC3339 / RFC3339Nano (any offset, up to 9 fraction digits kept) into ns since the epoch. */
export function parseRfc3339(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  const year = Number(m[1]);
  // Date.UTC would roll Feb 30 over into March; RFC3339 (and Go) reject it.
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(ms)) return undefined;
  let ns = BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '0').padEnd(9, '0'));
  if (m[9] !== undefined) {
    const offset = BigInt((Number(m[10]) * 60 + Number(m[11])) * 60) * NS_PER_SEC;
    ns = m[9] === '+' ? ns - offset : ns + offset;
  }
  return ns;
}

/** Floors a timestamp to its second and prints it as RFC3339 (what `sinceTime` keeps anyway). */
export function formatSinceTime(ns: bigint): string {
  let sec = ns / NS_PER_SEC;
  if (ns < 0n && sec * NS_PER_SEC !== ns) sec -= 1n;
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}Z`;
}

/** RFC3339 with nine fraction digits (for logs and metrics). */
export function formatNs(ns: bigint): string {
  let sec = ns / NS_PER_SEC;
  if (ns < 0n && sec * NS_PER_SEC !== ns) sec -= 1n;
  const frac = ns - sec * NS_PER_SEC;
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

const D0 = 48;

/**
 * Splits kubelet log lines into timestamp and message. The fixed-width kubelet format is parsed by hand
 * with the epoch second of the current minute cached (one Date.UTC per minute instead of one regex and
 * Date per line); anything else falls back to the RFC3339 regex.
 */
export class LineTimestampParser {
  #minutePrefix = '';
  #minuteSec = 0;

  /**
   * The timestamp of a `timestamps=true` line in ns and where its message starts, or undefined when the line
   * does not start with one.
   */
  parse(line: string): { ts: bigint; msgStart: number } | undefined {
    // Fast path: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ " (31 chars before the message).
    if (line.length >= 31 && line.charCodeAt(29) === 90 /* Z */ && line.charCodeAt(30) === 32) {
      if (!line.startsWith(this.#minutePrefix) || this.#minutePrefix === '') {
        const sec = minuteEpochSeconds(line);
        if (sec === undefined) return this.slow(line);
        this.#minutePrefix = line.slice(0, 16);
        this.#minuteSec = sec;
      }
      let frac = 0;
      for (let i = 20; i < 29; i++) {
        const c = line.charCodeAt(i) - D0;
        if (c < 0 || c > 9) return this.slow(line);
        frac = frac * 10 + c;
      }
      const s1 = line.charCodeAt(17) - D0;
      const s2 = line.charCodeAt(18) - D0;
      if (s1 < 0 || s1 > 6 || s2 < 0 || s2 > 9 || line.charCodeAt(19) !== 46 /* . */) return this.slow(line);
      // One BigInt multiply-add per line; the seconds part fits a double exactly (< 2^53).
      return { ts: BigInt(this.#minuteSec + s1 * 10 + s2) * NS_PER_SEC + BigInt(frac), msgStart: 31 };
    }
    return this.slow(line);
  }

  private slow(line: string): { ts: bigint; msgStart: number } | undefined {
    const space = line.indexOf(' ');
    const head = space < 0 ? line : line.slice(0, space);
    if (head.length < 20 || head.length > 40) return undefined;
    const ts = parseRfc3339(head);
    if (ts === undefined) return undefined;
    return { ts, msgStart: space < 0 ? line.length : space + 1 };
  }
}

/** Epoch seconds of the minute `YYYY-MM-DDTHH:MM` that starts `line`, or undefined. */
function minuteEpochSeconds(line: string): number | undefined {
  if (
    line.charCodeAt(4) !== 45 ||
    line.charCodeAt(7) !== 45 ||
    line.charCodeAt(10) !== 84 ||
    line.charCodeAt(13) !== 58 ||
    line.charCodeAt(16) !== 58
  )
    return undefined;
  const n = (start: number, len: number): number => {
    let v = 0;
    for (let i = start; i < start + len; i++) {
      const c = line.charCodeAt(i) - D0;
      if (c < 0 || c > 9) return Number.NaN;
      v = v * 10 + c;
    }
    return v;
  };
  const y = n(0, 4);
  const mo = n(5, 2);
  const d = n(8, 2);
  const h = n(11, 2);
  const mi = n(14, 2);
  if (Number.isNaN(y + mo + d + h + mi) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
    return undefined;
  return Date.UTC(y, mo - 1, d, h, mi) / 1000;
}

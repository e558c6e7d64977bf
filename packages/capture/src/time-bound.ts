/**
 * Time bounds for `--from` / `--to` (one parser for every command, see docs/filters.md): RFC3339, a date,
 * `HH:MM[:SS]` on the capture's date, `-30m` before the capture's end, `+5m` after its start, `now`, or a
 * Unix timestamp in s/ms/µs/ns.
 */

import { InvalidTimeError } from './errors.js';
import { parseTimestamp } from './timestamp.js';

const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};
const NS_PER_DAY = NS['d']!;
const NS_PER_MIN = NS['m']!;

/** What relative bounds refer to. */
export interface TimeContext {
  /** Start of the capture (ns): `+DUR` counts from here; `HH:MM` uses its date. */
  start?: bigint | undefined;
  /** End of the capture (ns): `-DUR` counts back from here. */
  end?: bigint | undefined;
  /** Current time (ns), for `now`. */
  now?: bigint | undefined;
  /** Offset of the wall clock `HH:MM` and zone-less dates are read in, minutes east of UTC. Default 0 (UTC). */
  utcOffsetMinutes?: number | undefined;
}

/**
 * Parses a Go-style duration (`90s`, `1h30m`, `1.5h`, `500ms`, `2d`, `1w`) into ns. Throws
 * {@link InvalidTimeError}.
 */
export function parseDuration(input: string): bigint {
  const s = input.trim();
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/gy;
  let total = 0n;
  let pos = 0;
  re.lastIndex = 0;
  while (pos < s.length) {
    const m = re.exec(s);
    if (m === null) break;
    const unit = NS[m[2]!]!;
    const [int, frac = ''] = m[1]!.split('.');
    total += BigInt(int || '0') * unit;
    if (frac !== '') {
      // Exact decimal fraction of the unit, truncated to whole ns.
      total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    }
    pos = re.lastIndex;
  }
  if (s === '' || pos !== s.length) {
    throw new InvalidTimeError(input, 'not a duration (use e.g. 30s, 5m, 1h30m, 2d)');
  }
  return total;
}

function wallClockNs(h: number, mi: number, sec: number, fracNs: bigint): bigint {
  return BigInt(h * 3600 + mi * 60 + sec) * NS['s']! + fracNs;
}

function fractionNs(frac: string | undefined): bigint {
  if (frac === undefined || frac === '') return 0n;
  return BigInt(frac.slice(0, 9).padEnd(9, '0'));
}

/** Floor of ns to the start of its day in the given offset, expressed back in UTC ns. */
function dayStart(ns: bigint, offsetNs: bigint): bigint {
  const local = ns + offsetNs;
  let day = local / NS_PER_DAY;
  if (local < 0n && day * NS_PER_DAY !== local) day -= 1n;
  return day * NS_PER_DAY - offsetNs;
}

/**
 * Parses one time bound into ns since the epoch. Accepted forms:
 * - RFC3339 with any offset (`2024-01-15T10:32:00Z`, `2024-01-15T18:32:00.5+08:00`); a space may replace `T`;
 *   without an offset, or as a date alone (`2024-01-15`), it is read in `utcOffsetMinutes` (default UTC);
 * - `HH:MM`, `HH:MM:SS[.frac]`: that wall-clock time on the capture's start date, or on the next day when
 *   that is inside the capture (captures that cross midnight);
 * - `-DUR`: DUR before the capture's end; `+DUR`: DUR after its start;
 * - `now`;
 * - a Unix timestamp: 10 digits = s, 13 = ms, 16 = µs, 19 = ns.
 * Throws {@link InvalidTimeError} naming the missing context when a relative form cannot be resolved.
 */
export function parseTimeBound(input: string, ctx: TimeContext = {}): bigint {
  const s = input.trim();
  const offsetNs = BigInt(ctx.utcOffsetMinutes ?? 0) * NS_PER_MIN;
  if (s === '') throw new InvalidTimeError(input, 'empty');
  if (s === 'now') {
    if (ctx.now === undefined) throw new InvalidTimeError(input, '"now" needs the current time');
    return ctx.now;
  }
  if (s.startsWith('-') || s.startsWith('+')) {
    const d = parseDuration(s.slice(1));
    if (s[0] === '-') {
      if (ctx.end === undefined) throw new InvalidTimeError(input, "the capture's end is unknown");
      return ctx.end - d;
    }
    if (ctx.start === undefined) throw new InvalidTimeError(input, "the capture's start is unknown");
    return ctx.start + d;
  }
  const abs = parseTimestamp(s);
  if (abs !== undefined) return abs;
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/.exec(s);
  if (local) {
    const base = parseTimestamp(`${local[1]}-${local[2]}-${local[3]}T00:00:00Z`);
    if (base === undefined) throw new InvalidTimeError(input, 'not a valid date');
    const h = Number(local[4] ?? 0);
    const mi = Number(local[5] ?? 0);
    const sec = Number(local[6] ?? 0);
    if (h > 23 || mi > 59 || sec > 59) throw new InvalidTimeError(input, 'not a valid time of day');
    return base + wallClockNs(h, mi, sec, fractionNs(local[7])) - offsetNs;
  }
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(s);
  if (clock) {
    const h = Number(clock[1]);
    const mi = Number(clock[2]);
    const sec = Number(clock[3] ?? 0);
    if (h > 23 || mi > 59 || sec > 59) throw new InvalidTimeError(input, 'not a valid time of day');
    if (ctx.start === undefined)
      throw new InvalidTimeError(input, "the capture's start (its date) is unknown");
    const day = dayStart(ctx.start, offsetNs);
    const t = day + wallClockNs(h, mi, sec, fractionNs(clock[4]));
    if (t >= ctx.start) return t;
    const next = t + NS_PER_DAY;
    return ctx.end !== undefined && next <= ctx.end ? next : t;
  }
  if (/^\d+$/.test(s)) {
    const n = BigInt(s);
    switch (s.length) {
      case 10:
        return n * 1_000_000_000n;
      case 13:
        return n * 1_000_000n;
      case 16:
        return n * 1_000n;
      case 19:
        return n;
      default:
        throw new InvalidTimeError(
          input,
          'a Unix timestamp needs 10 (s), 13 (ms), 16 (µs) or 19 (ns) digits',
        );
    }
  }
  if (/^\d/.test(s) && /[a-zµμ]$/.test(s)) {
    throw new InvalidTimeError(input, `a bare duration is ambiguous: write -${s} (before the end) or +${s}`);
  }
  throw new InvalidTimeError(input, 'unrecognised time');
}

/** Parses `--from` / `--to` together (either may be absent) and checks that from <= to. */
export function parseTimeRange(
  from: string | undefined,
  to: string | undefined,
  ctx: TimeContext = {},
): { from?: bigint; to?: bigint } {
  const r: { from?: bigint; to?: bigint } = {};
  if (from !== undefined) r.from = parseTimeBound(from, ctx);
  if (to !== undefined) r.to = parseTimeBound(to, ctx);
  if (r.from !== undefined && r.to !== undefined && r.from > r.to) {
    throw new InvalidTimeError(`${from}..${to}`, 'the range is empty: --from is after --to');
  }
  return r;
}

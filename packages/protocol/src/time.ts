/** Timestamp parsing for the JSON dialects: decimal nanosecond strings and RFC 3339. */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NS = 1_000_000_000n;

/**
 * A decimal int64 string as Go's strconv.ParseInt(s, 10, 64) accepts it (optional sign, digits only),
 * or undefined when it is not one / out of range.
 */
export function parseNsString(s: string): bigint | undefined {
  const n = s.length;
  if (n === 0 || n > 20) return undefined;
  let k = 0;
  const first = s.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    k = 1;
    if (n === 1) return undefined;
  }
  for (; k < n; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  // BigInt(string) parses a 19-digit decimal faster than splitting it into two numbers and combining.
  const v = BigInt(s);
  if (n >= 19 && (v > INT64_MAX || v < INT64_MIN)) return undefined;
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * RFC 3339 with optional fractional seconds (Go time.RFC3339Nano parsing: any number of fraction digits,
 * truncated to nanoseconds; `Z` or a ±hh:mm offset), as nanoseconds since the epoch, or undefined.
 */
export function parseRfc3339(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (oh * 60 + om) * 60 * (m[9] === '-' ? -1 : 1);
  }
  const secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  const frac = m[7] === undefined ? 0 : Number(m[7].slice(0, 9).padEnd(9, '0'));
  return BigInt(secs) * NS + BigInt(frac);
}

/** Splits ns since the epoch into google.protobuf.Timestamp seconds (floor) and nanos (0..999999999). */
export function splitNs(ts: bigint): [seconds: number, nanos: number] {
  let s = ts / NS;
  let ns = ts - s * NS;
  if (ns < 0n) {
    ns += NS;
    s -= 1n;
  }
  return [Number(s), Number(ns)];
}

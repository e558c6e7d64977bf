const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DECIMAL_NS = /^-?\d{1,19}$/;
const NS_PER_MS = 1_000_000n;

/**
 * Parses a capture timestamp: RFC 3339 with up to nanosecond precision and any UTC offset, or a
 * decimal string of nanoseconds since the epoch (the Loki JSON form). Returns ns as bigint, or
 * undefined when the text is neither.
 */
export function parseTimestamp(text: string): bigint | undefined {
  if (DECIMAL_NS.test(text)) {
    const ns = BigInt(text);
    return ns >= -(2n ** 63n) && ns < 2n ** 63n ? ns : undefined;
  }
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 31 April into 1 May; a round trip catches impossible days.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  const fraction = m[7] ?? '';
  let ns = BigInt(ms) * NS_PER_MS + (fraction === '' ? 0n : BigInt(fraction.padEnd(9, '0')));
  if (second === 60) ns += 1_000_000_000n; // a leap second is the next second's start
  if (m[8] === undefined) {
    const offsetMinutes = Number(m[10]) * 60 + Number(m[11]);
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return undefined;
    const offsetNs = BigInt(offsetMinutes) * 60_000_000_000n;
    ns = m[9] === '+' ? ns - offsetNs : ns + offsetNs;
  }
  return ns;
}

/** Nanosecond timestamp helpers (timestamps are bigint ns since the Unix epoch). */

export const NS_PER_MS = 1_000_000n;
export const NS_PER_SECOND = 1_000_000_000n;
export const NS_PER_MINUTE = 60n * NS_PER_SECOND;

/** RFC 3339 in UTC with nanoseconds, e.g. `2024-01-02T03:04:05.123456789Z`. */
export function formatTs(ns: bigint): string {
  let ms = ns / NS_PER_MS;
  let rest = ns % NS_PER_MS;
  if (rest < 0n) {
    rest += NS_PER_MS;
    ms -= 1n;
  }
  const iso = new Date(Number(ms)).toISOString(); // 2024-01-02T03:04:05.123Z
  return `${iso.slice(0, 23)}${String(rest).padStart(6, '0')}Z`;
}

/** Parses RFC 3339 (any fraction up to ns, `Z` or an offset) to ns; undefined when invalid. */
export function parseTs(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(ms) * NS_PER_MS + frac;
}

/** floor(a / b) for bigints (b > 0), also for negative a. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

const NS_PER_MS = 1_000_000n;

/** RFC 3339 in UTC with nanoseconds: 2026-03-05T14:32:05.123456789Z. */
export function formatRfc3339(ns: bigint): string {
  const ms = ns / NS_PER_MS;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) frac += 1_000_000_000n;
  const iso = new Date(Number(ms - (((ms % 1000n) + 1000n) % 1000n))).toISOString(); // whole second
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

/** The time column of the log pane: HH:MM:SS.mmm in UTC. */
export function formatClock(ns: bigint): string {
  return formatRfc3339(ns).slice(11, 23);
}

const UNIT_NS: Record<string, bigint> = {
  ms: NS_PER_MS,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * A `t` (time jump) target: a relative offset (`-5m` from the newest line, `+30s` from the oldest) or a
 * fragment of the RFC 3339 UTC timestamp (`14:32`, `2026-03-05T14:32`, `14:32:05.1`).
 * Returns a predicate matching the first line to jump to, or undefined when the input is empty.
 */
export function parseTimeJump(
  input: string,
  oldest: bigint | undefined,
  newest: bigint | undefined,
): ((ts: bigint) => boolean) | undefined {
  const text = input.trim();
  if (text === '') return undefined;
  const rel = /^([+-])(\d+)(ms|s|m|h)$/.exec(text);
  if (rel) {
    const amount = BigInt(rel[2]!) * UNIT_NS[rel[3]!]!;
    if (rel[1] === '-') {
      const target = (newest ?? 0n) - amount;
      return (ts) => ts >= target;
    }
    const target = (oldest ?? 0n) + amount;
    return (ts) => ts >= target;
  }
  // Accept a space for the T separator, as people type it.
  const frag = text.replace(' ', 'T');
  return (ts) => formatRfc3339(ts).includes(frag);
}

/**
 * Human sizes and durations for flags. Sizes: a number with an optional unit; KB, MB, GB, TB (and K,
 * M, G, T) are powers of 1000, KiB, MiB, GiB, TiB (and Ki, Mi, Gi, Ti) powers of 1024, B or nothing
 * is bytes; case does not matter except that the `i` marks binary units. Durations: one or more
 * number+unit parts (ms, s, m, h, d), e.g. `90s`, `10m`, `1h30m`; a bare `0` means zero.
 */

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?)(b?)\s*$/i;
const POWERS: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

/** Bytes for a human size, or undefined when the text is not one. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (m === null) return undefined;
  const [, num, prefix = '', binary = '', b = ''] = m;
  // "i" needs a prefix (KiB, Mi); a bare "iB" is not a unit.
  if (binary !== '' && prefix === '') return undefined;
  // A lone "b"/"B" is bytes; "Kb"-style bits are not offered, so b/B are the same.
  void b;
  const power = POWERS[prefix.toLowerCase()] ?? 0;
  const base = binary === '' ? 1000 : 1024;
  const bytes = Math.floor(Number(num) * base ** power);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for a human duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === '0') return 0;
  if (t === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(t); m !== null; m = DURATION_PART.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== t.length) return undefined;
  return Math.round(total);
}

/** `1536` → `1.5KiB`; binary units, as the receiver's sizes are usually given in MiB/GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${value}B` : `${Number(value.toFixed(value < 10 ? 2 : 1))}${units[i]}`;
}

/** `3725000` → `1h2m5s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

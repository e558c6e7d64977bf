import { InvalidOptionError } from './errors.js';

/**
 * Kubernetes resource quantities (`16Mi`, `25m`, `0.5`, `1e3`, `2G`) as exact rationals: the value is
 * `milli / 1000` of the base unit (bytes for memory, cores for CPU), kept as a bigint so sums and
 * comparisons of quota figures are exact.
 */
export interface Quantity {
  /** Thousandths of the base unit, rounded up as the API server rounds. */
  milli: bigint;
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, bigint> = {
  '': 1n,
  k: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
  E: 10n ** 18n,
};
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** Parses a quantity; throws InvalidOptionError naming `option` when it is not one. */
export function parseQuantity(text: string, option = 'quantity'): Quantity {
  const m = QUANTITY.exec(text.trim());
  if (!m)
    throw new InvalidOptionError(
      option,
      text,
      'expected a Kubernetes quantity such as 16Mi, 128M, 25m or 0.5',
    );
  const [, sign, num, suffix, exp] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const [int = '0', frac = ''] = num.split('.');
  // value = digits / 10^frac.length, scaled to thousandths.
  let numer = BigInt((int || '0') + frac) * 1000n;
  let denom = 10n ** BigInt(frac.length);
  if (suffix === 'm') denom *= 1000n;
  else if (suffix && BINARY[suffix]) numer *= BINARY[suffix]!;
  else if (suffix && DECIMAL[suffix]) numer *= DECIMAL[suffix]!;
  else if (exp) {
    const e = BigInt(exp);
    if (e >= 0n) numer *= 10n ** e;
    else denom *= 10n ** -e;
  }
  const milli = (numer + denom - 1n) / denom;
  return { milli: sign === '-' ? -milli : milli };
}

/** `2 × q` written in the same unit as `text` (`16Mi` → `32Mi`, `25m` → `50m`, `0.5` → `1`). */
export function doubleQuantity(text: string, option = 'quantity'): string {
  parseQuantity(text, option);
  const m = /^(\d+(?:\.\d*)?|\.\d+)(.*)$/.exec(text.trim())!;
  const [int = '0', frac = ''] = m[1]!.split('.');
  const scaled = BigInt((int || '0') + frac) * 2n;
  const digits = scaled.toString().padStart(frac.length + 1, '0');
  const whole = digits.slice(0, digits.length - frac.length);
  const rest = digits.slice(digits.length - frac.length).replace(/0+$/, '');
  return `${whole}${rest ? `.${rest}` : ''}${m[2]}`;
}

/** Multiplies a quantity by an integer count (replicas). */
export function times(q: Quantity, n: number): Quantity {
  return { milli: q.milli * BigInt(n) };
}

/** Binary suffixes, largest first. */
const BINARY_UNITS = [
  ['Gi', 1n << 30n],
  ['Mi', 1n << 20n],
  ['Ki', 1n << 10n],
] as const;

/** A short human form: bytes as Ki/Mi/Gi (memory) or cores as m / whole (cpu). */
export function formatQuantity(q: Quantity, kind: 'memory' | 'cpu'): string {
  if (kind === 'cpu') {
    return q.milli % 1000n === 0n ? `${q.milli / 1000n}` : `${q.milli}m`;
  }
  const bytes = q.milli / 1000n;
  for (const [suffix, size] of BINARY_UNITS) {
    if (bytes >= size && bytes % size === 0n) return `${bytes / size}${suffix}`;
  }
  for (const [suffix, size] of BINARY_UNITS) {
    if (bytes >= size) return `${(Number(bytes) / Number(size)).toFixed(1)}${suffix}`;
  }
  return `${bytes}`;
}

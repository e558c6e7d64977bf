/**
 * A minimal Prometheus text-format (0.0.4) writer. The receiver keeps its counters as plain numbers on
 * the hot path and renders them only when /metrics is scraped, so no registry or label lookup costs
 * anything per push.
 */

/** Default buckets for push latency, in seconds (1 ms … 10 s). */
export const PUSH_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A cumulative histogram with fixed upper bounds. */
export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[] = PUSH_DURATION_BUCKETS) {
    this.#bounds = [...bounds].sort((a, b) => a - b);
    this.#counts = new Array<number>(this.#bounds.length).fill(0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.#counts[i]!++;
        return;
      }
    }
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  /**
   * The q-quantile (0..1) estimated from the buckets by linear interpolation, as Prometheus'
   * histogram_quantile does; NaN when empty, the largest bound when it falls in the +Inf bucket.
   */
  quantile(q: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = q * this.#count;
    let seen = 0;
    let lower = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      const inBucket = this.#counts[i]!;
      const upper = this.#bounds[i]!;
      if (seen + inBucket >= rank && inBucket > 0) {
        return lower + (upper - lower) * ((rank - seen) / inBucket);
      }
      seen += inBucket;
      lower = upper;
    }
    return this.#bounds[this.#bounds.length - 1] ?? Number.NaN;
  }

  render(name: string, help: string): string {
    let out = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.#counts[i]!;
      out += `${name}_bucket{le="${formatNumber(this.#bounds[i]!)}"} ${cumulative}\n`;
    }
    out += `${name}_bucket{le="+Inf"} ${this.#count}\n`;
    out += `${name}_sum ${formatNumber(this.#sum)}\n${name}_count ${this.#count}\n`;
    return out;
  }
}

/** Renders one unlabelled counter or gauge. */
export function renderScalar(name: string, type: 'counter' | 'gauge', help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${formatNumber(value)}\n`;
}

/**
 * Renders a counter or gauge with one label. `always` lists label values rendered even when absent
 * from `values` (as 0), so dashboards and `rate()` see the series from the start.
 */
export function renderLabelled(
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  label: string,
  values: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  always: readonly string[] = [],
): string {
  const entries = new Map<string, number>();
  for (const key of always) entries.set(key, 0);
  const iterable = values instanceof Map ? values.entries() : Object.entries(values);
  for (const [key, value] of iterable) entries.set(key, value);
  let out = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  for (const [key, value] of [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    out += `${name}{${label}="${escapeLabelValue(key)}"} ${formatNumber(value)}\n`;
  }
  return out;
}

/** Escapes a label value as the text format requires (backslash, double quote, line feed). */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

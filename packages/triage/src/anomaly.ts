/**
 * Robust rate-change detection on a bucketed series: each point is compared with the median of the
 * `lookback` points before it, scaled by the MAD (median absolute deviation, ×1.4826 to estimate a
 * standard deviation). The scale never drops below √median (the Poisson noise of a count) nor 1, so
 * a flat series does not turn every small wiggle into a spike. Counts are also tested against a
 * Poisson model with the median as its mean: a point is flagged only when it is that improbable too
 * (`maxP`), which keeps small counts (2 errors a minute becoming 8) from looking like bursts.
 */

export interface SpikeOptions {
  /** Points of history compared against. Default 15. */
  lookback?: number;
  /** Points of history needed before a point can be flagged. Default 5. */
  minHistory?: number;
  /** Robust z-score needed. Default 3.5 (Iglewicz and Hoaglin's outlier cut-off). */
  z?: number;
  /** Smallest absolute change (in counts) worth reporting. Default 5. */
  minDelta?: number;
  /** Largest Poisson tail probability of the point given the median. Default 1e-4. */
  maxP?: number;
}

export interface SpikePoint {
  index: number;
  value: number;
  /** Rolling median of the history. */
  baseline: number;
  z: number;
}

export interface SpikeRun {
  /** First and last flagged index (inclusive). */
  start: number;
  end: number;
  direction: 'up' | 'down';
  /** The most extreme point of the run. */
  peak: SpikePoint;
  /** Sum of the values over the run. */
  total: number;
}

function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// Scratch windows for robustScores: a typed array sorts numerically in native code, with no
// comparator call and no array per point (the report scores every minute of up to 52 series).
let histBuf = new Float64Array(64);
let devBuf = new Float64Array(64);

/** Robust z-scores of every point with enough history (undefined otherwise). */
export function robustScores(series: readonly number[], opts: SpikeOptions = {}): (SpikePoint | undefined)[] {
  const lookback = opts.lookback ?? 15;
  const minHistory = opts.minHistory ?? 5;
  const out: (SpikePoint | undefined)[] = [];
  for (let i = 0; i < series.length; i++) {
    const from = Math.max(0, i - lookback);
    if (i - from < minHistory) {
      out.push(undefined);
      continue;
    }
    const n = i - from;
    if (histBuf.length < n) {
      histBuf = new Float64Array(n);
      devBuf = new Float64Array(n);
    }
    const hist = histBuf.subarray(0, n);
    for (let k = 0; k < n; k++) hist[k] = series[from + k]!;
    hist.sort();
    const med = median(hist);
    const dev = devBuf.subarray(0, n);
    for (let k = 0; k < n; k++) dev[k] = Math.abs(hist[k]! - med);
    dev.sort();
    const scale = Math.max(1.4826 * median(dev), Math.sqrt(med), 1);
    const value = series[i]!;
    out.push({ index: i, value, baseline: med, z: (value - med) / scale });
  }
  return out;
}

/**
 * log(n!) as the running sum of log(i), memoised: the sums are the ones a loop from 2 to n computes
 * (same additions in the same order, so bit-identical), but each is computed once instead of once per
 * tested bucket (a busy capture tests counts in the tens of thousands; this was 5% of a triage run).
 */
let logFactorials = new Float64Array(1024);
let logFactorialsKnown = 2; // entries 0 and 1 are log(1) = 0
const MAX_MEMO = 1 << 22;

function logFactorial(n: number): number {
  if (n < logFactorialsKnown) return logFactorials[n]!;
  const top = Math.min(n, MAX_MEMO - 1);
  if (top >= logFactorials.length) {
    let size = logFactorials.length;
    while (size <= top) size *= 2;
    const bigger = new Float64Array(Math.min(size, MAX_MEMO));
    bigger.set(logFactorials.subarray(0, logFactorialsKnown));
    logFactorials = bigger;
  }
  let s = logFactorials[logFactorialsKnown - 1]!;
  for (let i = logFactorialsKnown; i <= top; i++) {
    s += Math.log(i);
    logFactorials[i] = s;
  }
  logFactorialsKnown = top + 1;
  for (let i = top + 1; i <= n; i++) s += Math.log(i);
  return s;
}

/** P(X >= x) for X ~ Poisson(lambda), summed in log space (x up to a few thousand is fine). */
export function poissonUpper(x: number, lambda: number): number {
  if (x <= 0) return 1;
  const l = Math.max(lambda, 1e-9);
  // Sum terms from x upwards until they vanish; each term is the previous times lambda / k.
  let logTerm = x * Math.log(l) - l - logFactorial(x);
  let sum = 0;
  for (let k = x; k < x + 10_000; k++) {
    const t = Math.exp(logTerm);
    sum += t;
    // Past the mode the terms only shrink: once one underflows to 0 the rest add nothing (a zero
    // baseline with a burst gave 10,000 iterations of zeros).
    if ((t < sum * 1e-12 || t === 0) && k > l) break;
    logTerm += Math.log(l) - Math.log(k + 1);
  }
  return Math.min(1, sum);
}

/** P(X <= x) for X ~ Poisson(lambda). */
export function poissonLower(x: number, lambda: number): number {
  if (x < 0) return 0;
  const l = Math.max(lambda, 1e-9);
  // Summed directly (not 1 - upper) so tiny probabilities keep their precision.
  let logTerm = -l;
  let sum = 0;
  for (let k = 0; k <= x; k++) {
    sum += Math.exp(logTerm);
    logTerm += Math.log(l) - Math.log(k + 1);
  }
  return Math.min(1, sum);
}

/**
 * `poissonUpper(x, lambda) <= max`, stopping as soon as the answer is known: the same terms are added in
 * the same order, and the sum only grows, so once it passes `max` the full sum would too. A rate spike
 * on a busy series (x in the thousands) needs a handful of terms instead of hundreds.
 */
function upperTailAtMost(x: number, lambda: number, max: number): boolean {
  if (max >= 1) return true;
  if (x <= 0) return false;
  const l = Math.max(lambda, 1e-9);
  let logTerm = x * Math.log(l) - l - logFactorial(x);
  let sum = 0;
  for (let k = x; k < x + 10_000; k++) {
    const t = Math.exp(logTerm);
    sum += t;
    if (sum > max) return false;
    if ((t < sum * 1e-12 || t === 0) && k > l) break;
    logTerm += Math.log(l) - Math.log(k + 1);
  }
  return sum <= max;
}

/** `poissonLower(x, lambda) <= max`, stopping as soon as the answer is known (see upperTailAtMost). */
function lowerTailAtMost(x: number, lambda: number, max: number): boolean {
  if (max >= 1) return true;
  if (x < 0) return 0 <= max;
  const l = Math.max(lambda, 1e-9);
  let logTerm = -l;
  let sum = 0;
  for (let k = 0; k <= x; k++) {
    sum += Math.exp(logTerm);
    if (sum > max) return false;
    logTerm += Math.log(l) - Math.log(k + 1);
  }
  return sum <= max;
}

/** Runs of consecutive points whose robust z-score passes the threshold, upwards and downwards. */
export function detectSpikes(series: readonly number[], opts: SpikeOptions = {}): SpikeRun[] {
  const zCut = opts.z ?? 3.5;
  const minDelta = opts.minDelta ?? 5;
  const maxP = opts.maxP ?? 1e-4;
  const scores = robustScores(series, opts);
  const runs: SpikeRun[] = [];
  let cur: SpikeRun | undefined;
  for (let i = 0; i < series.length; i++) {
    const p = scores[i];
    let dir: 'up' | 'down' | undefined;
    if (p && Math.abs(p.value - p.baseline) >= minDelta) {
      if (p.z >= zCut && upperTailAtMost(Math.round(p.value), p.baseline, maxP)) dir = 'up';
      else if (p.z <= -zCut && lowerTailAtMost(Math.round(p.value), p.baseline, maxP)) dir = 'down';
    }
    if (cur && dir === cur.direction && p) {
      cur.end = i;
      cur.total += p.value;
      if (Math.abs(p.z) > Math.abs(cur.peak.z)) cur.peak = p;
      continue;
    }
    if (cur) runs.push(cur);
    cur = dir && p ? { start: i, end: i, direction: dir, peak: p, total: p.value } : undefined;
  }
  if (cur) runs.push(cur);
  return runs;
}

/** Start index of the `width`-point window with the largest sum (earliest on ties). */
export function peakWindow(
  series: readonly number[],
  width: number,
): { start: number; sum: number } | undefined {
  if (series.length === 0) return undefined;
  const w = Math.max(1, Math.min(width, series.length));
  let sum = 0;
  for (let i = 0; i < w; i++) sum += series[i]!;
  let best = { start: 0, sum };
  for (let i = w; i < series.length; i++) {
    sum += series[i]! - series[i - w]!;
    if (sum > best.sum) best = { start: i - w + 1, sum };
  }
  return best;
}

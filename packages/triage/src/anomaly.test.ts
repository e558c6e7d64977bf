import { describe, expect, it } from '@jest/globals';
import { detectSpikes, peakWindow, poissonLower, poissonUpper, robustScores } from './anomaly.js';

describe('robust spike detection', () => {
  it('flags a burst against a noisy baseline and reports its first index', () => {
    const base = [100, 104, 97, 101, 99, 103, 96, 100, 102, 98, 101, 99, 100, 97, 103];
    const series = [...base, ...base, 100, 260, 300, 280, 101, 99, 100, 102];
    const runs = detectSpikes(series);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ start: 31, end: 33, direction: 'up' });
    expect(runs[0]!.peak.value).toBe(300);
  });

  it('flags drops too, and nothing on a flat or tiny series', () => {
    const series = [...Array(20).fill(50), 0, 0, 50, 50];
    expect(detectSpikes(series).map((r) => [r.start, r.end, r.direction])).toEqual([[20, 21, 'down']]);
    expect(detectSpikes(Array(40).fill(7))).toEqual([]);
    expect(detectSpikes([0, 0, 0, 0, 0, 0, 3, 0, 0])).toEqual([]); // below minDelta
    expect(detectSpikes([1, 2])).toEqual([]);
  });

  it('ignores small counts that a Poisson process produces by chance', () => {
    expect(detectSpikes([...Array(20).fill(2), 8, 2, 2], { minDelta: 3 })).toEqual([]);
    expect(detectSpikes([...Array(20).fill(2), 40, 2, 2], { minDelta: 3 })).toHaveLength(1);
    expect(poissonUpper(0, 3)).toBe(1);
    expect(poissonUpper(8, 2)).toBeCloseTo(0.0011, 4);
    expect(poissonLower(0, 50)).toBeLessThan(1e-20);
  });

  it('scores exactly as sorting a copy of each window would', () => {
    const med = (a: number[]) =>
      a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
    let seed = 11;
    const rand = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const lookback of [3, 15, 40, 100]) {
      const series = Array.from({ length: 150 }, () => Math.floor(rand() * [5, 200, 1e6][lookback % 3]!));
      const want = series.map((value, i) => {
        const from = Math.max(0, i - lookback);
        if (i - from < 2) return undefined;
        const hist = series.slice(from, i).sort((a, b) => a - b);
        const m = med(hist);
        const dev = hist.map((v) => Math.abs(v - m)).sort((a, b) => a - b);
        const scale = Math.max(1.4826 * med(dev), Math.sqrt(m), 1);
        return { index: i, value, baseline: m, z: (value - m) / scale };
      });
      expect(robustScores(series, { lookback, minHistory: 2 })).toEqual(want);
    }
  });

  it('needs minHistory points before scoring', () => {
    const s = robustScores([1, 2, 3, 4, 5, 6], { minHistory: 5 });
    expect(s.slice(0, 5).every((p) => p === undefined)).toBe(true);
    expect(s[5]).toBeDefined();
  });

  it('finds the densest window, earliest on ties', () => {
    expect(peakWindow([0, 5, 5, 0, 5, 5], 2)).toEqual({ start: 1, sum: 10 });
    expect(peakWindow([1, 2, 3], 10)).toEqual({ start: 0, sum: 6 });
    expect(peakWindow([], 3)).toBeUndefined();
  });

  it('decides exactly as the full Poisson tails would, stopping early', () => {
    // Reference: the decision rule written with the full tail sums.
    const reference = (series: number[], maxP: number) => {
      const runs: [number, number, string][] = [];
      const scores = robustScores(series);
      let cur: [number, number, string] | undefined;
      for (let i = 0; i < series.length; i++) {
        const p = scores[i];
        let dir: string | undefined;
        if (p && Math.abs(p.value - p.baseline) >= 5) {
          if (p.z >= 3.5 && poissonUpper(Math.round(p.value), p.baseline) <= maxP) dir = 'up';
          else if (p.z <= -3.5 && poissonLower(Math.round(p.value), p.baseline) <= maxP) dir = 'down';
        }
        if (cur && dir === cur[2]) {
          cur[1] = i;
          continue;
        }
        if (cur) runs.push(cur);
        cur = dir ? [i, i, dir] : undefined;
      }
      if (cur) runs.push(cur);
      return runs;
    };
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    let flagged = 0;
    for (let trial = 0; trial < 300; trial++) {
      const level = [3, 40, 800, 20_000][trial % 4]!;
      const series = Array.from({ length: 60 }, () => Math.round(level * (0.8 + 0.4 * rand())));
      // Bursts and drops of every size, some borderline.
      for (let k = 0; k < 4; k++)
        series[20 + Math.floor(rand() * 40)]! *= [0, 0.5, 1.3, 2, 6][Math.floor(rand() * 5)]!;
      for (const maxP of [1e-4, 0.05, 0.5]) {
        const got = detectSpikes(series, { maxP }).map((r) => [r.start, r.end, r.direction]);
        expect(got).toEqual(reference(series, maxP));
        flagged += got.length;
      }
    }
    expect(flagged).toBeGreaterThan(300); // not a vacuous comparison
  });
});

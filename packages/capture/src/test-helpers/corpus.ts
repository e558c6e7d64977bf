/**
 * Realistic entries for tests and benchmarks: the loghub 2k samples (/work/shared/corpus/loghub) as
 * messages, with the label sets a Kubernetes tap produces (namespace, app, pod, container).
 */

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CaptureEntry } from '../entry-codec.js';

const SYSTEMS = ['Apache', 'BGL', 'HDFS', 'Hadoop', 'HealthApp', 'Linux', 'OpenStack', 'Zookeeper'];
const DEFAULT_DIR = '/work/shared/corpus/loghub';

/** One loghub system's lines. Falls back to synthetic lines when the corpus is not on this machine. */
export function loghubLines(system: string, dir = DEFAULT_DIR): string[] {
  const file = path.join(dir, system, `${system}_2k.log`);
  if (!existsSync(file)) {
    return Array.from(
      { length: 2000 },
      (_, i) => `${system} synthetic line ${i} status=${i % 7} took=${i * 3}ms`,
    );
  }
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** Label sets: each system runs as `replicas` pods of one app in the `load-test` namespace. */
export function labelSets(replicas = 3): Record<string, string>[][] {
  return SYSTEMS.map((s) =>
    Array.from({ length: replicas }, (_, r) => ({
      namespace: 'load-test',
      app: s.toLowerCase(),
      pod: `${s.toLowerCase()}-7d9f8b6c4-${'abcdefgh'[r]}x${r}q`,
      container: 'main',
    })),
  );
}

/**
 * A deterministic stream of `count` entries drawn from every system in runs of 16 per pod (as pushes arrive),
 * timestamps increasing by `stepNs` from `startNs`. Entries of one pod share one labels object, as a decoded
 * push does. Every digit
 * run of a message is shifted by the entry's index (ids, counters and times differ from line to line, as in
 * real logs), so long streams do not repeat whole lines and compression ratios stay realistic.
 */
export function corpusEntries(
  count: number,
  startNs = 1_705_314_721_000_000_000n,
  stepNs = 250_000n,
): CaptureEntry[] {
  const lines = SYSTEMS.map((s) => loghubLines(s).map((l) => l.split(/(\d+)/)));
  const sets = labelSets();
  const out: CaptureEntry[] = new Array(count);
  let ts = startNs;
  for (let i = 0; i < count; i++) {
    // A push carries a run of lines per stream: blocks of 16 consecutive entries share a pod.
    const block = i >> 4;
    const sys = (block * 7) % SYSTEMS.length;
    const pool = lines[sys]!;
    ts += stepNs;
    const parts = pool[(i * 31) % pool.length]!;
    let msg = '';
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      if (p % 2 === 0) {
        msg += part;
      } else {
        const mod = 10 ** Math.min(part.length, 9);
        msg += String((Number(part.slice(-9)) + i * (p + 1)) % mod).padStart(part.length, '0');
      }
    }
    out[i] = { ts, labels: sets[sys]![block % 3]!, msg };
  }
  return out;
}

/** Entries whose messages barely compress (pseudo-random base-36), to reach a disk cap quickly. */
export function noisyEntries(n: number, seed: number, startNs = 1_705_314_721_000_000_000n): CaptureEntry[] {
  let x = seed;
  const labels = { app: 'noise' };
  return Array.from({ length: n }, (_, i) => {
    let msg = '';
    for (let j = 0; j < 40; j++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      msg += x.toString(36);
    }
    return { ts: startNs + BigInt(seed * 100_000 + i), labels, msg };
  });
}

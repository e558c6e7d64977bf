/** Shared helpers of the capture benchmarks (run with `pnpm bench`; see each file's header). */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CaptureEntry } from '../src/index.js';
import { corpusEntries } from '../src/test-helpers/corpus.js';

/** Entries built from the loghub corpus with k8s-style labels, about `mb` MB as JSONL. */
export function benchEntries(mb: number): CaptureEntry[] {
  // ~290 bytes per encoded line on average with these labels.
  return corpusEntries(Math.round((mb * 1e6) / 290), 1_705_314_721_000_000_000n, 50_000n);
}

export function tempCapture(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'logtap-bench-')), name);
}

export function cleanup(dir: string): void {
  rmSync(path.dirname(dir), { recursive: true, force: true });
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function fmt(n: number, digits = 0): string {
  return n.toFixed(digits);
}

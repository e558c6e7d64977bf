/**
 * Captures for the tests of inspect, slice, export and grep, built by code in temporary directories,
 * written by @logtap/capture's writer (as recv writes it). Captures laid out as the Go original writes
 * them come from `writeOriginalCapture` of @logtap/capture/testing.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CaptureEntry, CaptureWriter } from '@logtap/capture';

/** 2024-01-15T10:32:01Z */
export const BASE_NS = 1_705_314_721_000_000_000n;
/** The writer's clock in the fixtures (ms): metadata times are deterministic. */
export const CLOCK_MS = 1_705_318_000_000;

export function tempDir(prefix = 'logtap-tools-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const SETS: Record<string, string>[] = [
  { namespace: 'shop', app: 'api', pod: 'api-0', container: 'main' },
  { namespace: 'shop', app: 'api', pod: 'api-1', container: 'main' },
  { namespace: 'shop', app: 'web', pod: 'web-0', container: 'nginx' },
  { namespace: 'shop', 'app.kubernetes.io/name': 'checkout', pod: 'checkout-0' },
  { namespace: 'batch', container: 'worker' },
  {},
];
const MESSAGES = [
  (i: number) => `GET /api/items/${i} 200 ${i % 97}ms`,
  (i: number) => `ERROR payment ${i} failed: card declined, retry=${i % 3}`,
  (i: number) => `user "u${i}" said: hello, world`,
  (i: number) => `multi\nline ${i}\r\n\tstack at main.go:${i}`,
  (i: number) => `unicode ${i}: café 日本語 emoji 🎉 <tag> & amp`,
  (i: number) => `timeout after ${i}s waiting for db`,
  (i: number) => `warn: slow query took ${i * 3}ms`,
];

/**
 * `n` deterministic entries, 7.5 ms apart with sub-microsecond parts (so ns precision is tested), over six
 * label sets (one without labels), messages with commas, quotes, newlines, unicode and HTML characters,
 * and structured metadata on every 5th line.
 */
export function toolEntries(n: number, startNs = BASE_NS): CaptureEntry[] {
  const sets = SETS.map((s) => Object.freeze({ ...s }));
  const out: CaptureEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e: CaptureEntry = {
      ts: startNs + BigInt(i) * 7_500_000n + BigInt((i * 37) % 1000),
      labels: sets[i % sets.length]!,
      msg: MESSAGES[(i * 3) % MESSAGES.length]!(i),
    };
    if (i % 5 === 0) e.meta = { trace_id: `t${i}`, level: i % 10 === 0 ? 'error' : 'info' };
    out.push(e);
  }
  return out;
}

export interface WriteOptions {
  maxFileBytes?: number;
  /** Frame and frame-table sizes (default small: 16 KiB frames, an entry per 8 KiB). */
  flushBytes?: number;
  seekBytes?: number;
  /** Close the writer (default) or leave the capture live with data in its active file. */
  close?: boolean;
  redaction?: { enabled: boolean; rules: string[]; policyHash?: string };
}

/** Writes `entries` with @logtap/capture's writer (inline, fixed clock), in chunks. */
export async function writeCapture(
  dir: string,
  entries: readonly CaptureEntry[],
  opts: WriteOptions = {},
): Promise<CaptureWriter> {
  const w = await CaptureWriter.open(dir, {
    worker: false,
    now: () => CLOCK_MS,
    maxFileBytes: opts.maxFileBytes ?? 64 * 1024,
    seekBytes: opts.seekBytes ?? 8 * 1024,
    flushBytes: opts.flushBytes ?? 16 * 1024,
    minFreeBytes: 0,
    ...(opts.redaction ? { redaction: opts.redaction } : {}),
  });
  for (let i = 0; i < entries.length; i += 250) {
    while (!w.append(entries.slice(i, i + 250))) await w.flush();
  }
  if (opts.close === false) await w.flush();
  else await w.close();
  return w;
}

/** Entries without meta (the original's schema). */
export function withoutMeta(entries: readonly CaptureEntry[]): CaptureEntry[] {
  return entries.map((e) => ({ ts: e.ts, labels: e.labels, msg: e.msg }));
}

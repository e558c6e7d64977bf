/**
 * Captures for the tests of inspect, slice, export and grep, built by code in temporary directories:
 * one written by @logtap/capture's writer (as recv writes it) and one laid out as the Go original writes
 * it (following /work/shared/reference/original-logtap.md §2, like @logtap/capture's own test helper,
 * which is not exported).
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CaptureEntry, CaptureWriter } from '@logtap/capture';
import { compress } from 'zstd-napi';

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

// ------------------------------------------------------------------------------ the Go original's layout

function goTime(ns: bigint, offsetMinutes: number): string {
  const local = ns + BigInt(offsetMinutes) * 60_000_000_000n;
  const sec = local / 1_000_000_000n;
  const frac = Number(local - sec * 1_000_000_000n);
  const iso = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const fracText = frac === 0 ? '' : `.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
  if (offsetMinutes === 0) return `${iso}${fracText}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${iso}${fracText}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Go's encoding/json string escaping (HTML-safe). */
function goString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function originalLine(e: CaptureEntry, off: number): string {
  const keys = Object.keys(e.labels).sort();
  const labels =
    keys.length > 0
      ? `,"labels":{${keys.map((k) => `${goString(k)}:${goString(e.labels[k]!)}`).join(',')}}`
      : '';
  return `{"ts":"${goTime(e.ts, off)}"${labels},"msg":${goString(e.msg)}}\n`;
}

/**
 * A capture as the Go original leaves it: single-frame `.jsonl.zst` rotated files indexed without frame
 * tables (label counts, local-offset times), a raw active `.jsonl`, pretty metadata with Go's zero
 * `stopped` while live. Entries keep no `meta` (the original has none).
 */
export function writeOriginalCapture(
  dir: string,
  rotated: CaptureEntry[][],
  active: CaptureEntry[] | undefined,
  startedNs: bigint,
  offsetMinutes = 480,
): void {
  mkdirSync(dir, { recursive: true });
  let index = '';
  let seq = 0;
  const name = (ext: string) => `2024-01-15T103201-${String(seq++).padStart(3, '0')}${ext}`;
  for (const entries of rotated) {
    const text = entries.map((e) => originalLine(e, offsetMinutes)).join('');
    const file = name('.jsonl.zst');
    writeFileSync(path.join(dir, file), compress(Buffer.from(text)));
    const labels: Record<string, Record<string, number>> = {};
    let from = entries[0]!.ts;
    let to = entries[0]!.ts;
    for (const e of entries) {
      for (const [k, v] of Object.entries(e.labels)) {
        labels[k] ??= {};
        labels[k][v] = (labels[k][v] ?? 0) + 1;
      }
      if (e.ts < from) from = e.ts;
      if (e.ts > to) to = e.ts;
    }
    index += `${JSON.stringify({ file, from: goTime(from, offsetMinutes), to: goTime(to, offsetMinutes), lines: entries.length, bytes: Buffer.byteLength(text), labels })}\n`;
  }
  if (active !== undefined) {
    writeFileSync(path.join(dir, name('.jsonl')), active.map((e) => originalLine(e, offsetMinutes)).join(''));
  }
  writeFileSync(path.join(dir, 'index.jsonl'), index);
  const meta = {
    version: 1,
    format: 'jsonl',
    started: goTime(startedNs, offsetMinutes),
    stopped: '0001-01-01T00:00:00Z',
    total_lines: 0,
    total_bytes: 0,
    labels_seen: null,
    redaction: { enabled: true, patterns: ['email', 'jwt'] },
  };
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta, null, 2));
}

/** Entries without meta (the original's schema). */
export function withoutMeta(entries: readonly CaptureEntry[]): CaptureEntry[] {
  return entries.map((e) => ({ ts: e.ts, labels: e.labels, msg: e.msg }));
}

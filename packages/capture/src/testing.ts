/**
 * `@logtap/capture/testing`: helpers for the tests of packages that read captures (not for production
 * code). {@link writeOriginalCapture} writes a capture laid out exactly as the Go original
 * (ppiankov/logtap v1.9.8) does, following /work/shared/reference/original-logtap.md §2: pretty metadata.json with Go's zero `stopped` while live,
 * RFC3339Nano timestamps in the receiver's local offset with trailing zeros trimmed, Go's HTML-safe JSON
 * escaping, labels omitted when empty, rotated files compressed in one shot (single zstd frame), the active
 * file raw `.jsonl`, index lines without frame tables, audit events with `duration_ms` in ns. Files 0644 in
 * a 0755 directory, as the original leaves them.
 */

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compress } from 'zstd-napi';
import type { CaptureEntry } from './entry-codec.js';

/** Go's time.Time MarshalJSON / RFC3339Nano in a fixed offset (minutes east of UTC). */
export function goTime(ns: bigint, offsetMinutes: number): string {
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

/** Go's encoding/json string escaping (HTML-safe: <, >, & and U+2028/9 as \u escapes). */
export function goString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function goLabels(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort(); // Go sorts map keys
  return `{${keys.map((k) => `${goString(k)}:${goString(labels[k]!)}`).join(',')}}`;
}

/** One data line as the original's writer produces it. */
export function originalLine(e: CaptureEntry, offsetMinutes: number): string {
  const labels = Object.keys(e.labels).length > 0 ? `,"labels":${goLabels(e.labels)}` : '';
  return `{"ts":"${goTime(e.ts, offsetMinutes)}"${labels},"msg":${goString(e.msg)}}\n`;
}

function stamp(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

export interface OriginalCaptureSpec {
  /** Entries of each rotated (compressed, indexed) file, in order. */
  rotated: CaptureEntry[][];
  /** Entries of the active raw file (omit for a cleanly stopped capture). */
  active?: CaptureEntry[];
  /** Text appended to the active file after its lines (a torn line after a crash). */
  activeTail?: string;
  /** Receiver's local offset in minutes east of UTC. Default +480 (UTC+08:00). */
  offsetMinutes?: number;
  startedNs: bigint;
  stoppedNs?: bigint;
  redaction?: string[];
}

/** Writes the capture; returns the data file names in order. */
export function writeOriginalCapture(dir: string, spec: OriginalCaptureSpec): string[] {
  const off = spec.offsetMinutes ?? 480;
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const names: string[] = [];
  let index = '';
  let totalLines = 0;
  let totalBytes = 0;
  const seqs = new Map<string, number>();
  const nameFor = (first: CaptureEntry | undefined, ext: string): string => {
    const s = stamp(first?.ts ?? spec.startedNs);
    const n = seqs.get(s) ?? 0;
    seqs.set(s, n + 1);
    return `${s}-${String(n).padStart(3, '0')}${ext}`;
  };
  for (const entries of spec.rotated) {
    const text = entries.map((e) => originalLine(e, off)).join('');
    const name = nameFor(entries[0], '.jsonl.zst');
    writeFileSync(path.join(dir, name), compress(Buffer.from(text)), { mode: 0o640 });
    names.push(name);
    const labels: Record<string, Record<string, number>> = {};
    for (const e of entries) {
      for (const [k, v] of Object.entries(e.labels)) {
        labels[k] ??= {};
        labels[k][v] = (labels[k][v] ?? 0) + 1;
      }
    }
    let from = entries[0]!.ts;
    let to = entries[0]!.ts;
    for (const e of entries) {
      if (e.ts < from) from = e.ts;
      if (e.ts > to) to = e.ts;
    }
    const labelPart = Object.keys(labels).length > 0 ? `,"labels":${JSON.stringify(labels)}` : '';
    index += `{"file":"${name}","from":"${goTime(from, off)}","to":"${goTime(to, off)}","lines":${entries.length},"bytes":${Buffer.byteLength(text)}${labelPart}}\n`;
    totalLines += entries.length;
    totalBytes += Buffer.byteLength(text);
  }
  if (spec.active !== undefined) {
    const text = spec.active.map((e) => originalLine(e, off)).join('') + (spec.activeTail ?? '');
    const name = nameFor(spec.active[0], '.jsonl');
    writeFileSync(path.join(dir, name), text, { mode: 0o644 });
    names.push(name);
  }
  writeFileSync(path.join(dir, 'index.jsonl'), index, { mode: 0o644 });
  const meta: Record<string, unknown> = {
    version: 1,
    format: 'jsonl',
    started: goTime(spec.startedNs, off),
    stopped: spec.stoppedNs === undefined ? '0001-01-01T00:00:00Z' : goTime(spec.stoppedNs, off),
    // The original sets totals only at a clean shutdown.
    total_lines: spec.stoppedNs === undefined ? 0 : totalLines,
    total_bytes: spec.stoppedNs === undefined ? 0 : totalBytes,
    labels_seen: null,
  };
  if (spec.redaction !== undefined) meta['redaction'] = { enabled: true, patterns: spec.redaction };
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta, null, 2), { mode: 0o600 });
  const audit = [
    { timestamp: goTime(spec.startedNs, off), event: 'server_started' },
    {
      timestamp: goTime(spec.startedNs + 1_000_000_000n, off),
      event: 'loki_push_received',
      remote_ip: '10.0.0.7',
      lines: 100,
      bytes: 12345,
      duration_ms: 1234567,
    },
  ];
  writeFileSync(path.join(dir, 'audit.jsonl'), audit.map((a) => `${JSON.stringify(a)}\n`).join(''), {
    mode: 0o600,
  });
  return names;
}

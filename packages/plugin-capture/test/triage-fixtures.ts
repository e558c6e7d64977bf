/**
 * Fixtures of the triage and diff tests: a deterministic generated load-test stream (four services, a
 * mix of JSON, logfmt, access-log and plain lines, ~1% background errors) with an optional injected
 * incident, written as a real multi-file, multi-frame capture; and a runner for the built CLI.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaptureEntry, CaptureWriter } from '@logtap/capture';

/** 2026-03-05T14:32:00Z, minute-aligned so injected minutes are bucket starts. */
export const T0 = 1_772_721_120_000_000_000n;
export const MINUTE = 60_000_000_000n;

const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/run.js');

/** mulberry32: a seeded PRNG, so every run generates the same capture. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Incident {
  startMinute: number;
  minutes: number;
  perMinute: number;
  service: string;
  /** `{n}` is replaced by a varying number. */
  message: string;
}

export interface StreamSpec {
  seed?: number;
  minutes: number;
  perMinute: number;
  incident?: Incident;
  /** Extra label on every line (e.g. a run id), to test label-key diffs. */
  extraLabel?: [string, string];
  /** Background error share. Default 0.01. */
  errorShare?: number;
}

const SERVICES = ['checkout', 'cart', 'payments', 'frontend'];
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const BACKGROUND: ((r: () => number) => string)[] = [
  (r) => `GET /api/cart/${Math.floor(r() * 1e6)} HTTP/1.1 200 ${Math.floor(r() * 90) + 3}ms`,
  (r) =>
    `{"level":"info","msg":"order placed","order_id":"${Math.floor(r() * 1e9).toString(16)}","items":${Math.floor(r() * 9) + 1}}`,
  (r) => `level=info msg="cache refreshed" keys=${Math.floor(r() * 5000)} took=${(r() * 2).toFixed(3)}s`,
  (r) => `INFO worker ${Math.floor(r() * 16)} picked job ${Math.floor(r() * 1e7)}`,
  (r) => `user ${NAMES[Math.floor(r() * NAMES.length)]} logged in from 10.0.${Math.floor(r() * 255)}.7`,
  (r) => `completed batch ${Math.floor(r() * 1e5)}: 0 errors, ${Math.floor(r() * 100)} items`,
];
const BACKGROUND_ERRORS: ((r: () => number) => string)[] = [
  (r) => `ERROR payment provider returned 502 after ${Math.floor(r() * 3000)}ms`,
  (r) => `{"level":"error","msg":"inventory lookup failed","sku":"S${Math.floor(r() * 1e5)}"}`,
];

/** The stream in timestamp order. */
export function generateEntries(spec: StreamSpec): CaptureEntry[] {
  const r = rng(spec.seed ?? 1);
  const errorShare = spec.errorShare ?? 0.01;
  const out: CaptureEntry[] = [];
  const labelsOf = new Map<string, Record<string, string>>();
  const labels = (service: string, pod: number) => {
    const key = `${service}/${pod}`;
    let l = labelsOf.get(key);
    if (!l) {
      l = { app: service, namespace: 'shop', pod: `${service}-7d9f-${pod}` };
      if (spec.extraLabel) l[spec.extraLabel[0]] = spec.extraLabel[1];
      labelsOf.set(key, l);
    }
    return l;
  };
  for (let m = 0; m < spec.minutes; m++) {
    const n = Math.round(spec.perMinute * (0.9 + r() * 0.2));
    for (let i = 0; i < n; i++) {
      const ts = T0 + BigInt(m) * MINUTE + BigInt(Math.floor(r() * 60_000_000)) * 1000n;
      const service = SERVICES[Math.floor(r() * SERVICES.length)]!;
      const gen =
        r() < errorShare
          ? BACKGROUND_ERRORS[Math.floor(r() * BACKGROUND_ERRORS.length)]!
          : BACKGROUND[Math.floor(r() * BACKGROUND.length)]!;
      out.push({ ts, labels: labels(service, Math.floor(r() * 3)), msg: gen(r) });
    }
    const b = spec.incident;
    if (b && m >= b.startMinute && m < b.startMinute + b.minutes) {
      for (let i = 0; i < b.perMinute; i++) {
        const ts = T0 + BigInt(m) * MINUTE + BigInt(Math.floor(r() * 60_000_000)) * 1000n;
        out.push({
          ts,
          labels: labels(b.service, 0),
          msg: b.message.replace('{n}', String(Math.floor(r() * 1e4))),
        });
      }
    }
  }
  out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  return out;
}

/** A temporary directory holding nothing yet; `rm()` removes it. */
export async function tempDir(): Promise<{ dir: string; rm: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'logtap-triage-'));
  return { dir, rm: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Writes a closed capture at `dir`: small files (several per test capture) and small frames, so both
 * the across-files and within-file (frame table) splits of --jobs are exercised.
 */
export async function writeCapture(
  dir: string,
  entries: readonly CaptureEntry[],
  opts: { maxFileBytes?: number; keepOpen?: boolean } = {},
): Promise<CaptureWriter> {
  const w = await CaptureWriter.open(dir, {
    worker: false,
    maxFileBytes: opts.maxFileBytes ?? 768 << 10,
    flushBytes: 32 << 10,
    seekBytes: 64 << 10,
    minFreeBytes: 0,
  });
  for (let i = 0; i < entries.length; i += 1000) {
    while (!w.append(entries.slice(i, i + 1000))) await w.flush();
  }
  if (!opts.keepOpen) await w.close();
  else await w.flush();
  return w;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built plugin's CLI (`node bin/run.js ...args`). */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

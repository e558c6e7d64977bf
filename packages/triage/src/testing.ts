/**
 * `@logtap/triage/testing`: deterministic synthetic log streams for tests and benchmarks (this package's
 * and the triage command's): a few services logging a steady mix of realistic lines (JSON, logfmt,
 * access-log and plain text, about 1% background errors), with an optional injected incident (a burst of
 * one error message) whose start minute a report must find.
 */
import type { TriageEntry } from './engine.js';

/** mulberry32: a tiny seeded PRNG, so generated streams are identical on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BurstSpec {
  /** Minute (from the start) the burst begins. */
  startMinute: number;
  minutes: number;
  /** Extra lines per minute during the burst. */
  perMinute: number;
  service: string;
  /** Message; `{n}` is replaced by a varying number. */
  message: string;
}

export interface StreamSpec {
  seed?: number;
  /** First timestamp (ns). */
  start?: bigint;
  minutes: number;
  /** Background lines per minute. */
  perMinute: number;
  burst?: BurstSpec;
  /** Background error share (0..1). Default 0.01. */
  errorShare?: number;
  /** An extra label on every line (e.g. a run id), for label-key diffs. */
  extraLabel?: [string, string];
}

const SERVICES = ['checkout', 'cart', 'payments', 'frontend'];
const BACKGROUND: ((r: () => number) => string)[] = [
  (r) => `GET /api/cart/${Math.floor(r() * 1e6)} 200 ${Math.floor(r() * 90) + 3}ms`,
  (r) =>
    `{"level":"info","msg":"order placed","order_id":"${Math.floor(r() * 1e9).toString(16)}","items":${Math.floor(r() * 9) + 1}}`,
  (r) => `level=info msg="cache refreshed" keys=${Math.floor(r() * 5000)} took=${(r() * 2).toFixed(3)}s`,
  (r) => `2024-05-01T10:00:00Z INFO worker ${Math.floor(r() * 16)} picked job ${Math.floor(r() * 1e7)}`,
  (r) =>
    `user ${['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj'][Math.floor(r() * 12)]} logged in from 10.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`,
  (r) => `completed batch ${Math.floor(r() * 1e5)}: 0 errors, ${Math.floor(r() * 100)} items`,
];
const BACKGROUND_ERRORS: ((r: () => number) => string)[] = [
  (r) => `ERROR payment provider returned 502 after ${Math.floor(r() * 3000)}ms`,
  (r) => `{"level":"error","msg":"inventory lookup failed","sku":"S${Math.floor(r() * 1e5)}"}`,
];

/** Generates the stream in timestamp order (callers shuffle or split it as they need). */
export function generateStream(spec: StreamSpec): TriageEntry[] {
  const r = rng(spec.seed ?? 1);
  const start = spec.start ?? 1_714_557_600_000_000_000n; // 2024-05-01T10:00:00Z
  const errorShare = spec.errorShare ?? 0.01;
  const out: TriageEntry[] = [];
  const minuteNs = 60_000_000_000n;
  // One labels object per stream, as a capture reader hands them out.
  const streams = new Map<string, Record<string, string>>();
  const labels = (service: string, pod: number): Record<string, string> => {
    const key = `${service}/${pod}`;
    let l = streams.get(key);
    if (!l) {
      l = { app: service, namespace: 'shop', pod: `${service}-7d9f-${pod}` };
      if (spec.extraLabel) l[spec.extraLabel[0]] = spec.extraLabel[1];
      streams.set(key, l);
    }
    return l;
  };
  for (let m = 0; m < spec.minutes; m++) {
    const n = Math.round(spec.perMinute * (0.9 + r() * 0.2));
    for (let i = 0; i < n; i++) {
      const ts = start + BigInt(m) * minuteNs + BigInt(Math.floor(r() * 60_000_000)) * 1000n;
      const service = SERVICES[Math.floor(r() * SERVICES.length)]!;
      const gen =
        r() < errorShare
          ? BACKGROUND_ERRORS[Math.floor(r() * BACKGROUND_ERRORS.length)]!
          : BACKGROUND[Math.floor(r() * BACKGROUND.length)]!;
      out.push({ ts, labels: labels(service, Math.floor(r() * 3)), msg: gen(r) });
    }
    const b = spec.burst;
    if (b && m >= b.startMinute && m < b.startMinute + b.minutes) {
      for (let i = 0; i < b.perMinute; i++) {
        const ts = start + BigInt(m) * minuteNs + BigInt(Math.floor(r() * 60_000_000)) * 1000n;
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

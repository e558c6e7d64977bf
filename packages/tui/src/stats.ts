/** What a live source reports; counters are cumulative since the receiver started. */
export interface LiveStats {
  /** Push requests being processed right now. */
  inFlight: number;
  /** Lines accepted. */
  lines: number;
  /** Bytes of accepted line text. */
  bytes: number;
  /** Lines dropped (queue full, disk cap, rejected), all reasons. */
  dropped: number;
  /** Bytes the capture uses on disk. */
  diskBytes: number;
  /** Disk cap of the capture, when set. */
  diskCapBytes?: number | undefined;
  redaction: { enabled: boolean; rules?: readonly string[] | undefined; hits?: number | undefined };
  /** Cumulative lines per service label (see serviceOf); when absent the view counts the lines it sees. */
  services?: ReadonlyMap<string, number> | undefined;
  /**
   * A remote source's link (e.g. a receiver in a cluster, polled through a port-forward): shown on the
   * logs rule, in red when down. `ok: false` means the counters shown are the last ones received.
   */
  connection?: { ok: boolean; text: string } | undefined;
}

interface Sample {
  t: number;
  lines: number;
  bytes: number;
  services: ReadonlyMap<string, number>;
}

/** Rates over a sliding window of samples, plus top talkers. */
export interface StatsModel {
  readonly windowMs: number;
  readonly samples: readonly Sample[];
  readonly latest: LiveStats | undefined;
  /** Lines per service counted from the lines the view received (used when the source has no counts). */
  readonly seen: ReadonlyMap<string, number>;
}

export function createStats(windowMs = 5000): StatsModel {
  return { windowMs, samples: [], latest: undefined, seen: new Map() };
}

/** Counts lines per service from lines the view received (fallback for sources without `services`). */
export function countSeen(m: StatsModel, services: readonly string[]): StatsModel {
  if (services.length === 0) return m;
  const seen = new Map(m.seen);
  for (const s of services) seen.set(s, (seen.get(s) ?? 0) + 1);
  return { ...m, seen };
}

/** Adds a sample; keeps the samples of the window plus one older, so rates span the whole window. */
export function sample(m: StatsModel, stats: LiveStats, now: number): StatsModel {
  // Copied: a source may hand out the live map it keeps updating.
  const services = stats.services ? new Map(stats.services) : m.seen;
  const samples = [...m.samples, { t: now, lines: stats.lines, bytes: stats.bytes, services }];
  let drop = 0;
  while (drop < samples.length - 2 && samples[drop + 1]!.t <= now - m.windowMs) drop++;
  return { ...m, samples: samples.slice(drop), latest: stats };
}

export interface Rates {
  linesPerSec: number;
  bytesPerSec: number;
}

export function rates(m: StatsModel): Rates {
  const a = m.samples[0];
  const b = m.samples[m.samples.length - 1];
  if (!a || !b || b.t <= a.t) return { linesPerSec: 0, bytesPerSec: 0 };
  const dt = (b.t - a.t) / 1000;
  return {
    linesPerSec: Math.max(0, (b.lines - a.lines) / dt),
    bytesPerSec: Math.max(0, (b.bytes - a.bytes) / dt),
  };
}

export interface Talker {
  service: string;
  /** Lines per second over the window. */
  rate: number;
  total: number;
}

/** The `n` services with the highest recent rate (ties: higher total, then name). */
export function topTalkers(m: StatsModel, n: number): Talker[] {
  const a = m.samples[0];
  const b = m.samples[m.samples.length - 1];
  if (!b) return [];
  const dt = a && b.t > a.t ? (b.t - a.t) / 1000 : 0;
  const out: Talker[] = [];
  for (const [service, total] of b.services) {
    const before = a?.services.get(service) ?? 0;
    out.push({ service, total, rate: dt > 0 ? Math.max(0, (total - before) / dt) : 0 });
  }
  out.sort(
    (x, y) =>
      y.rate - x.rate || y.total - x.total || (x.service < y.service ? -1 : x.service > y.service ? 1 : 0),
  );
  return out.slice(0, n);
}

/** 1234567 → "1.2M"; small numbers as integers. */
export function formatCount(n: number): string {
  if (n < 1000) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  const units = ['k', 'M', 'G', 'T'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

/** Bytes in binary units: 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

import type { TuiEntry } from './line.js';
import { serviceOf } from './service.js';

/**
 * The columns of a batch of serialised capture lines that {@link RecentLines} reads: structurally
 * @logtap/capture's `EncodedBatch` (JSONL bytes, line ends, time as seconds + nanoseconds, a label-set
 * index per line and the label sets as canonical JSON). Declared here so the view does not depend on the
 * capture package.
 */
export interface EncodedLines {
  readonly n: number;
  /** The JSONL bytes of the n lines, each `{"ts":…,"labels":…,"msg":"…"[,"meta":…]}\n`. */
  readonly data: Uint8Array;
  /** `ends[i]`: offset in `data` just past line i's newline. */
  readonly ends: Uint32Array;
  readonly sec: Float64Array;
  readonly nsec: Uint32Array;
  /** Line i's label set: an index into `labelSets`. */
  readonly sets: Uint32Array;
  readonly labelSets: readonly string[];
}

/**
 * What {@link RecentLines.sampleEncoded} keeps of a batch: its line count per label set and a copy of its
 * newest lines. It owns its memory, so the batch may be handed on (and its buffers moved to another
 * thread) right after; {@link RecentLines.offerSample} then publishes it.
 */
export interface EncodedSample {
  /** Lines of the whole batch. */
  readonly lines: number;
  /** Label sets (canonical JSON) with how many lines of the batch carry each. */
  readonly labelSets: readonly string[];
  readonly setCounts: Uint32Array;
  /** The copied newest lines: `n` of them, oldest first. */
  readonly n: number;
  readonly data: Uint8Array;
  /** End of each copied line in `data` (relative to the copy). */
  readonly ends: Uint32Array;
  readonly sec: Float64Array;
  readonly nsec: Uint32Array;
  /** Index into `labelSets` per copied line. */
  readonly sets: Uint32Array;
}

export interface RecentLinesOptions {
  /** Lines of offered entry batches that may wait for the view (default 100,000). */
  maxPending?: number;
  /**
   * Newest lines copied out of each encoded batch, and about the most that wait for the view (default
   * 256: more than a log pane shows; the view keeps every line when traffic is slower than that per tick).
   */
  sampleLines?: number;
  /** Bytes of copied lines that may wait for the view (default 1 MiB; the newest line is always kept). */
  sampleBytes?: number;
  /** Distinct services counted by name; lines of any further service count under `(other)` (default 10,000). */
  maxServices?: number;
  /** Label sets whose parsed labels and service are cached (default 4,096; the cache restarts when full). */
  maxCachedLabelSets?: number;
}

/** The service name lines of services beyond `maxServices` count under. */
export const OTHER_SERVICES = '(other)';

type Chunk =
  | { kind: 'entries'; lines: number; bytes: 0; entries: readonly TuiEntry[] }
  | { kind: 'sample'; lines: number; bytes: number; sample: EncodedSample };

interface LabelInfo {
  labels: Readonly<Record<string, string>>;
  service: string;
}

const NS_PER_SEC = 1_000_000_000n;
const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The hand-off between a receiver and the live view. The view calls `drainRecent` a few times a second:
 * it returns the newest lines and keeps per-service line counts for the top talkers. The receiver hands
 * over what it accepts in one of two forms, both cheap on its hot path:
 *
 * - `offer(entries)`: a batch of decoded entries, kept by reference (O(1), no copy); lines are counted
 *   per service when the view drains them. Batches waiting beyond `maxPending` lines are counted and
 *   released.
 * - `sampleEncoded(batch)` + `offerSample(sample)` (or `offerEncoded(batch)`): a batch of serialised
 *   lines about to be moved to the capture writer's thread. Only O(label sets) + O(sample) work is done
 *   on the caller's thread: lines per label set from the batch's `sets` column, and a copy of the bytes
 *   of its newest `sampleLines` lines, decoded into entries only when the view drains them.
 *
 * Memory stays bounded when the view stalls: at most about `maxPending` entries or `sampleLines` copied
 * lines (and `sampleBytes`) wait; older ones are counted and released.
 */
export class RecentLines {
  private chunks: Chunk[] = [];
  private pending = 0;
  private pendingBytes = 0;
  private readonly counts = new Map<string, number>();
  private labelCache = new Map<string, LabelInfo>();
  /** Lines offered but never shown (the view only shows the newest of each drain). */
  skipped = 0;
  readonly maxPending: number;
  readonly sampleLines: number;
  readonly sampleBytes: number;
  readonly maxServices: number;
  readonly maxCachedLabelSets: number;

  constructor(opts: RecentLinesOptions = {}) {
    this.maxPending = Math.max(1, opts.maxPending ?? 100_000);
    this.sampleLines = Math.max(1, opts.sampleLines ?? 256);
    this.sampleBytes = Math.max(1, opts.sampleBytes ?? 1024 * 1024);
    this.maxServices = Math.max(1, opts.maxServices ?? 10_000);
    this.maxCachedLabelSets = Math.max(1, opts.maxCachedLabelSets ?? 4096);
  }

  /** Hands over a batch of accepted entries (kept by reference: do not mutate it afterwards). */
  offer(entries: readonly TuiEntry[]): void {
    if (entries.length === 0) return;
    this.chunks.push({ kind: 'entries', lines: entries.length, bytes: 0, entries });
    this.pending += entries.length;
    this.evict(this.maxPending, Number.POSITIVE_INFINITY);
  }

  /**
   * Counts the lines of a serialised batch per label set and copies its newest lines; the batch is not
   * referred to afterwards (it may be transferred). Publish the result with {@link offerSample} once the
   * batch is accepted, or drop it if it is refused.
   */
  sampleEncoded(batch: EncodedLines): EncodedSample {
    const n = batch.n;
    const labelSets = batch.labelSets.slice();
    const m = labelSets.length;
    const setCounts = new Uint32Array(m);
    // A typed-array histogram over the sets column: the only per-line work, a few instructions a line.
    const sets = batch.sets;
    for (let i = 0; i < n; i++) setCounts[sets[i]!]!++;
    if (n === 0) return emptySample(labelSets, setCounts);
    const ends = batch.ends;
    const end = ends[n - 1]!;
    let first = Math.max(0, n - this.sampleLines);
    let start = first === 0 ? 0 : ends[first - 1]!;
    // Stay within the byte budget, keeping at least the newest line.
    while (end - start > this.sampleBytes && first < n - 1) start = ends[first++]!;
    const k = n - first;
    const rel = new Uint32Array(k);
    for (let i = 0; i < k; i++) rel[i] = ends[first + i]! - start;
    return {
      lines: n,
      labelSets,
      setCounts,
      n: k,
      data: batch.data.slice(start, end),
      ends: rel,
      sec: batch.sec.slice(first, n),
      nsec: batch.nsec.slice(first, n),
      sets: batch.sets.slice(first, n),
    };
  }

  /** Publishes a sample taken by {@link sampleEncoded}: counts its lines per service, queues its lines. */
  offerSample(sample: EncodedSample): void {
    if (sample.lines === 0) return;
    const { labelSets, setCounts } = sample;
    for (let s = 0; s < labelSets.length; s++) {
      const c = setCounts[s]!;
      if (c > 0) this.add(this.labelInfo(labelSets[s]!).service, c);
    }
    this.skipped += sample.lines - sample.n;
    const bytes = sample.data.length;
    this.chunks.push({ kind: 'sample', lines: sample.n, bytes, sample });
    this.pending += sample.n;
    this.pendingBytes += bytes;
    this.evict(this.sampleLines, this.sampleBytes);
  }

  /** `offerSample(sampleEncoded(batch))`: for a batch that is already accepted and still readable. */
  offerEncoded(batch: EncodedLines): void {
    this.offerSample(this.sampleEncoded(batch));
  }

  /** Counts the waiting lines and returns up to `max` of the newest, oldest first. */
  drainRecent(max: number): TuiEntry[] {
    const chunks = this.chunks;
    this.chunks = [];
    this.pending = 0;
    this.pendingBytes = 0;
    const out: TuiEntry[] = [];
    for (let c = chunks.length - 1; c >= 0; c--) {
      const chunk = chunks[c]!;
      if (chunk.kind === 'entries') {
        const batch = chunk.entries;
        this.count(batch);
        for (let i = batch.length - 1; i >= 0; i--) {
          if (out.length < max) out.push(batch[i]!);
          else this.skipped++;
        }
      } else {
        const s = chunk.sample;
        let i = s.n - 1;
        for (; i >= 0 && out.length < max; i--) out.push(this.decode(s, i));
        this.skipped += i + 1;
      }
    }
    return out.reverse();
  }

  /** Lines (and bytes of copied lines) waiting for the view. */
  get waiting(): { lines: number; bytes: number } {
    return { lines: this.pending, bytes: this.pendingBytes };
  }

  /** Cumulative lines per service (serviceOf), for LiveStats.services. */
  services(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /** Releases the oldest chunks while the rest alone reach either bound (so the newest are kept). */
  private evict(maxLines: number, maxBytes: number): void {
    const chunks = this.chunks;
    let drop = 0;
    while (
      drop < chunks.length - 1 &&
      (this.pending - chunks[drop]!.lines >= maxLines || this.pendingBytes - chunks[drop]!.bytes >= maxBytes)
    ) {
      const chunk = chunks[drop++]!;
      this.pending -= chunk.lines;
      this.pendingBytes -= chunk.bytes;
      if (chunk.kind === 'entries') this.count(chunk.entries);
      this.skipped += chunk.lines;
    }
    if (drop > 0) chunks.splice(0, drop);
  }

  private count(batch: readonly TuiEntry[]): void {
    let last: Readonly<Record<string, string>> | undefined;
    let svc = '';
    let run = 0;
    for (const e of batch) {
      // Entries of one stream share their labels object: skip recomputing the service for a run of them.
      if (e.labels !== last) {
        if (run > 0) this.add(svc, run);
        last = e.labels;
        svc = serviceOf(e.labels);
        run = 0;
      }
      run++;
    }
    if (run > 0) this.add(svc, run);
  }

  private add(service: string, lines: number): void {
    const counts = this.counts;
    const had = counts.get(service);
    if (had !== undefined) counts.set(service, had + lines);
    else if (counts.size < this.maxServices) counts.set(service, lines);
    else counts.set(OTHER_SERVICES, (counts.get(OTHER_SERVICES) ?? 0) + lines);
  }

  /** Parsed labels and service of a label set's JSON, cached (bounded) across batches. */
  private labelInfo(json: string): LabelInfo {
    let info = this.labelCache.get(json);
    if (info === undefined) {
      let labels = EMPTY_LABELS;
      try {
        const parsed: unknown = JSON.parse(json);
        if (parsed !== null && typeof parsed === 'object')
          labels = Object.freeze(parsed as Record<string, string>);
      } catch {
        // Not JSON (cannot come from a capture writer's batch): shown without labels.
      }
      info = { labels, service: serviceOf(labels) };
      if (this.labelCache.size >= this.maxCachedLabelSets) this.labelCache = new Map();
      this.labelCache.set(json, info);
    }
    return info;
  }

  /** Line i of a sample as an entry (JSON.parse of its bytes: escapes and UTF-8 as the writer made them). */
  private decode(s: EncodedSample, i: number): TuiEntry {
    const from = i === 0 ? 0 : s.ends[i - 1]!;
    const text = Buffer.from(s.data.buffer, s.data.byteOffset + from, s.ends[i]! - from).toString('utf8');
    let msg: string;
    try {
      const parsed = JSON.parse(text) as { msg?: unknown };
      msg = typeof parsed.msg === 'string' ? parsed.msg : text.trimEnd();
    } catch {
      msg = text.trimEnd();
    }
    return {
      ts: BigInt(s.sec[i]!) * NS_PER_SEC + BigInt(s.nsec[i]!),
      labels: this.labelInfo(s.labelSets[s.sets[i]!] ?? '{}').labels,
      msg,
    };
  }
}

function emptySample(labelSets: readonly string[], setCounts: Uint32Array): EncodedSample {
  return {
    lines: 0,
    labelSets,
    setCounts,
    n: 0,
    data: new Uint8Array(0),
    ends: new Uint32Array(0),
    sec: new Float64Array(0),
    nsec: new Uint32Array(0),
    sets: new Uint32Array(0),
  };
}

/**
 * The streaming half of triage: a per-entry accumulator whose partial states merge exactly.
 *
 * Every statistic kept is an order-free aggregate (sums, minima, maxima, the k smallest examples by
 * `(ts, line)`), keyed by values that are pure functions of one entry (the masked token sequence, the
 * time bucket `floor(ts / window)`, the service, the labels). So the state after pushing a stream is
 * the same whether the stream was pushed whole, or split into chunks pushed into separate
 * accumulators (worker threads, zstd frames) and merged in any order. Template mining (Drain, which
 * is order-sensitive) runs only afterwards, on the distinct sequences ordered by first-seen time: see
 * `buildReport`.
 *
 * Memory is bounded by `maxSignatures` distinct sequences. Past it the table coarsens: level 1 keeps
 * the first 12 tokens of every sequence plus its length, level 2 the first 6, level 3 the first 3,
 * level 4 the first token, level 5 the length only. The level reached is the smallest whose number
 * of distinct keys over the whole input fits, whatever the split, so merged results stay identical.
 */
import { TriageMergeError, TriageOptionError } from './errors.js';
import { LineInspector } from './line.js';
import { buildKey, type KeyRuns, keyRuns, runsMatch, scanTokens, tokensHash, tokensMatch } from './mask.js';
import { serviceOf } from './service.js';
import { LEVELS, SEVERITY_REASONS } from './severity.js';
import { floorDiv, NS_PER_MINUTE } from './time.js';

/** One log entry: the shape of @logtap/capture's `CaptureEntry` (extra fields are ignored). */
export interface TriageEntry {
  /** Nanoseconds since the Unix epoch. */
  ts: bigint;
  labels: Readonly<Record<string, string>>;
  msg: string;
}

export interface EngineOptions {
  /** Bucket width for all time series, in ns. Default 60 s. */
  windowNs?: bigint;
  /** Distinct masked sequences kept before the table coarsens. Default 20,000 (min 100). */
  maxSignatures?: number;
  /** Example lines kept per sequence (the earliest by time, then text). Default 3. */
  examples?: number;
}

export interface Example {
  ts: bigint;
  service: string;
  line: string;
}

/** Per-level line counts, indexed like {@link LEVELS}. */
export type LevelCounts = number[];

export interface SignatureState {
  key: string;
  tokens: string[];
  lines: number;
  errors: number;
  levels: LevelCounts;
  firstTs: bigint;
  lastTs: bigint;
  /** [bucket, lines, errors] sorted by bucket. */
  buckets: [number, number, number][];
  /** [serviceKey, lines, errors] sorted by key. */
  services: [string, number, number][];
  examples: Example[];
}

export interface ServiceState {
  /** `labelKey=name`. */
  id: string;
  labelKey: string;
  name: string;
  lines: number;
  errors: number;
  warnings: number;
  bytes: number;
  firstTs: bigint;
  lastTs: bigint;
  firstErrorTs: bigint | null;
}

/** A plain, structured-clone-able snapshot of an accumulator (what a worker posts back). */
export interface TriageState {
  version: 1;
  windowNs: bigint;
  maxSignatures: number;
  examples: number;
  level: number;
  lines: number;
  bytes: number;
  errors: number;
  warnings: number;
  minTs: bigint | null;
  maxTs: bigint | null;
  levels: LevelCounts;
  /** Severity rule → lines decided by it, sorted by rule. */
  reasons: [string, number][];
  /** [bucket, lines, errors, warnings] sorted by bucket. */
  timeline: [number, number, number, number][];
  services: ServiceState[];
  /** [labelKey, [[value, lines, errors]...]] sorted. */
  labels: [string, [string, number, number][]][];
  signatures: SignatureState[];
}

const MAX_LEVEL = 5;
const COARSE_PREFIX = [Number.POSITIVE_INFINITY, 12, 6, 3, 1, 0];
/** Lines longer than this are mined from their first part only (Loki caps at 3000 too). */
const MAX_MINED_CHARS = 4000;
const MAX_EXAMPLE_CHARS = 2000;
const ERROR_INDEX = LEVELS.indexOf('error');
const FATAL_INDEX = LEVELS.indexOf('fatal');
const WARN_INDEX = LEVELS.indexOf('warn');
const REASON_INDEX = new Map(SEVERITY_REASONS.map((r, i) => [r as string, i]));

interface Sig {
  key: string;
  tokens: string[];
  lines: number;
  errors: number;
  levels: LevelCounts;
  firstTs: bigint;
  lastTs: bigint;
  /**
   * Lines and errors per time bucket, as small integers in Maps (no object per cell: with hundreds of
   * templates over hours these cells were most of what survived into the old generation, and the
   * collector's full GCs followed them). Errors only where there are some. The bucket pushed last is
   * counted in `curLines`/`curErrors` and added here when another bucket comes (see flushBucket).
   */
  bucketLines: Map<number, number>;
  bucketErrors: Map<number, number>;
  curBucket: number;
  curLines: number;
  curErrors: number;
  services: Map<string, [number, number]>;
  examples: Example[];
  /** The cell of the service pushed last: consecutive lines of a template mostly share it. */
  lastService: string;
  lastServiceCell: [number, number] | undefined;
  /** The next signature whose masked sequence has the same hash (see #byHash). */
  nextSameHash: Sig | undefined;
  /** Runs of plain tokens of `tokens`, for the fast comparison with a line (made when first chained). */
  runs: KeyRuns | undefined;
}

/** What the engine caches per label set: its service record and its label-value counters. */
interface Stream {
  service: ServiceState;
  /** [lines, errors] cells of each label key=value of the set, in the accumulator's label maps. */
  cells: [number, number][];
}

interface Bucket {
  lines: number;
  errors: number;
  warnings: number;
}

/** Adds `lines`/`errors` to bucket `k` of a signature's series. */
function addToBucket(sig: Sig, k: number, lines: number, errors: number): void {
  sig.bucketLines.set(k, (sig.bucketLines.get(k) ?? 0) + lines);
  if (errors > 0) sig.bucketErrors.set(k, (sig.bucketErrors.get(k) ?? 0) + errors);
}

/** Moves the counts of the signature's current bucket into its series. */
function flushBucket(sig: Sig): void {
  if (sig.curLines > 0) addToBucket(sig, sig.curBucket, sig.curLines, sig.curErrors);
  sig.curLines = 0;
  sig.curErrors = 0;
}

function newSig(key: string, tokens: string[], firstTs: bigint, lastTs: bigint): Sig {
  return {
    key,
    tokens,
    lines: 0,
    errors: 0,
    levels: LEVELS.map(() => 0),
    firstTs,
    lastTs,
    bucketLines: new Map(),
    bucketErrors: new Map(),
    curBucket: Number.NaN,
    curLines: 0,
    curErrors: 0,
    services: new Map(),
    examples: [],
    lastService: '',
    lastServiceCell: undefined,
    nextSameHash: undefined,
    runs: undefined,
  };
}

/** The token sequence of a key (tokens never hold a space; the empty key is the empty sequence). */
function keyTokens(key: string): string[] {
  return key === '' ? [] : key.split(' ');
}

/** Applies coarsening `level` to a (level 0) token sequence; a function of the previous level too. */
export function coarsenTokens(tokens: readonly string[], level: number): string[] {
  if (level <= 0) return tokens as string[];
  // A coarse sequence ends with a `<len:N>` marker holding the original length.
  const last = tokens[tokens.length - 1];
  let body = tokens;
  let marker = `<len:${tokens.length > 64 ? '64+' : tokens.length}>`;
  if (last?.startsWith('<len:')) {
    body = tokens.slice(0, -1);
    marker = last;
  }
  const keep = COARSE_PREFIX[Math.min(level, MAX_LEVEL)]!;
  return [...body.slice(0, keep), marker];
}

function insertExample(list: Example[], ex: Example, max: number): void {
  // Keep the `max` smallest by (ts, line, service): a total order, so merges are order-free.
  let i = list.length;
  while (i > 0 && compareExample(list[i - 1]!, ex) > 0) i--;
  if (i >= max) return;
  const prev = list[i - 1];
  if (prev && compareExample(prev, ex) === 0) return;
  list.splice(i, 0, ex);
  if (list.length > max) list.length = max;
}

function compareExample(a: Example, b: Example): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.line !== b.line) return a.line < b.line ? -1 : 1;
  return a.service < b.service ? -1 : a.service > b.service ? 1 : 0;
}

function byKey<T>(a: [string, ...T[]], b: [string, ...T[]]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function minTs(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function maxTs(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/**
 * Accumulates entries for a triage report. Push entries (any order), merge other accumulators or
 * their {@link TriageState} snapshots, then hand {@link snapshot} to `buildReport`.
 */
export class TriageAccumulator {
  readonly windowNs: bigint;
  readonly maxSignatures: number;
  readonly maxExamples: number;
  #level = 0;
  #lines = 0;
  #bytes = 0;
  #errors = 0;
  #warnings = 0;
  #minTs: bigint | null = null;
  #maxTs: bigint | null = null;
  readonly #levels: LevelCounts = LEVELS.map(() => 0);
  /** Lines per severity rule, indexed like SEVERITY_REASONS (merged states may add unknown rules). */
  readonly #reasonCounts: number[] = SEVERITY_REASONS.map(() => 0);
  readonly #otherReasons = new Map<string, number>();
  readonly #timeline = new Map<number, Bucket>();
  readonly #services = new Map<string, ServiceState>();
  readonly #labels = new Map<string, Map<string, [number, number]>>();
  #sigs = new Map<string, Sig>();
  /**
   * Level-0 signatures by the hash of their masked sequence (chained through `nextSameHash`): a line
   * finds its signature without building its key string (see mask.ts, scanTokens). Signatures that
   * arrived by a merge are linked when a line first reaches them through the key.
   */
  #byHash = new Map<number, Sig>();
  /** labelKey → service name → record: avoids building the id string per line. */
  readonly #serviceIndex = new Map<string, Map<string, ServiceState>>();
  /**
   * Per label set (readers share one frozen object per stream): its service and label counters, so a
   * line costs one identity lookup instead of a few string-keyed map lookups per label.
   */
  #streams = new WeakMap<object, Stream>();
  #lastLabels: object | undefined;
  #lastStream: Stream | undefined;
  readonly #inspector = new LineInspector();
  #bucket = 0;
  #bucketStart = 0n;
  #bucketEnd = 0n;
  #bucketCell: Bucket | undefined;

  constructor(opts: EngineOptions = {}) {
    const w = opts.windowNs ?? NS_PER_MINUTE;
    if (w <= 0n) throw new TriageOptionError('window', `must be positive, got ${w} ns`);
    this.windowNs = w;
    const max = opts.maxSignatures ?? 20_000;
    if (!Number.isInteger(max) || max < 100)
      throw new TriageOptionError('maxSignatures', `must be an integer >= 100, got ${max}`);
    this.maxSignatures = max;
    const ex = opts.examples ?? 3;
    if (!Number.isInteger(ex) || ex < 1 || ex > 100)
      throw new TriageOptionError('examples', `must be 1..100, got ${ex}`);
    this.maxExamples = ex;
  }

  /** Lines pushed or merged so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Current coarsening level of the signature table (0 = exact). */
  get coarsening(): number {
    return this.#level;
  }

  /** Adds one entry. */
  push(entry: TriageEntry): void {
    this.add(entry.ts, entry.labels, entry.msg);
  }

  /**
   * Adds one entry given as its parts (what {@link push} does, without an entry object: a reader that
   * finds the parts in raw bytes allocates nothing per line for it). `labels` objects that are frozen are
   * remembered by identity (see `TriageEntry.labels`).
   */
  add(ts: bigint, labels: Readonly<Record<string, string>>, msg: string): void {
    const sv = this.#inspector.inspect(msg);
    const li = sv.levelIndex;
    const isError = li === ERROR_INDEX || li === FATAL_INDEX;
    const isWarn = li === WARN_INDEX;
    const bytes = msg.length; // UTF-16 units: a cheap, split-independent size measure
    const stream = this.#stream(labels, ts);
    const s = stream.service;
    const svcId = s.id;
    // Entries arrive mostly in time order: reuse the last bucket instead of a bigint division.
    let b = this.#bucketCell;
    if (ts < this.#bucketStart || ts >= this.#bucketEnd || b === undefined) {
      const k = floorDiv(ts, this.windowNs);
      this.#bucket = Number(k);
      this.#bucketStart = k * this.windowNs;
      this.#bucketEnd = this.#bucketStart + this.windowNs;
      b = this.#timeline.get(this.#bucket);
      if (!b) {
        b = { lines: 0, errors: 0, warnings: 0 };
        this.#timeline.set(this.#bucket, b);
      }
      this.#bucketCell = b;
    }
    const bucket = this.#bucket;

    this.#lines++;
    this.#bytes += bytes;
    if (isError) this.#errors++;
    if (isWarn) this.#warnings++;
    if (this.#minTs === null || ts < this.#minTs) this.#minTs = ts;
    if (this.#maxTs === null || ts > this.#maxTs) this.#maxTs = ts;
    this.#levels[li]!++;
    this.#reasonCounts[sv.reasonIndex]!++;

    b.lines++;
    if (isError) b.errors++;
    if (isWarn) b.warnings++;

    s.lines++;
    s.bytes += bytes;
    if (ts < s.firstTs) s.firstTs = ts;
    if (ts > s.lastTs) s.lastTs = ts;
    if (isError) {
      s.errors++;
      if (s.firstErrorTs === null || ts < s.firstErrorTs) s.firstErrorTs = ts;
    }
    if (isWarn) s.warnings++;

    const cells = stream.cells;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      c[0]++;
      if (isError) c[1]++;
    }

    const sig = this.#signature(this.#inspector.text, ts);
    sig.lines++;
    if (isError) sig.errors++;
    sig.levels[li]!++;
    if (ts < sig.firstTs) sig.firstTs = ts;
    if (ts > sig.lastTs) sig.lastTs = ts;
    if (sig.curBucket !== bucket) {
      flushBucket(sig);
      sig.curBucket = bucket;
    }
    sig.curLines++;
    if (isError) sig.curErrors++;
    let ss = sig.lastServiceCell;
    if (sig.lastService !== svcId || ss === undefined) {
      ss = sig.services.get(svcId);
      if (!ss) {
        ss = [0, 0];
        sig.services.set(svcId, ss);
      }
      sig.lastService = svcId;
      sig.lastServiceCell = ss;
    }
    ss[0]++;
    if (isError) ss[1]++;
    const ex = sig.examples;
    if (ex.length < this.maxExamples || ts <= ex[ex.length - 1]!.ts) {
      insertExample(
        ex,
        {
          ts,
          service: s.name,
          line: msg.length > MAX_EXAMPLE_CHARS ? `${msg.slice(0, MAX_EXAMPLE_CHARS)}…` : msg,
        },
        this.maxExamples,
      );
    }
    if (this.#sigs.size > this.maxSignatures) this.#coarsen(this.#level + 1);
  }

  /** The signature of a line's text (created when new). */
  #signature(whole: string, ts: bigint): Sig {
    const text = whole.length > MAX_MINED_CHARS ? whole.slice(0, MAX_MINED_CHARS) : whole;
    const count = scanTokens(text);
    if (this.#level > 0) {
      const tokens = coarsenTokens(keyTokens(buildKey(text, count)), this.#level);
      const key = tokens.join(' ');
      let sig = this.#sigs.get(key);
      if (!sig) {
        sig = newSig(key, tokens, ts, ts);
        this.#sigs.set(key, sig);
      }
      return sig;
    }
    const h = tokensHash(count);
    const first = this.#byHash.get(h);
    for (let c = first; c !== undefined; c = c.nextSameHash) {
      // One startsWith per run of plain tokens; per token when the line's spacing differs.
      if (runsMatch(text, count, c.tokens, c.runs!) || tokensMatch(text, count, c.tokens)) return c;
    }
    const key = buildKey(text, count);
    let sig = this.#sigs.get(key);
    if (!sig) {
      sig = newSig(key, keyTokens(key), ts, ts);
      this.#sigs.set(key, sig);
    }
    // Not in the chain (the loop above would have found it): link it in front.
    sig.runs ??= keyRuns(sig.tokens);
    sig.nextSameHash = first;
    this.#byHash.set(h, sig);
    return sig;
  }

  /**
   * The service and label counters of a label set. Frozen label objects (what @logtap/capture's reader
   * hands out, one per stream) are remembered by identity; others may change between pushes and are
   * looked up each time.
   */
  #stream(labels: Readonly<Record<string, string>>, ts: bigint): Stream {
    if (labels === this.#lastLabels) return this.#lastStream!;
    const frozen = Object.isFrozen(labels);
    let st = frozen ? this.#streams.get(labels) : undefined;
    if (st === undefined) {
      const cells: [number, number][] = [];
      for (const k in labels) {
        if (!Object.hasOwn(labels, k)) continue;
        let values = this.#labels.get(k);
        if (!values) {
          values = new Map();
          this.#labels.set(k, values);
        }
        const v = labels[k]!;
        let c = values.get(v);
        if (!c) {
          c = [0, 0];
          values.set(v, c);
        }
        cells.push(c);
      }
      st = { service: this.#serviceState(labels, ts), cells };
      if (frozen) this.#streams.set(labels, st);
    }
    if (frozen) {
      this.#lastLabels = labels;
      this.#lastStream = st;
    }
    return st;
  }

  /** The service record of a label set. */
  #serviceState(labels: Readonly<Record<string, string>>, ts: bigint): ServiceState {
    const svc = serviceOf(labels);
    let byName = this.#serviceIndex.get(svc.key);
    if (!byName) {
      byName = new Map();
      this.#serviceIndex.set(svc.key, byName);
    }
    let s = byName.get(svc.name);
    if (!s) {
      const id = `${svc.key}=${svc.name}`;
      s = this.#services.get(id);
      if (!s) {
        s = {
          id,
          labelKey: svc.key,
          name: svc.name,
          lines: 0,
          errors: 0,
          warnings: 0,
          bytes: 0,
          firstTs: ts,
          lastTs: ts,
          firstErrorTs: null,
        };
        this.#services.set(id, s);
      }
      byName.set(svc.name, s);
    }
    return s;
  }

  /** Adds many entries. */
  pushAll(entries: Iterable<TriageEntry>): void {
    for (const e of entries) this.push(e);
  }

  /** Adds every entry of an async stream (e.g. `readEntries(dir)` from @logtap/capture). */
  async pushStream(entries: AsyncIterable<TriageEntry> | Iterable<TriageEntry>): Promise<void> {
    for await (const e of entries) this.push(e);
  }

  /** Merges another accumulator or snapshot into this one. The result is independent of merge order. */
  merge(other: TriageAccumulator | TriageState): void {
    const st = other instanceof TriageAccumulator ? other.snapshot() : other;
    if (st.windowNs !== this.windowNs)
      throw new TriageMergeError('window', String(this.windowNs), String(st.windowNs));
    if (st.maxSignatures !== this.maxSignatures) {
      throw new TriageMergeError('maxSignatures', String(this.maxSignatures), String(st.maxSignatures));
    }
    if (st.examples !== this.maxExamples)
      throw new TriageMergeError('examples', String(this.maxExamples), String(st.examples));
    this.#lines += st.lines;
    this.#bytes += st.bytes;
    this.#errors += st.errors;
    this.#warnings += st.warnings;
    this.#minTs = minTs(this.#minTs, st.minTs);
    this.#maxTs = maxTs(this.#maxTs, st.maxTs);
    st.levels.forEach((n, i) => {
      this.#levels[i]! += n;
    });
    for (const [r, n] of st.reasons) {
      const i = REASON_INDEX.get(r);
      if (i !== undefined) this.#reasonCounts[i]! += n;
      else this.#otherReasons.set(r, (this.#otherReasons.get(r) ?? 0) + n);
    }
    for (const [k, lines, errors, warnings] of st.timeline) {
      const b = this.#timeline.get(k);
      if (b) {
        b.lines += lines;
        b.errors += errors;
        b.warnings += warnings;
      } else this.#timeline.set(k, { lines, errors, warnings });
    }
    for (const o of st.services) {
      const s = this.#services.get(o.id);
      if (!s) {
        this.#services.set(o.id, { ...o });
        continue;
      }
      s.lines += o.lines;
      s.errors += o.errors;
      s.warnings += o.warnings;
      s.bytes += o.bytes;
      if (o.firstTs < s.firstTs) s.firstTs = o.firstTs;
      if (o.lastTs > s.lastTs) s.lastTs = o.lastTs;
      s.firstErrorTs = minTs(s.firstErrorTs, o.firstErrorTs);
    }
    for (const [k, values] of st.labels) {
      let mine = this.#labels.get(k);
      if (!mine) {
        mine = new Map();
        this.#labels.set(k, mine);
      }
      for (const [v, lines, errors] of values) {
        const c = mine.get(v);
        if (c) {
          c[0] += lines;
          c[1] += errors;
        } else mine.set(v, [lines, errors]);
      }
    }
    if (st.level > this.#level) this.#coarsen(st.level);
    for (const o of st.signatures) this.#mergeSig(o, this.#level);
    if (this.#sigs.size > this.maxSignatures) this.#coarsen(this.#level + 1);
  }

  #mergeSig(o: SignatureState | Sig, level: number): void {
    const tokens = level > 0 ? coarsenTokens(o.tokens, level) : o.tokens;
    const key = level > 0 ? tokens.join(' ') : o.key;
    let sig = this.#sigs.get(key);
    if (!sig) {
      sig = newSig(key, tokens, o.firstTs, o.lastTs);
      this.#sigs.set(key, sig);
    }
    sig.lines += o.lines;
    sig.errors += o.errors;
    o.levels.forEach((n, i) => {
      sig.levels[i]! += n;
    });
    if (o.firstTs < sig.firstTs) sig.firstTs = o.firstTs;
    if (o.lastTs > sig.lastTs) sig.lastTs = o.lastTs;
    if ('bucketLines' in o) {
      flushBucket(o);
      for (const [k, lines] of o.bucketLines) addToBucket(sig, k, lines, o.bucketErrors.get(k) ?? 0);
    } else {
      for (const [k, lines, errors] of o.buckets) addToBucket(sig, k, lines, errors);
    }
    const services =
      o.services instanceof Map ? [...o.services].map(([k, [l, e]]) => [k, l, e] as const) : o.services;
    for (const [k, lines, errors] of services) {
      const c = sig.services.get(k);
      if (c) {
        c[0] += lines;
        c[1] += errors;
      } else sig.services.set(k, [lines, errors]);
    }
    for (const ex of o.examples) insertExample(sig.examples, ex, this.maxExamples);
  }

  #coarsen(target: number): void {
    let level = Math.max(target, this.#level);
    for (;;) {
      if (level > MAX_LEVEL) level = MAX_LEVEL;
      const old = this.#sigs;
      this.#sigs = new Map();
      this.#byHash = new Map();
      this.#level = level;
      for (const s of old.values()) this.#mergeSig(s, level);
      if (this.#sigs.size <= this.maxSignatures || level === MAX_LEVEL) return;
      level++;
    }
  }

  /** A plain snapshot with every collection sorted: equal states give deep-equal snapshots. */
  snapshot(): TriageState {
    const labels: TriageState['labels'] = [...this.#labels]
      .map(([k, values]): [string, [string, number, number][]] => [
        k,
        [...values].map(([v, [l, e]]): [string, number, number] => [v, l, e]).sort(byKey),
      ])
      .sort(byKey);
    for (const s of this.#sigs.values()) flushBucket(s);
    const signatures = [...this.#sigs.values()]
      .map(
        (s): SignatureState => ({
          key: s.key,
          tokens: [...s.tokens],
          lines: s.lines,
          errors: s.errors,
          levels: [...s.levels],
          firstTs: s.firstTs,
          lastTs: s.lastTs,
          buckets: [...s.bucketLines]
            .map(([k, l]): [number, number, number] => [k, l, s.bucketErrors.get(k) ?? 0])
            .sort((a, b) => a[0] - b[0]),
          services: [...s.services].map(([k, [l, e]]): [string, number, number] => [k, l, e]).sort(byKey),
          examples: s.examples.map((e) => ({ ...e })),
        }),
      )
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      version: 1,
      windowNs: this.windowNs,
      maxSignatures: this.maxSignatures,
      examples: this.maxExamples,
      level: this.#level,
      lines: this.#lines,
      bytes: this.#bytes,
      errors: this.#errors,
      warnings: this.#warnings,
      minTs: this.#minTs,
      maxTs: this.#maxTs,
      levels: [...this.#levels],
      reasons: [
        ...SEVERITY_REASONS.flatMap((r, i): [string, number][] =>
          this.#reasonCounts[i]! > 0 ? [[r, this.#reasonCounts[i]!]] : [],
        ),
        ...this.#otherReasons,
      ].sort(byKey),
      timeline: [...this.#timeline]
        .map(([k, b]): [number, number, number, number] => [k, b.lines, b.errors, b.warnings])
        .sort((a, b) => a[0] - b[0]),
      services: [...this.#services.values()]
        .map((s) => ({ ...s }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      labels,
      signatures,
    };
  }

  /** Rebuilds an accumulator from a snapshot (e.g. one posted by a worker). */
  static fromState(st: TriageState): TriageAccumulator {
    const acc = new TriageAccumulator({
      windowNs: st.windowNs,
      maxSignatures: st.maxSignatures,
      examples: st.examples,
    });
    acc.merge(st);
    return acc;
  }
}

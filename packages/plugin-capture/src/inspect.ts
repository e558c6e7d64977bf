/**
 * `logtap inspect`: a capture's summary from its index alone (never decompressing an indexed file), plus a
 * scan of the orphan files (the active file of a live capture, files a crash left unindexed). The JSON
 * form is a contract (schema `logtap.inspect/v1`, docs/capture-tools.md), pinned by a snapshot test.
 */

import {
  type Capture,
  type CaptureFile,
  formatTimestamp,
  type IndexEntry,
  type LabelCounts,
  type ReadWarning,
  readEntryBatches,
} from '@logtap/capture/read';

export const INSPECT_SCHEMA = 'logtap.inspect/v1';

const NS_PER_S = 1_000_000_000n;
/** Bucket widths the timeline picks from (seconds): the smallest giving at most MAX_BUCKETS buckets. */
const BUCKET_WIDTHS = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 7 * 86400];
const MAX_BUCKETS = 720;
const SPARK = '▁▂▃▄▅▆▇█';

export interface LabelValueRow {
  value: string;
  lines: number;
  /** lines / total lines of the files whose index counts labels. */
  share: number;
}

export interface LabelKeySummary {
  key: string;
  /** Distinct values counted (a lower bound when `overflow`). */
  distinct: number;
  /** The `top` most frequent values, most lines first (ties by value). */
  values: LabelValueRow[];
  /** Lines of the values not listed (with `overflow`, also those of values the writer did not count). */
  other_lines: number;
  /** Lines of the counted files without this label. */
  unlabelled_lines: number | null;
  /** The writer stopped counting new values of this key in some file (index `labels_overflow`). */
  overflow: boolean;
}

export interface OrphanSummary {
  file: string;
  lines: number;
  bytes: number;
  disk_bytes: number;
  from: string | null;
  to: string | null;
}

/** The `--json` output of inspect (schema logtap.inspect/v1). Sizes in bytes, times RFC3339 UTC. */
export interface InspectReport {
  schema: typeof INSPECT_SCHEMA;
  dir: string;
  format_version: number | null;
  state: 'live' | 'stopped' | 'unknown';
  started: string | null;
  stopped: string | null;
  files: { total: number; indexed: number; orphans: number; missing_from_disk: number };
  disk_bytes: number;
  data_disk_bytes: number;
  uncompressed_bytes: number;
  compression_ratio: number | null;
  lines: number;
  time_range: { from: string | null; to: string | null; seconds: number | null };
  rate: { lines_per_s: number | null; bytes_per_s: number | null };
  labels: LabelKeySummary[];
  /** Lines the per-key tables cover (files whose index has label counts, plus orphans). */
  labelled_lines: number;
  timeline: { start: string | null; bucket_seconds: number; lines: number[] };
  redaction: { enabled: boolean; patterns: string[]; policy_hash: string | null };
  evictions: { files: number; lines: number; bytes: number };
  dropped: { lines: number; bytes: number };
  recoveries: number;
  orphans: OrphanSummary[];
  /** Provenance when this capture is a slice of another (metadata `slice`), else null. */
  slice: { source: string; lines: number; source_lines: number; filter: Record<string, unknown> } | null;
  warnings: string[];
}

export interface InspectOptions {
  /** Values listed per label key. Default 10. */
  top?: number;
  /** Scan orphan files (default true). */
  scanOrphans?: boolean;
  signal?: AbortSignal;
}

/** Lines spread over a time span, for the timeline. */
interface Span {
  from: bigint;
  to: bigint;
  lines: number;
}

function addCounts(into: Map<string, Map<string, number>>, counts: LabelCounts): void {
  for (const key in counts) {
    let m = into.get(key);
    if (m === undefined) {
      m = new Map();
      into.set(key, m);
    }
    const values = counts[key]!;
    for (const v in values) m.set(v, (m.get(v) ?? 0) + values[v]!);
  }
}

function spansOf(e: IndexEntry): Span[] {
  if (e.frames !== undefined && e.frames.length > 0)
    return e.frames.map((f) => ({ from: f.from, to: f.to, lines: f.lines }));
  return [{ from: e.from, to: e.to, lines: e.lines }];
}

async function scanOrphan(
  cap: Capture,
  f: CaptureFile,
  labels: Map<string, Map<string, number>>,
  spans: Span[],
  warnings: string[],
  signal: AbortSignal | undefined,
): Promise<OrphanSummary> {
  let lines = 0;
  let bytes = 0;
  let from: bigint | undefined;
  let to: bigint | undefined;
  // Per labels object (the reader shares them), so counting costs one map update per batch and set.
  const perSet = new Map<Record<string, string>, number>();
  // Timeline: one span per second of data (orphans are read, so their times are exact).
  const perSecond = new Map<bigint, number>();
  const opts = {
    catchUp: false,
    onWarning: (w: ReadWarning) => warnings.push(`${w.file}: ${w.detail}`),
    ...(signal ? { signal } : {}),
  };
  for await (const batch of readEntryBatches({ ...cap, files: [f], live: false }, {}, opts)) {
    for (const e of batch) {
      lines++;
      // Size as written: the canonical line is ~56 bytes of frame plus the message and labels.
      bytes += Buffer.byteLength(e.msg) + 56;
      if (from === undefined || e.ts < from) from = e.ts;
      if (to === undefined || e.ts > to) to = e.ts;
      perSet.set(e.labels, (perSet.get(e.labels) ?? 0) + 1);
      const sec = e.ts / NS_PER_S;
      perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
    }
  }
  for (const [set, n] of perSet) {
    const counts: LabelCounts = {};
    for (const k in set) counts[k] = { [set[k]!]: n };
    addCounts(labels, counts);
    bytes += n * JSON.stringify(set).length;
  }
  for (const [sec, n] of perSecond) spans.push({ from: sec * NS_PER_S, to: sec * NS_PER_S, lines: n });
  return {
    file: f.name,
    lines,
    // A raw .jsonl orphan's size is its uncompressed size; a compressed one's is estimated from its lines.
    bytes: f.compressed ? bytes : f.size,
    disk_bytes: f.size,
    from: from === undefined ? null : formatTimestamp(from),
    to: to === undefined ? null : formatTimestamp(to),
  };
}

function ts(v: bigint | undefined): string | null {
  return v === undefined ? null : formatTimestamp(v);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Buckets of lines over [from, to], spreading each span's lines evenly over the buckets it covers. */
export function timeline(
  spans: readonly Span[],
  from: bigint | undefined,
  to: bigint | undefined,
): InspectReport['timeline'] {
  if (from === undefined || to === undefined) return { start: null, bucket_seconds: 1, lines: [] };
  const seconds = Number((to - from) / NS_PER_S) + 1;
  const width =
    BUCKET_WIDTHS.find((w) => seconds / w <= MAX_BUCKETS) ?? BUCKET_WIDTHS[BUCKET_WIDTHS.length - 1]!;
  const w = BigInt(width) * NS_PER_S;
  // Align buckets to whole multiples of the width (UTC), so 1-minute buckets start on minutes.
  const start = (from / w) * w;
  const n = Number((to - start) / w) + 1;
  const lines = new Array<number>(n).fill(0);
  for (const s of spans) {
    if (s.lines === 0) continue;
    const a = Math.max(0, Number((s.from - start) / w));
    const b = Math.min(n - 1, Number((s.to - start) / w));
    if (a >= b) {
      lines[Math.min(a, n - 1)]! += s.lines;
      continue;
    }
    // Even spread, remainder to the first buckets: integers that sum exactly to the span's lines.
    const k = b - a + 1;
    const each = Math.floor(s.lines / k);
    let rest = s.lines - each * k;
    for (let i = a; i <= b; i++) {
      lines[i]! += each + (rest > 0 ? 1 : 0);
      if (rest > 0) rest--;
    }
  }
  return { start: formatTimestamp(start), bucket_seconds: width, lines };
}

/** Resamples bucket counts to `width` columns and draws them with block characters (empty = space). */
export function sparkline(counts: readonly number[], width = 60): string {
  if (counts.length === 0) return '';
  const cols = Math.min(width, counts.length);
  const merged = new Array<number>(cols).fill(0);
  for (let i = 0; i < counts.length; i++) merged[Math.floor((i * cols) / counts.length)]! += counts[i]!;
  const max = Math.max(...merged);
  return merged
    .map((c) =>
      c === 0 || max === 0
        ? ' '
        : SPARK[Math.min(SPARK.length - 1, Math.floor(((c - 1) / max) * SPARK.length))]!,
    )
    .join('');
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The metadata's `slice` provenance: `{source: string, lines, source_lines: whole numbers >= 0, filter:
 * object}`, other fields ignored; null when absent or malformed. Checked by hand: zod would cost inspect
 * ~30 ms of start-up (see @logtap/capture/read).
 */
function sliceOf(raw: Record<string, unknown> | undefined): InspectReport['slice'] {
  const s = raw?.['slice'];
  if (!isObject(s)) return null;
  const { source, lines, source_lines, filter } = s;
  if (typeof source !== 'string' || !isCount(lines) || !isCount(source_lines) || !isObject(filter))
    return null;
  return { source, lines, source_lines, filter };
}

/** Builds the inspect report of an opened capture. Reads only the index and the orphan files. */
export async function inspectCapture(cap: Capture, opts: InspectOptions = {}): Promise<InspectReport> {
  const top = opts.top ?? 10;
  const warnings = [...cap.warnings];
  const labels = new Map<string, Map<string, number>>();
  const overflow = new Set<string>();
  const spans: Span[] = [];
  let labelled = 0;
  let dataDisk = 0;
  const uncounted: string[] = [];
  for (const f of cap.files) dataDisk += f.size;
  for (const e of cap.index) {
    spans.push(...spansOf(e));
    if (e.labels === undefined) {
      if (e.lines > 0) uncounted.push(e.file);
      continue;
    }
    labelled += e.lines;
    addCounts(labels, e.labels);
    for (const k of e.labelsOverflow ?? []) overflow.add(k);
  }
  if (uncounted.length > 0) {
    warnings.push(
      `${uncounted.length} indexed file(s) have no label counts in the index (written by an older tool); the label tables leave them out`,
    );
  }
  const orphans: OrphanSummary[] = [];
  let from = cap.index.some((e) => e.lines > 0) ? cap.from : cap.metadata?.firstTs;
  let to = cap.index.some((e) => e.lines > 0) ? cap.to : cap.metadata?.lastTs;
  if (opts.scanOrphans !== false) {
    for (const f of cap.files) {
      if (f.index !== undefined) continue;
      const o = await scanOrphan(cap, f, labels, spans, warnings, opts.signal);
      orphans.push(o);
      labelled += o.lines;
    }
    for (const s of spans) {
      if (s.lines === 0) continue;
      if (from === undefined || s.from < from) from = s.from;
      if (to === undefined || s.to > to) to = s.to;
    }
  }
  const lines = cap.indexedLines + orphans.reduce((a, o) => a + o.lines, 0);
  const bytes = cap.indexedBytes + orphans.reduce((a, o) => a + o.bytes, 0);
  // Rate over the capture's own period when known (it includes idle time), else over the data's span.
  const periodStart = cap.metadata?.started ?? from;
  const periodEnd = cap.metadata?.stopped ?? to;
  const span = (a: bigint | undefined, b: bigint | undefined) =>
    a !== undefined && b !== undefined && b > a ? Number(b - a) / 1e9 : undefined;
  const periodS = span(periodStart, periodEnd) ?? span(from, to);
  const keys: LabelKeySummary[] = [...labels.keys()].sort().map((key) => {
    const m = labels.get(key)!;
    const rows = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let keyLines = 0;
    for (const [, n] of rows) keyLines += n;
    const shown = rows.slice(0, top);
    const shownLines = shown.reduce((a, [, n]) => a + n, 0);
    return {
      key,
      distinct: rows.length,
      values: shown.map(([value, n]) => ({
        value,
        lines: n,
        share: labelled > 0 ? round(n / labelled, 4) : 0,
      })),
      // With overflow, uncounted values and missing labels cannot be told apart: both go to other_lines.
      other_lines: overflow.has(key) ? Math.max(0, labelled - shownLines) : keyLines - shownLines,
      unlabelled_lines: overflow.has(key) ? null : Math.max(0, labelled - keyLines),
      overflow: overflow.has(key),
    };
  });
  const meta = cap.metadata;
  return {
    schema: INSPECT_SCHEMA,
    dir: cap.dir,
    format_version: meta?.version ?? null,
    state: meta === undefined ? 'unknown' : cap.live ? 'live' : 'stopped',
    started: ts(meta?.started),
    stopped: ts(meta?.stopped),
    files: {
      total: cap.files.length,
      indexed: cap.index.length,
      orphans: cap.files.length - cap.index.length,
      missing_from_disk: cap.missing.length,
    },
    disk_bytes: cap.diskBytes,
    data_disk_bytes: dataDisk,
    uncompressed_bytes: bytes,
    compression_ratio: dataDisk > 0 ? round(bytes / dataDisk, 2) : null,
    lines,
    time_range: {
      from: ts(from),
      to: ts(to),
      seconds: from !== undefined && to !== undefined ? round(Number(to - from) / 1e9, 3) : null,
    },
    rate: {
      lines_per_s: periodS !== undefined ? round(lines / periodS, 2) : null,
      bytes_per_s: periodS !== undefined ? round(bytes / periodS, 0) : null,
    },
    labels: keys,
    labelled_lines: labelled,
    timeline: timeline(spans, from, to),
    redaction: {
      enabled: meta?.redaction?.enabled ?? false,
      patterns: meta?.redaction?.patterns ?? [],
      policy_hash: meta?.redaction?.policyHash ?? null,
    },
    evictions: meta?.evictions ?? { files: 0, lines: 0, bytes: 0 },
    dropped: meta?.dropped ?? { lines: 0, bytes: 0 },
    recoveries: meta?.recoveries ?? 0,
    orphans,
    slice: sliceOf(meta?.raw),
    warnings,
  };
}

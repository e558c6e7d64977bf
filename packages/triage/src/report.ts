/**
 * Builds the triage report from an accumulator's state: mines templates, lays out the timeline,
 * detects spikes and bursts, and turns them into findings with evidence. Pure and deterministic:
 * the same state and options give a deep-equal report (no wall clock, no randomness, sorted keys).
 */
import { detectSpikes, peakWindow, type SpikeRun } from './anomaly.js';
import {
  type EngineOptions,
  type Example,
  TriageAccumulator,
  type TriageEntry,
  type TriageState,
} from './engine.js';
import { TriageOptionError } from './errors.js';
import { WILDCARD } from './mask.js';
import { type MiningOptions, mineSequences } from './mining.js';
import {
  type Evidence,
  type Finding,
  REPORT_SCHEMA,
  REPORT_VERSION,
  type ReportTemplate,
  type ReportWindow,
  type TriageReport,
} from './schema.js';
import { LEVELS, type Level } from './severity.js';
import { formatTs, NS_PER_MINUTE, NS_PER_SECOND } from './time.js';
import { getOrCreate } from './util.js';

export interface ReportOptions {
  /** Capture directory named in the ready-made `logtap slice` commands. Default `<capture>`. */
  captureDir?: string;
  /** Templates first seen after `start + warmup` are new. Default: 5 minutes, at most a quarter of the span. */
  warmupNs?: bigint;
  /** Templates first seen at or after this time are new (overrides the warm-up). */
  since?: bigint;
  /** Robust z-score for spikes and bursts. Default 3.5. */
  spikeZ?: number;
  /** Buckets of history for the rolling median/MAD. Default 15. */
  lookback?: number;
  /** Width of the peak-error window. Default 5 minutes (at least one bucket). */
  peakWindowNs?: bigint;
  /** Most timeline buckets; a longer capture is re-bucketed by a whole factor. Default 10,080. */
  maxBuckets?: number;
  /** Templates listed in the report (by lines); the rest are counted. Default 1,000. */
  maxTemplates?: number;
  /** Templates checked for their own spikes (the busiest ones). Default 50. */
  spikeTemplates?: number;
  /** Top error templates turned into findings. Default 5. */
  topErrors?: number;
  mining?: MiningOptions;
}

interface Tpl {
  id: string;
  pattern: string;
  tokens: string[];
  lines: number;
  errors: number;
  levels: number[];
  firstTs: bigint;
  lastTs: bigint;
  buckets: Map<number, [number, number]>;
  services: Map<string, [number, number]>;
  examples: Example[];
  isNew: boolean;
}

const SEVERITY_RANK = { high: 0, medium: 1, low: 2, info: 3 } as const;

/** FNV-1a over UTF-16 units, two seeds: a 48-bit id, stable across runs and machines. */
export function templateId(pattern: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `T${a.toString(16).padStart(8, '0')}${(b & 0xffff).toString(16).padStart(4, '0')}`;
}

/** Renders mined tokens in Loki `pattern` syntax (`<_>` for variables). */
export function toPattern(tokens: readonly string[]): string {
  return tokens.map((t) => (t.startsWith('<len:') ? '<_>' : t.split(WILDCARD).join('<_>'))).join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A ready `logtap slice` command for [from, to) (and one service when given). */
export function sliceCommand(dir: string, from: bigint, to: bigint, out: string, label?: string): string {
  const parts = ['logtap', 'slice', shellQuote(dir), '--from', formatTs(from), '--to', formatTs(to)];
  if (label) parts.push('--label', shellQuote(label));
  parts.push('--out', shellQuote(out));
  return parts.join(' ');
}

function levelsRecord(counts: readonly number[]): Record<Level, number> {
  return Object.fromEntries(LEVELS.map((l, i) => [l, counts[i] ?? 0])) as Record<Level, number>;
}

function dominantLevel(counts: readonly number[]): Level {
  let best = LEVELS.length - 1;
  for (let i = 0; i < LEVELS.length; i++)
    if (counts[i]! > counts[best]! || (counts[i]! > 0 && counts[best] === 0)) best = i;
  // Most severe level among those holding at least a third of the lines: an error template whose
  // lines are partly unclassified is still an error template.
  const total = counts.reduce((a, b) => a + b, 0);
  for (let i = 0; i < LEVELS.length - 1; i++)
    if (counts[i]! * 3 >= total && counts[i]! > 0) return LEVELS[i]!;
  return LEVELS[best]!;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.min(1, a / b);
}

function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeExamples(lists: Example[][], max: number): Example[] {
  const all = lists.flat();
  all.sort(
    (a, b) =>
      compareBig(a.ts, b.ts) ||
      (a.line < b.line ? -1 : a.line > b.line ? 1 : 0) ||
      (a.service < b.service ? -1 : a.service > b.service ? 1 : 0),
  );
  const out: Example[] = [];
  for (const e of all) {
    const prev = out[out.length - 1];
    if (prev && prev.ts === e.ts && prev.line === e.line && prev.service === e.service) continue;
    out.push(e);
    if (out.length === max) break;
  }
  return out;
}

/** Builds the report from an accumulator or its snapshot. */
export function buildReport(source: TriageAccumulator | TriageState, opts: ReportOptions = {}): TriageReport {
  const st = source instanceof TriageAccumulator ? source.snapshot() : source;
  const dir = opts.captureDir ?? '<capture>';
  const spikeZ = opts.spikeZ ?? 3.5;
  const lookback = opts.lookback ?? 15;
  const maxBuckets = opts.maxBuckets ?? 10_080;
  const maxTemplates = opts.maxTemplates ?? 1000;
  if (!(spikeZ > 0)) throw new TriageOptionError('spikeZ', `must be positive, got ${spikeZ}`);
  if (!Number.isInteger(lookback) || lookback < 3)
    throw new TriageOptionError('lookback', `must be an integer >= 3, got ${lookback}`);
  if (!Number.isInteger(maxBuckets) || maxBuckets < 10)
    throw new TriageOptionError('maxBuckets', `must be an integer >= 10, got ${maxBuckets}`);
  if (opts.warmupNs !== undefined && opts.warmupNs < 0n)
    throw new TriageOptionError('warmup', 'must not be negative');

  // Timeline geometry: whole multiples of the accumulation window, aligned to the epoch.
  const first = st.timeline[0]?.[0] ?? 0;
  const last = st.timeline[st.timeline.length - 1]?.[0] ?? 0;
  const factor = Math.max(1, Math.ceil((last - first + 1) / maxBuckets));
  const window = st.windowNs * BigInt(factor);
  const base = Math.floor(first / factor);
  const nBuckets = st.timeline.length === 0 ? 0 : Math.floor(last / factor) - base + 1;
  const idx = (bucket: number) => Math.floor(bucket / factor) - base;
  const bucketStart = (i: number) => BigInt(base + i) * window;
  const lines = new Array<number>(nBuckets).fill(0);
  const errors = new Array<number>(nBuckets).fill(0);
  const warnings = new Array<number>(nBuckets).fill(0);
  for (const [b, l, e, w] of st.timeline) {
    const i = idx(b);
    lines[i]! += l;
    errors[i]! += e;
    warnings[i]! += w;
  }

  const spanFrom = st.minTs;
  const spanTo = st.maxTs;
  const span = spanFrom !== null && spanTo !== null ? spanTo - spanFrom : 0n;
  const warmup =
    opts.warmupNs ??
    (() => {
      const quarter = span / 4n;
      const five = 5n * NS_PER_MINUTE;
      return quarter < five ? quarter : five;
    })();
  const newCutoff = opts.since ?? (spanFrom !== null ? spanFrom + warmup : null);

  // Mining: distinct sequences by first-seen time, then key: the same order for any split.
  const sigs = [...st.signatures].sort(
    (a, b) => compareBig(a.firstTs, b.firstTs) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const mined = mineSequences(
    sigs.map((s) => ({ tokens: s.tokens, weight: s.lines })),
    opts.mining,
  );
  const usedIds = new Set<string>();
  const tpls: Tpl[] = mined.templates.map((t) => {
    const pattern = toPattern(t.tokens);
    let id = templateId(pattern);
    for (let n = 2; usedIds.has(id); n++) id = `${templateId(pattern)}-${n}`;
    usedIds.add(id);
    const tpl: Tpl = {
      id,
      pattern,
      tokens: t.tokens,
      lines: 0,
      errors: 0,
      levels: LEVELS.map(() => 0),
      firstTs: sigs[t.members[0]!]!.firstTs,
      lastTs: sigs[t.members[0]!]!.lastTs,
      buckets: new Map(),
      services: new Map(),
      examples: [],
      isNew: false,
    };
    const exampleLists: Example[][] = [];
    for (const m of t.members) {
      const s = sigs[m]!;
      tpl.lines += s.lines;
      tpl.errors += s.errors;
      s.levels.forEach((n, i) => {
        tpl.levels[i]! += n;
      });
      if (s.firstTs < tpl.firstTs) tpl.firstTs = s.firstTs;
      if (s.lastTs > tpl.lastTs) tpl.lastTs = s.lastTs;
      for (const [b, l, e] of s.buckets) {
        const c = getOrCreate(tpl.buckets, idx(b), () => [0, 0] as [number, number]);
        c[0] += l;
        c[1] += e;
      }
      for (const [k, l, e] of s.services) {
        const c = getOrCreate(tpl.services, k, () => [0, 0] as [number, number]);
        c[0] += l;
        c[1] += e;
      }
      exampleLists.push(s.examples);
    }
    tpl.examples = mergeExamples(exampleLists, st.examples);
    tpl.isNew =
      newCutoff !== null &&
      span > 0n &&
      tpl.firstTs >= newCutoff &&
      (opts.since !== undefined || warmup > 0n);
    return tpl;
  });
  tpls.sort((a, b) => b.lines - a.lines || compareBig(a.firstTs, b.firstTs) || (a.id < b.id ? -1 : 1));

  const serviceName = new Map(st.services.map((s) => [s.id, s.name]));
  const templateOut = (t: Tpl): ReportTemplate => ({
    id: t.id,
    pattern: t.pattern,
    lines: t.lines,
    errors: t.errors,
    warnings: t.levels[LEVELS.indexOf('warn')]!,
    share: round(ratio(t.lines, st.lines)),
    errorShare: round(ratio(t.errors, st.errors)),
    level: dominantLevel(t.levels),
    levels: levelsRecord(t.levels),
    firstSeen: formatTs(t.firstTs),
    lastSeen: formatTs(t.lastTs),
    isNew: t.isNew,
    services: [...t.services]
      .map(([k, [l, e]]) => ({ service: serviceName.get(k) ?? k, lines: l, errors: e }))
      .sort((a, b) => b.lines - a.lines || (a.service < b.service ? -1 : 1))
      .slice(0, 5),
    examples: t.examples.map((e) => ({ ts: formatTs(e.ts), service: e.service, line: e.line })),
  });

  // Evidence helpers.
  const windowTemplates = (from: number, to: number, by: 'lines' | 'errors', only?: (t: Tpl) => boolean) => {
    const rows: { t: Tpl; lines: number; errors: number }[] = [];
    for (const t of tpls) {
      if (only && !only(t)) continue;
      let l = 0;
      let e = 0;
      for (let i = from; i <= to; i++) {
        const c = t.buckets.get(i);
        if (c) {
          l += c[0];
          e += c[1];
        }
      }
      if ((by === 'errors' ? e : l) > 0) rows.push({ t, lines: l, errors: e });
    }
    rows.sort(
      (a, b) =>
        (by === 'errors' ? b.errors - a.errors : b.lines - a.lines) ||
        b.lines - a.lines ||
        (a.t.id < b.t.id ? -1 : 1),
    );
    return rows.slice(0, 3);
  };
  const examplesIn = (ts: Tpl[], from: bigint, to: bigint) => {
    const inside = ts.flatMap((t) => t.examples.filter((e) => e.ts >= from && e.ts < to));
    const pick = inside.length > 0 ? inside : ts.flatMap((t) => t.examples.slice(0, 1));
    return mergeExamples([pick], 3).map((e) => ({ ts: formatTs(e.ts), service: e.service, line: e.line }));
  };
  const windowEvidence = (
    from: number,
    to: number,
    by: 'lines' | 'errors',
    out: string,
    only?: (t: Tpl) => boolean,
  ): Evidence => {
    const f = bucketStart(from);
    const tEnd = bucketStart(to + 1);
    let l = 0;
    let e = 0;
    for (let i = from; i <= to; i++) {
      l += lines[i]!;
      e += errors[i]!;
    }
    const top = windowTemplates(from, to, by, only);
    return {
      lines: l,
      errors: e,
      firstSeen: formatTs(f),
      lastSeen: formatTs(tEnd - 1n),
      templates: top.map((r) => ({ id: r.t.id, lines: r.lines, errors: r.errors })),
      examples: examplesIn(
        top.map((r) => r.t),
        f,
        tEnd,
      ),
      slice: sliceCommand(dir, f, tEnd, out),
    };
  };
  const reportWindow = (from: number, to: number, description: string, out: string): ReportWindow => {
    let l = 0;
    let e = 0;
    for (let i = from; i <= to; i++) {
      l += lines[i]!;
      e += errors[i]!;
    }
    return {
      from: formatTs(bucketStart(from)),
      to: formatTs(bucketStart(to + 1)),
      lines: l,
      errors: e,
      description,
      slice: sliceCommand(dir, bucketStart(from), bucketStart(to + 1), out),
    };
  };

  // Spikes and bursts.
  const spikeOpts = { z: spikeZ, lookback };
  const volumeRuns = detectSpikes(lines, { ...spikeOpts, minDelta: 10 });
  const errorRuns = detectSpikes(errors, { ...spikeOpts, minDelta: 3 }).filter((r) => r.direction === 'up');
  const spikeTemplates = tpls.filter((t) => t.lines >= 20).slice(0, opts.spikeTemplates ?? 50);
  const templateRuns: { t: Tpl; run: SpikeRun }[] = [];
  for (const t of spikeTemplates) {
    const series = new Array<number>(nBuckets).fill(0);
    for (const [i, [l]] of t.buckets) series[i] = l;
    for (const run of detectSpikes(series, { ...spikeOpts, minDelta: 10 }))
      if (run.direction === 'up') templateRuns.push({ t, run });
  }
  const spikeRow = (kind: 'volume' | 'errors' | 'template', run: SpikeRun, templateId: string | null) => ({
    kind,
    direction: run.direction,
    templateId,
    from: formatTs(bucketStart(run.start)),
    to: formatTs(bucketStart(run.end + 1)),
    peakAt: formatTs(bucketStart(run.peak.index)),
    peak: run.peak.value,
    baseline: round(run.peak.baseline, 3),
    z: round(run.peak.z, 3),
    total: run.total,
  });
  const spikes = [
    ...volumeRuns.map((r) => spikeRow('volume', r, null)),
    ...errorRuns.map((r) => spikeRow('errors', r, null)),
    ...templateRuns.map(({ t, run }) => spikeRow('template', run, t.id)),
  ].sort(
    (a, b) =>
      (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) ||
      a.kind.localeCompare(b.kind) ||
      (a.templateId ?? '').localeCompare(b.templateId ?? ''),
  );

  // Windows.
  const peakWidth = Math.max(1, Number((opts.peakWindowNs ?? 5n * NS_PER_MINUTE) / window));
  // The densest window of `peakWidth` buckets, trimmed of error-free buckets at either end.
  const found = st.errors > 0 ? peakWindow(errors, peakWidth) : undefined;
  let peak: [number, number] | undefined;
  if (found && found.sum > 0) {
    let a = found.start;
    let b = Math.min(nBuckets - 1, found.start + peakWidth - 1);
    while (errors[a] === 0) a++;
    while (errors[b] === 0) b--;
    peak = [a, b];
  }
  const peakError = peak
    ? reportWindow(
        peak[0],
        peak[1],
        `${found!.sum} errors in ${formatDuration(window * BigInt(peak[1] - peak[0] + 1))}`,
        './slice-peak-errors',
      )
    : null;
  const firstBurst = errorRuns[0];
  const firstUp = volumeRuns.find((r) => r.direction === 'up');
  const firstNewError = tpls
    .filter((t) => t.isNew && t.errors > 0)
    .sort((a, b) => compareBig(a.firstTs, b.firstTs) || (a.id < b.id ? -1 : 1))[0];
  let incident: { range: [number, number]; description: string; basis: string } | undefined;
  if (firstBurst) {
    incident = {
      range: [firstBurst.start, firstBurst.end],
      description: `error burst: ${firstBurst.peak.value} errors per bucket against a median of ${round(firstBurst.peak.baseline, 1)}`,
      basis: 'error-burst',
    };
  } else if (firstNewError) {
    const i = idx(Number(firstNewError.firstTs / st.windowNs));
    incident = {
      range: [i, i],
      description: `new error template ${firstNewError.id} first seen`,
      basis: 'new-error-template',
    };
  } else if (firstUp) {
    incident = {
      range: [firstUp.start, firstUp.end],
      description: `volume spike: ${firstUp.peak.value} lines per bucket against a median of ${round(firstUp.peak.baseline, 1)}`,
      basis: 'volume-spike',
    };
  }
  const incidentStart = incident
    ? {
        ...reportWindow(incident.range[0], incident.range[1], incident.description, './slice-incident'),
        basis: incident.basis,
      }
    : null;
  const flagged = new Array<boolean>(nBuckets).fill(false);
  for (const r of [...volumeRuns, ...errorRuns]) for (let i = r.start; i <= r.end; i++) flagged[i] = true;
  const medianErrors = [...errors].sort((a, b) => a - b)[Math.floor((nBuckets - 1) / 2)] ?? 0;
  let steady: [number, number] | undefined;
  for (let i = 0; i < nBuckets; ) {
    if (flagged[i] || errors[i]! > medianErrors) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < nBuckets && !flagged[j + 1] && errors[j + 1]! <= medianErrors) j++;
    if (j - i + 1 >= 3 && (!steady || j - i > steady[1] - steady[0])) steady = [i, j];
    i = j + 1;
  }
  const steadyState = steady
    ? reportWindow(
        steady[0],
        steady[1],
        `${steady[1] - steady[0] + 1} buckets without spikes and at most ${medianErrors} errors each`,
        './slice-steady',
      )
    : null;

  // Findings.
  const findings: Omit<Finding, 'id'>[] = [];
  const add = (f: Omit<Finding, 'id'>) => findings.push(f);
  const none = { templateId: null, service: null, z: null };
  for (const r of errorRuns) {
    add({
      ...none,
      kind: 'error-burst',
      severity: 'high',
      title: `Error burst: ${r.total} errors in ${r.end - r.start + 1} bucket(s), peak ${r.peak.value} vs median ${round(r.peak.baseline, 1)}`,
      from: formatTs(bucketStart(r.start)),
      to: formatTs(bucketStart(r.end + 1)),
      z: round(r.peak.z, 3),
      evidence: windowEvidence(r.start, r.end, 'errors', `./slice-error-burst-${r.start}`),
    });
  }
  for (const r of volumeRuns) {
    const up = r.direction === 'up';
    add({
      ...none,
      kind: up ? 'volume-spike' : 'volume-drop',
      severity: up ? 'medium' : 'low',
      title: `${up ? 'Volume spike' : 'Volume drop'}: ${r.peak.value} lines per bucket vs median ${round(r.peak.baseline, 1)}`,
      from: formatTs(bucketStart(r.start)),
      to: formatTs(bucketStart(r.end + 1)),
      z: round(r.peak.z, 3),
      evidence: windowEvidence(r.start, r.end, 'lines', `./slice-volume-${r.start}`),
    });
  }
  for (const { t, run } of templateRuns) {
    add({
      kind: 'template-spike',
      severity: t.errors > 0 ? 'medium' : 'low',
      title: `Template spike: ${run.peak.value} lines per bucket vs median ${round(run.peak.baseline, 1)} for ${t.pattern}`,
      from: formatTs(bucketStart(run.start)),
      to: formatTs(bucketStart(run.end + 1)),
      templateId: t.id,
      service: null,
      z: round(run.peak.z, 3),
      evidence: windowEvidence(run.start, run.end, 'lines', `./slice-template-${t.id}`, (x) => x === t),
    });
  }
  const templateEvidence = (t: Tpl, out: string): Evidence => ({
    lines: t.lines,
    errors: t.errors,
    firstSeen: formatTs(t.firstTs),
    lastSeen: formatTs(t.lastTs),
    templates: [{ id: t.id, lines: t.lines, errors: t.errors }],
    examples: t.examples.map((e) => ({ ts: formatTs(e.ts), service: e.service, line: e.line })),
    slice: sliceCommand(dir, t.firstTs, t.lastTs + 1n, out),
  });
  const newOnes = tpls
    .filter((t) => t.isNew)
    .sort((a, b) => compareBig(a.firstTs, b.firstTs) || (a.id < b.id ? -1 : 1));
  for (const t of newOnes.filter((x) => x.errors > 0).slice(0, 20)) {
    add({
      kind: 'new-error-template',
      severity: 'high',
      title: `New error template after ${opts.since !== undefined ? 'since' : 'warm-up'}: ${t.pattern} (${t.errors} errors)`,
      from: formatTs(t.firstTs),
      to: formatTs(t.lastTs),
      templateId: t.id,
      service: null,
      z: null,
      evidence: templateEvidence(t, `./slice-new-${t.id}`),
    });
  }
  for (const t of newOnes.filter((x) => x.errors === 0).slice(0, 20)) {
    add({
      kind: 'new-template',
      severity: 'low',
      title: `New template after ${opts.since !== undefined ? 'since' : 'warm-up'}: ${t.pattern} (${t.lines} lines)`,
      from: formatTs(t.firstTs),
      to: formatTs(t.lastTs),
      templateId: t.id,
      service: null,
      z: null,
      evidence: templateEvidence(t, `./slice-new-${t.id}`),
    });
  }
  const topErr = tpls
    .filter((t) => t.errors > 0)
    .sort((a, b) => b.errors - a.errors || compareBig(a.firstTs, b.firstTs) || (a.id < b.id ? -1 : 1))
    .slice(0, opts.topErrors ?? 5);
  for (const t of topErr) {
    const share = ratio(t.errors, st.errors);
    add({
      kind: 'top-error',
      severity: share >= 0.25 ? 'high' : 'medium',
      title: `Top error template: ${t.errors} errors (${(share * 100).toFixed(1)}% of errors): ${t.pattern}`,
      from: formatTs(t.firstTs),
      to: formatTs(t.lastTs),
      templateId: t.id,
      service: null,
      z: null,
      evidence: templateEvidence(t, `./slice-error-${t.id}`),
    });
  }
  // Series for the 20 busiest templates plus the top error templates, in report order.
  const seriesIds = new Set([...tpls.slice(0, 20), ...topErr].map((t) => t.id));
  const seriesTemplates = tpls.filter((t) => seriesIds.has(t.id));
  const services = st.services
    .map((s) => {
      let top: Tpl | undefined;
      let topErrors = 0;
      for (const t of tpls) {
        const e = t.services.get(s.id)?.[1] ?? 0;
        if (e > topErrors) {
          top = t;
          topErrors = e;
        }
      }
      return { s, top };
    })
    .sort((a, b) => b.s.lines - a.s.lines || (a.s.id < b.s.id ? -1 : 1));
  for (const { s, top } of services) {
    const rate = ratio(s.errors, s.lines);
    if (s.errors < 10 || rate < 0.05) continue;
    const label = s.labelKey ? `${s.labelKey}=${s.name}` : undefined;
    add({
      kind: 'service-errors',
      severity: rate >= 0.2 ? 'high' : 'medium',
      title: `Service ${s.name}: ${s.errors} errors (${(rate * 100).toFixed(1)}% of its ${s.lines} lines)`,
      from: formatTs(s.firstErrorTs ?? s.firstTs),
      to: formatTs(s.lastTs),
      templateId: top?.id ?? null,
      service: s.name,
      z: null,
      evidence: {
        lines: s.lines,
        errors: s.errors,
        firstSeen: formatTs(s.firstTs),
        lastSeen: formatTs(s.lastTs),
        templates: top
          ? [{ id: top.id, lines: top.services.get(s.id)![0], errors: top.services.get(s.id)![1] }]
          : [],
        examples: top
          ? top.examples
              .filter((e) => e.service === s.name)
              .map((e) => ({ ts: formatTs(e.ts), service: e.service, line: e.line }))
          : [],
        slice: sliceCommand(
          dir,
          s.firstErrorTs ?? s.firstTs,
          s.lastTs + 1n,
          `./slice-service-${s.name.replace(/[^\w.-]+/g, '_')}`,
          label,
        ),
      },
    });
  }
  const addWindow = (
    kind: 'incident-start' | 'peak-error-window' | 'steady-state',
    range: [number, number],
    title: string,
    by: 'lines' | 'errors',
    out: string,
  ) => {
    add({
      ...none,
      kind,
      severity: kind === 'incident-start' ? 'high' : 'info',
      title,
      from: formatTs(bucketStart(range[0])),
      to: formatTs(bucketStart(range[1] + 1)),
      evidence: windowEvidence(range[0], range[1], by, out),
    });
  };
  if (incident && incidentStart) {
    addWindow(
      'incident-start',
      incident.range,
      `Incident start at ${incidentStart.from} (${incident.description})`,
      'errors',
      './slice-incident',
    );
  }
  if (peak && peakError)
    addWindow(
      'peak-error-window',
      peak,
      `Peak error window: ${peakError.description}`,
      'errors',
      './slice-peak-errors',
    );
  if (steady && steadyState)
    addWindow('steady-state', steady, `Steady state: ${steadyState.description}`, 'lines', './slice-steady');

  findings.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (a.from ?? '').localeCompare(b.from ?? '') ||
      a.kind.localeCompare(b.kind) ||
      (a.templateId ?? '').localeCompare(b.templateId ?? '') ||
      (a.service ?? '').localeCompare(b.service ?? ''),
  );
  const counters = new Map<string, number>();
  const withIds: Finding[] = findings.map((f) => {
    const n = (counters.get(f.kind) ?? 0) + 1;
    counters.set(f.kind, n);
    return { id: `${f.kind}-${n}`, ...f };
  });

  const report: TriageReport = {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    capture: { dir: opts.captureDir ?? null },
    options: {
      windowSeconds: Number(st.windowNs) / 1e9,
      effectiveWindowSeconds: Number(window) / 1e9,
      warmupSeconds: Number(warmup) / 1e9,
      since: opts.since !== undefined ? formatTs(opts.since) : null,
      spikeZ,
      lookback,
      peakWindowBuckets: peakWidth,
    },
    span: {
      from: spanFrom !== null ? formatTs(spanFrom) : null,
      to: spanTo !== null ? formatTs(spanTo) : null,
      buckets: nBuckets,
    },
    totals: {
      lines: st.lines,
      bytes: st.bytes,
      errors: st.errors,
      warnings: st.warnings,
      errorRate: round(ratio(st.errors, st.lines)),
      levels: levelsRecord(st.levels),
      classifiedBy: Object.fromEntries(st.reasons),
    },
    mining: {
      signatures: st.signatures.length,
      templates: tpls.length,
      templatesListed: Math.min(tpls.length, maxTemplates),
      coarsening: st.level,
      maxSignatures: st.maxSignatures,
    },
    templateSeries: seriesTemplates.map((t) => {
      const l = new Array<number>(nBuckets).fill(0);
      const e = new Array<number>(nBuckets).fill(0);
      for (const [i, [tl, te]] of t.buckets) {
        l[i] = tl;
        e[i] = te;
      }
      return { id: t.id, lines: l, errors: e };
    }),
    timeline: lines.map((l, i) => ({
      t: formatTs(bucketStart(i)),
      lines: l,
      errors: errors[i]!,
      warnings: warnings[i]!,
    })),
    templates: tpls.slice(0, maxTemplates).map(templateOut),
    services: services.map(({ s, top }) => ({
      service: s.name,
      labelKey: s.labelKey,
      lines: s.lines,
      errors: s.errors,
      warnings: s.warnings,
      errorRate: round(ratio(s.errors, s.lines)),
      bytes: s.bytes,
      firstSeen: formatTs(s.firstTs),
      lastSeen: formatTs(s.lastTs),
      firstError: s.firstErrorTs !== null ? formatTs(s.firstErrorTs) : null,
      topErrorTemplate: top?.id ?? null,
    })),
    labels: st.labels.map(([key, values]) => ({
      key,
      distinct: values.length,
      top: [...values]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 10)
        .map(([value, l, e]) => ({ value, lines: l, errors: e })),
    })),
    spikes,
    windows: { peakError, incidentStart, steadyState },
    findings: withIds,
  };
  return report;
}

/** `90s` → `1m30s`; whole units only. */
export function formatDuration(ns: bigint): string {
  let s = ns / NS_PER_SECOND;
  const h = s / 3600n;
  s %= 3600n;
  const m = s / 60n;
  s %= 60n;
  return `${h > 0n ? `${h}h` : ''}${m > 0n ? `${m}m` : ''}${s > 0n || (h === 0n && m === 0n) ? `${s}s` : ''}`;
}

export interface TriageOptions extends EngineOptions, ReportOptions {}

/** One call for a whole stream: accumulate every entry, then build the report. */
export async function triage(
  entries: AsyncIterable<TriageEntry> | Iterable<TriageEntry>,
  opts: TriageOptions = {},
): Promise<TriageReport> {
  const acc = new TriageAccumulator(opts);
  await acc.pushStream(entries);
  return buildReport(acc, opts);
}

/**
 * Compares two triage reports (baseline vs current): volume, error rate, new / gone / grown
 * templates, label keys present on one side only, and a verdict with the rules that produced it.
 * Template shares (lines of the template / all lines) are compared, not raw counts, so runs of
 * different length or load compare fairly.
 */
import { renderNumber } from './format.js';
import { mdCode, mdText } from './render.js';
import type { ReportTemplate, TriageReport } from './schema.js';

export const DIFF_SCHEMA = 'logtap.triage.diff';
export const DIFF_VERSION = 1;

export type Verdict = 'improvement' | 'stable' | 'different' | 'regression';

export interface DiffOptions {
  /** Smallest line count for a template to be reported as new, gone or grown. Default 5. */
  minLines?: number;
  /** Share ratio (current / baseline) from which a template has grown. Default 2. */
  growth?: number;
  /** Relative error-rate rise that is a regression (with {@link minRateChange}). Default 0.5. */
  regressionRise?: number;
  /** Relative error-rate fall that is an improvement. Default 0.2. */
  improvementFall?: number;
  /** Smallest absolute error-rate change that counts (fraction of lines). Default 0.001 (0.1 pp). */
  minRateChange?: number;
  /** New error templates holding at least this share of current errors are a regression. Default 0.1. */
  newErrorShare?: number;
  /** Volume change (relative, lines per minute) from which runs are different. Default 0.5. */
  volumeChange?: number;
  /** Share of lines in new or gone templates from which runs are different. Default 0.2. */
  churnShare?: number;
}

export interface DiffTemplate {
  id: string;
  pattern: string;
  level: string;
  baseline: { lines: number; errors: number; share: number } | null;
  current: { lines: number; errors: number; share: number } | null;
  /** current share / baseline share (null when one side is missing). */
  ratio: number | null;
  example: string | null;
}

export interface SideSummary {
  dir: string | null;
  from: string | null;
  to: string | null;
  lines: number;
  errors: number;
  errorRate: number;
  linesPerMinute: number | null;
  templates: number;
}

export interface ReportDiff {
  schema: typeof DIFF_SCHEMA;
  version: typeof DIFF_VERSION;
  baseline: SideSummary;
  current: SideSummary;
  volume: { change: number | null };
  errorRate: { baseline: number; current: number; absolute: number; relative: number | null };
  templates: { new: DiffTemplate[]; gone: DiffTemplate[]; grown: DiffTemplate[]; shrunk: DiffTemplate[] };
  labels: { onlyBaseline: string[]; onlyCurrent: string[] };
  verdict: Verdict;
  /** The rules that fired, in order of evaluation, with their numbers. */
  reasons: string[];
}

function summary(r: TriageReport): SideSummary {
  const from = r.span.from ? Date.parse(r.span.from) : Number.NaN;
  const to = r.span.to ? Date.parse(r.span.to) : Number.NaN;
  const minutes = (to - from) / 60_000;
  return {
    dir: r.capture.dir,
    from: r.span.from,
    to: r.span.to,
    lines: r.totals.lines,
    errors: r.totals.errors,
    errorRate: r.totals.errorRate,
    linesPerMinute: Number.isFinite(minutes) && minutes > 0 ? round(r.totals.lines / minutes, 3) : null,
    templates: r.mining.templates,
  };
}

function round(x: number, d = 6): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Same token count, and every position equal or a variable on either side. */
function compatible(a: string, b: string): boolean {
  const x = a.split(' ');
  const y = b.split(' ');
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && x[i] !== '<_>' && y[i] !== '<_>') return false;
  return true;
}

function side(t: ReportTemplate): { lines: number; errors: number; share: number } {
  return { lines: t.lines, errors: t.errors, share: t.share };
}

/** Compares a baseline and a current report. Deterministic; thresholds in {@link DiffOptions}. */
export function diffReports(
  baseline: TriageReport,
  current: TriageReport,
  opts: DiffOptions = {},
): ReportDiff {
  const minLines = opts.minLines ?? 5;
  const growth = opts.growth ?? 2;
  const rise = opts.regressionRise ?? 0.5;
  const fall = opts.improvementFall ?? 0.2;
  const minRate = opts.minRateChange ?? 0.001;
  const newErrShare = opts.newErrorShare ?? 0.1;
  const volChange = opts.volumeChange ?? 0.5;
  const churn = opts.churnShare ?? 0.2;

  // Match current templates to baseline ones: exact pattern, else the busiest compatible one.
  const byPattern = new Map(baseline.templates.map((t) => [t.pattern, t]));
  const matched = new Set<string>();
  const pairs: { b: ReportTemplate | null; c: ReportTemplate }[] = [];
  for (const c of current.templates) {
    let b = byPattern.get(c.pattern) ?? null;
    if (!b) {
      for (const cand of baseline.templates) {
        if (
          compatible(cand.pattern, c.pattern) &&
          (!b || cand.lines > b.lines || (cand.lines === b.lines && cand.id < b.id))
        )
          b = cand;
      }
    }
    if (b) matched.add(b.id);
    pairs.push({ b, c });
  }
  const row = (b: ReportTemplate | null, c: ReportTemplate | null): DiffTemplate => {
    const t = (c ?? b)!;
    return {
      id: t.id,
      pattern: t.pattern,
      level: t.level,
      baseline: b ? side(b) : null,
      current: c ? side(c) : null,
      ratio: b && c && b.share > 0 ? round(c.share / b.share, 3) : null,
      example: t.examples[0]?.line ?? null,
    };
  };
  const byLines = (a: DiffTemplate, b: DiffTemplate) =>
    (b.current?.lines ?? b.baseline?.lines ?? 0) - (a.current?.lines ?? a.baseline?.lines ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const fresh = pairs.filter((p) => !p.b && p.c.lines >= minLines).map((p) => row(null, p.c));
  const gone = baseline.templates
    .filter((t) => !matched.has(t.id) && t.lines >= minLines)
    .map((t) => row(t, null));
  const grown = pairs
    .filter((p) => p.b && p.c.lines >= minLines && p.c.share >= growth * p.b.share)
    .map((p) => row(p.b, p.c));
  const shrunk = pairs
    .filter((p) => p.b && p.b.lines >= minLines && p.c.share * growth <= p.b.share)
    .map((p) => row(p.b, p.c));
  fresh.sort(byLines);
  gone.sort(byLines);
  grown.sort((a, b) => (b.ratio ?? 0) - (a.ratio ?? 0) || byLines(a, b));
  shrunk.sort((a, b) => (a.ratio ?? 0) - (b.ratio ?? 0) || byLines(a, b));

  const keysB = new Set(baseline.labels.map((l) => l.key));
  const keysC = new Set(current.labels.map((l) => l.key));
  const onlyBaseline = [...keysB].filter((k) => !keysC.has(k)).sort();
  const onlyCurrent = [...keysC].filter((k) => !keysB.has(k)).sort();

  const sb = summary(baseline);
  const sc = summary(current);
  const eB = baseline.totals.errorRate;
  const eC = current.totals.errorRate;
  const abs = round(eC - eB);
  const rel = eB > 0 ? round((eC - eB) / eB, 4) : null;
  const volume =
    sb.linesPerMinute !== null && sc.linesPerMinute !== null && sb.linesPerMinute > 0
      ? round((sc.linesPerMinute - sb.linesPerMinute) / sb.linesPerMinute, 4)
      : sb.lines > 0
        ? round((sc.lines - sb.lines) / sb.lines, 4)
        : null;

  const reasons: string[] = [];
  const pp = (x: number) => `${renderNumber(x * 100, 2)} pp`;
  const rateUp = eC > eB && abs >= minRate && (eB === 0 || (rel ?? 0) >= rise);
  if (rateUp)
    reasons.push(
      `error rate rose ${pp(abs)} (${renderNumber(eB * 100, 2)}% → ${renderNumber(eC * 100, 2)}%${rel !== null ? `, ${rel >= 0 ? '+' : ''}${renderNumber(rel * 100, 1)}%` : ''})`,
    );
  const newErrors = fresh.filter((t) => (t.current?.errors ?? 0) >= minLines);
  const newErrorLines = newErrors.reduce((s, t) => s + (t.current?.errors ?? 0), 0);
  const newErrorsHeavy =
    newErrors.length > 0 && newErrorLines >= Math.max(minLines, newErrShare * current.totals.errors);
  if (newErrorsHeavy)
    reasons.push(
      `${newErrors.length} new error template(s) with ${newErrorLines} errors (${renderNumber((newErrorLines / Math.max(1, current.totals.errors)) * 100, 1)}% of current errors)`,
    );
  const grownErrors = grown.filter((t) => (t.current?.errors ?? 0) >= minLines);
  const grownErrorLines = grownErrors.reduce((s, t) => s + (t.current?.errors ?? 0), 0);
  const grownHeavy =
    grownErrors.length > 0 && grownErrorLines >= Math.max(minLines, 0.2 * current.totals.errors) && eC > eB;
  if (grownHeavy)
    reasons.push(
      `${grownErrors.length} error template(s) grew ≥ ${growth}× in share, ${grownErrorLines} errors`,
    );

  let verdict: Verdict;
  if (rateUp || newErrorsHeavy || grownHeavy) verdict = 'regression';
  else if (eC < eB && -abs >= minRate && (rel ?? 0) <= -fall) {
    verdict = 'improvement';
    reasons.push(
      `error rate fell ${pp(-abs)} (${renderNumber(eB * 100, 2)}% → ${renderNumber(eC * 100, 2)}%${rel !== null ? `, ${renderNumber(rel * 100, 1)}%` : ''})`,
    );
  } else {
    const churnShare =
      fresh.reduce((s, t) => s + (t.current?.share ?? 0), 0) +
      gone.reduce((s, t) => s + (t.baseline?.share ?? 0), 0);
    const diffs: string[] = [];
    if (volume !== null && Math.abs(volume) >= volChange)
      diffs.push(
        `volume changed ${volume >= 0 ? '+' : ''}${renderNumber(volume * 100, 1)}% (lines per minute)`,
      );
    if (churnShare >= churn)
      diffs.push(`${renderNumber(churnShare * 100, 1)}% of lines are in templates new or gone`);
    if (onlyBaseline.length + onlyCurrent.length > 0)
      diffs.push(
        `label keys differ (only baseline: ${onlyBaseline.join(', ') || '–'}; only current: ${onlyCurrent.join(', ') || '–'})`,
      );
    if (diffs.length > 0) {
      verdict = 'different';
      reasons.push(...diffs);
    } else {
      verdict = 'stable';
      reasons.push(
        `error rate ${renderNumber(eB * 100, 2)}% → ${renderNumber(eC * 100, 2)}%, no new error templates, volume within ±${renderNumber(volChange * 100, 0)}%`,
      );
    }
  }

  return {
    schema: DIFF_SCHEMA,
    version: DIFF_VERSION,
    baseline: sb,
    current: sc,
    volume: { change: volume },
    errorRate: { baseline: eB, current: eC, absolute: abs, relative: rel },
    templates: { new: fresh, gone, grown, shrunk },
    labels: { onlyBaseline, onlyCurrent },
    verdict,
    reasons,
  };
}

/** The diff as JSON text (two-space indentation, trailing newline). */
export function renderDiffJson(diff: ReportDiff): string {
  return `${JSON.stringify(diff, null, 2)}\n`;
}

/** The diff as Markdown. */
export function renderDiffMarkdown(diff: ReportDiff): string {
  const out: string[] = [];
  const name = (s: SideSummary) => (s.dir ? mdCode(s.dir) : `${s.from ?? '–'} → ${s.to ?? '–'}`);
  out.push(`# logtap diff: ${diff.verdict.toUpperCase()}`, '');
  for (const r of diff.reasons) out.push(`- ${mdText(r)}`);
  out.push('', '| | baseline | current |', '|---|---:|---:|');
  out.push(`| capture | ${name(diff.baseline)} | ${name(diff.current)} |`);
  out.push(`| lines | ${diff.baseline.lines} | ${diff.current.lines} |`);
  out.push(
    `| lines per minute | ${diff.baseline.linesPerMinute ?? '–'} | ${diff.current.linesPerMinute ?? '–'} |`,
  );
  out.push(`| errors | ${diff.baseline.errors} | ${diff.current.errors} |`);
  out.push(
    `| error rate | ${renderNumber(diff.errorRate.baseline * 100, 2)}% | ${renderNumber(diff.errorRate.current * 100, 2)}% |`,
  );
  out.push(`| templates | ${diff.baseline.templates} | ${diff.current.templates} |`, '');
  const table = (title: string, rows: DiffTemplate[]) => {
    out.push(`## ${title} (${rows.length})`, '');
    if (rows.length === 0) {
      out.push('None.', '');
      return;
    }
    out.push(
      '| baseline lines | current lines | errors now | ratio | template |',
      '|---:|---:|---:|---:|---|',
    );
    for (const r of rows.slice(0, 20)) {
      out.push(
        `| ${r.baseline?.lines ?? '–'} | ${r.current?.lines ?? '–'} | ${r.current?.errors ?? '–'} | ${r.ratio ?? '–'} | ${mdCode(r.pattern).replace(/\|/g, '\\|')} |`,
      );
    }
    out.push('');
  };
  table('New templates', diff.templates.new);
  table('Gone templates', diff.templates.gone);
  table('Grown templates', diff.templates.grown);
  table('Shrunk templates', diff.templates.shrunk);
  out.push('## Label keys', '');
  out.push(`- only in baseline: ${diff.labels.onlyBaseline.map((k) => mdCode(k)).join(', ') || 'none'}`);
  out.push(`- only in current: ${diff.labels.onlyCurrent.map((k) => mdCode(k)).join(', ') || 'none'}`, '');
  return out.join('\n');
}

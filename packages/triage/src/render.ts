/**
 * Text renderers for a triage report: `report.json`, `summary.md`, `timeline.csv`, `templates.csv`.
 * Pure functions returning strings; the command decides where they go. Output is byte-stable for a
 * given report (no clock, sorted input).
 */
import type { Finding, TriageReport } from './schema.js';

/** `report.json`: the report with two-space indentation and a trailing newline. */
export function renderReportJson(report: TriageReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * One CSV field (RFC 4180). Fields starting with `=`, `+`, `-`, `@`, tab or CR get a leading `'` so
 * a spreadsheet does not evaluate log text as a formula (CSV injection).
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvRow(values: (string | number | boolean | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** `timeline.csv`: one row per bucket. */
export function renderTimelineCsv(report: TriageReport): string {
  const spikeAt = new Set<string>();
  const burstAt = new Set<string>();
  for (const s of report.spikes) {
    if (s.kind === 'template') continue;
    for (const b of report.timeline) {
      if (b.t >= s.from && b.t < s.to) (s.kind === 'errors' ? burstAt : spikeAt).add(b.t);
    }
  }
  let out = csvRow(['bucket_start', 'lines', 'errors', 'warnings', 'volume_spike', 'error_burst']);
  for (const b of report.timeline)
    out += csvRow([b.t, b.lines, b.errors, b.warnings, spikeAt.has(b.t), burstAt.has(b.t)]);
  return out;
}

/** `templates.csv`: one row per listed template, busiest first. */
export function renderTemplatesCsv(report: TriageReport): string {
  let out = csvRow([
    'id',
    'lines',
    'errors',
    'warnings',
    'share',
    'error_share',
    'level',
    'new',
    'first_seen',
    'last_seen',
    'top_service',
    'pattern',
    'example',
  ]);
  for (const t of report.templates) {
    out += csvRow([
      t.id,
      t.lines,
      t.errors,
      t.warnings,
      t.share,
      t.errorShare,
      t.level,
      t.isNew,
      t.firstSeen,
      t.lastSeen,
      t.services[0]?.service ?? null,
      t.pattern,
      t.examples[0]?.line ?? null,
    ]);
  }
  return out;
}

/** Inline code in Markdown: a backtick fence longer than any backtick run inside, newlines flattened. */
export function mdCode(text: string, max = 200): string {
  let s = text.replace(/[\r\n]+/g, ' ⏎ ');
  if (s.length > max) s = `${s.slice(0, max)}…`;
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s === '' ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Plain Markdown text from log-controlled strings: escapes the characters that would format. */
export function mdText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_{}[\]()#+!|<>~])/g, '\\$1');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;
}

function findingLine(f: Finding): string {
  const when = f.from ? ` (${f.from}${f.to ? ` → ${f.to}` : ''})` : '';
  return `- **${f.severity.toUpperCase()}** ${mdText(f.title)}${when}`;
}

/** `summary.md`: the human-readable first answer. */
export function renderSummaryMarkdown(report: TriageReport): string {
  const t = report.totals;
  const lines: string[] = [];
  lines.push('# logtap triage summary', '');
  if (report.capture.dir) lines.push(`Capture: ${mdCode(report.capture.dir)}`, '');
  lines.push(
    `Period: ${report.span.from ?? '–'} → ${report.span.to ?? '–'} (${report.span.buckets} buckets of ${report.options.effectiveWindowSeconds}s)`,
    '',
    `Lines: ${t.lines} · errors: ${t.errors} (${pct(t.errorRate)}) · warnings: ${t.warnings} · templates: ${report.mining.templates}`,
    '',
  );
  const levels = Object.entries(t.levels)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${l} ${n}`)
    .join(' · ');
  if (levels) lines.push(`Levels: ${levels}`, '');

  lines.push('## Incident signal', '');
  const w = report.windows;
  if (w.incidentStart)
    lines.push(`- Incident start: ${w.incidentStart.from} — ${mdText(w.incidentStart.description)}`);
  if (w.peakError)
    lines.push(`- Peak errors: ${w.peakError.from} → ${w.peakError.to} — ${mdText(w.peakError.description)}`);
  if (w.steadyState)
    lines.push(
      `- Steady state: ${w.steadyState.from} → ${w.steadyState.to} — ${mdText(w.steadyState.description)}`,
    );
  if (!w.incidentStart && !w.peakError && !w.steadyState) lines.push('- No incident signal.');
  lines.push('');

  lines.push('## Findings', '');
  const important = report.findings.filter((f) => f.severity !== 'info');
  if (important.length === 0) lines.push('No findings.');
  for (const f of important.slice(0, 30)) {
    lines.push(findingLine(f));
    for (const ex of f.evidence.examples.slice(0, 1))
      lines.push(`  - e.g. ${ex.ts} ${mdText(ex.service)}: ${mdCode(ex.line)}`);
    lines.push(`  - ${mdCode(f.evidence.slice, 400)}`);
  }
  if (important.length > 30) lines.push(`- … ${important.length - 30} more in report.json`);
  lines.push('');

  lines.push('## Top error templates', '');
  const errs = report.templates
    .filter((x) => x.errors > 0)
    .sort((a, b) => b.errors - a.errors || (a.id < b.id ? -1 : 1));
  if (errs.length === 0) lines.push('No error lines.');
  else {
    lines.push('| # | errors | share of errors | first seen | template |', '|---:|---:|---:|---|---|');
    errs.slice(0, 10).forEach((x, i) => {
      lines.push(
        `| ${i + 1} | ${x.errors} | ${pct(x.errorShare)} | ${x.firstSeen} | ${mdCode(x.pattern).replace(/\|/g, '\\|')} |`,
      );
    });
  }
  lines.push('');

  lines.push('## Services', '');
  if (report.services.length === 0) lines.push('No services.');
  else {
    lines.push('| service | lines | errors | error rate | first error |', '|---|---:|---:|---:|---|');
    for (const s of report.services.slice(0, 20)) {
      lines.push(
        `| ${mdText(s.service)} | ${s.lines} | ${s.errors} | ${pct(s.errorRate)} | ${s.firstError ?? '–'} |`,
      );
    }
  }
  lines.push('');

  lines.push('## Recommended slices', '');
  const slices = [
    w.incidentStart?.slice,
    w.peakError?.slice,
    ...report.findings
      .filter((f) => f.kind === 'top-error')
      .slice(0, 1)
      .map((f) => f.evidence.slice),
  ].filter((x): x is string => x !== undefined);
  if (slices.length === 0) lines.push('None.');
  else lines.push('```sh', ...slices, '```');
  lines.push('');
  return lines.join('\n');
}

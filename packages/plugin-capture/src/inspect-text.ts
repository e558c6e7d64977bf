/** The human form of an inspect report. */

import { formatBytes } from './command-kit.js';
import { escapeControls } from './escape.js';
import { type InspectReport, sparkline } from './inspect.js';

function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1h2m3s`-style duration. */
function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  let s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${d > 0 ? `${d}d` : ''}${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (d === 0 && h === 0 && m === 0) ? `${s}s` : ''}`;
}

function bucket(seconds: number): string {
  return formatDuration(seconds);
}

/** Renders the report as aligned text (about 80 columns). */
export function renderInspect(r: InspectReport, width = 60): string {
  const out: string[] = [];
  const row = (k: string, v: string) => out.push(`${k.padEnd(11)}${v}`);
  row('capture', `${r.dir}  (${r.state}${r.format_version !== null ? `, format v${r.format_version}` : ''})`);
  if (r.started !== null || r.stopped !== null)
    row('session', `${r.started ?? '?'} → ${r.stopped ?? (r.state === 'live' ? 'still running' : '?')}`);
  const f = r.files;
  const orphanText = f.orphans > 0 ? `, ${f.orphans} not yet indexed` : '';
  const missingText = f.missing_from_disk > 0 ? `, ${f.missing_from_disk} indexed but gone` : '';
  row('files', `${num(f.total)} data file(s) (${num(f.indexed)} indexed${orphanText}${missingText})`);
  row(
    'size',
    `${formatBytes(r.data_disk_bytes)} on disk, ${formatBytes(r.uncompressed_bytes)} uncompressed${r.compression_ratio !== null ? ` (${r.compression_ratio}x)` : ''}; directory ${formatBytes(r.disk_bytes)}`,
  );
  row('lines', num(r.lines));
  if (r.time_range.from !== null) {
    row('data', `${r.time_range.from} → ${r.time_range.to}  (${formatDuration(r.time_range.seconds ?? 0)})`);
  }
  if (r.rate.lines_per_s !== null) {
    row(
      'rate',
      `${num(Math.round(r.rate.lines_per_s))} lines/s, ${formatBytes(r.rate.bytes_per_s ?? 0)}/s on average`,
    );
  }
  if (r.timeline.lines.length > 0) {
    const peak = Math.max(...r.timeline.lines);
    row('timeline', `${sparkline(r.timeline.lines, width)}`);
    row(
      '',
      `${r.timeline.lines.length} buckets of ${bucket(r.timeline.bucket_seconds)}; peak ${num(Math.round(peak / r.timeline.bucket_seconds))} lines/s`,
    );
  }
  const red = r.redaction;
  row(
    'redaction',
    red.enabled
      ? `on (${red.patterns.length > 0 ? red.patterns.join(', ') : 'rules not recorded'})${red.policy_hash !== null ? ` policy ${red.policy_hash}` : ''}`
      : 'off',
  );
  const ev = r.evictions;
  row(
    'evicted',
    ev.files > 0
      ? `${num(ev.files)} file(s), ${num(ev.lines)} lines, ${formatBytes(ev.bytes)} (disk cap)`
      : 'none',
  );
  row(
    'dropped',
    r.dropped.lines > 0 ? `${num(r.dropped.lines)} lines, ${formatBytes(r.dropped.bytes)}` : 'none',
  );
  if (r.recoveries > 0) row('recovered', `${r.recoveries} time(s) after a crash`);
  if (r.slice !== null)
    row('slice of', `${r.slice.source} (${num(r.slice.lines)} of ${num(r.slice.source_lines)} lines)`);
  if (r.labels.length > 0) {
    out.push('');
    out.push(`labels     (${num(r.labelled_lines)} lines counted)`);
    for (const k of r.labels) {
      out.push(`  ${escapeControls(k.key)}  ${num(k.distinct)}${k.overflow ? '+' : ''} value(s)`);
      const vw = Math.min(40, Math.max(8, ...k.values.map((v) => v.value.length)));
      for (const v of k.values) {
        const name = escapeControls(v.value === '' ? '""' : v.value);
        out.push(
          `    ${(name.length > vw ? `${name.slice(0, vw - 1)}…` : name).padEnd(vw)}  ${num(v.lines).padStart(12)}  ${(v.share * 100).toFixed(1).padStart(5)}%`,
        );
      }
      if (k.other_lines > 0)
        out.push(
          `    ${`(${num(k.distinct - k.values.length)}${k.overflow ? '+' : ''} more)`.padEnd(vw)}  ${num(k.other_lines).padStart(12)}`,
        );
      if (k.unlabelled_lines !== null && k.unlabelled_lines > 0)
        out.push(`    ${'(no label)'.padEnd(vw)}  ${num(k.unlabelled_lines).padStart(12)}`);
    }
  }
  if (r.orphans.length > 0) {
    out.push('');
    out.push('not yet indexed (scanned)');
    for (const o of r.orphans)
      out.push(`  ${o.file}  ${num(o.lines)} lines, ${formatBytes(o.disk_bytes)} on disk`);
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return `${out.join('\n')}\n`;
}

/**
 * `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external requests, a
 * restrictive Content-Security-Policy). Every string that can come from a log, a label or a path goes
 * through {@link escapeHtml}; nothing is interpolated raw.
 */
import type { Finding, TriageReport } from './schema.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;
}

const W = 960;
const H = 220;
const PAD_L = 48;
const PAD_B = 28;
const PAD_T = 12;

/** The inline SVG timeline: total lines (area), error lines (red line), spike windows shaded. */
export function renderTimelineSvg(report: TriageReport): string {
  const tl = report.timeline;
  if (tl.length === 0) return '<p class="muted">No lines.</p>';
  const n = tl.length;
  const max = Math.max(1, ...tl.map((b) => b.lines));
  const plotW = W - PAD_L - 8;
  const plotH = H - PAD_T - PAD_B;
  const x = (i: number) => PAD_L + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => PAD_T + plotH - (v / max) * plotH;
  const step = n === 1 ? plotW : plotW / (n - 1);
  const index = new Map(tl.map((b, i) => [b.t, i]));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Lines and errors per bucket">`,
  );
  for (const s of report.spikes) {
    if (s.kind === 'template') continue;
    const i0 = index.get(s.from);
    if (i0 === undefined) continue;
    let i1 = i0;
    while (i1 + 1 < n && tl[i1 + 1]!.t < s.to) i1++;
    const cls = s.kind === 'errors' ? 'burst' : s.direction === 'down' ? 'drop' : 'spike';
    const title = `${s.kind === 'errors' ? 'error burst' : s.direction === 'down' ? 'volume drop' : 'volume spike'} ${s.from} → ${s.to}: peak ${s.peak} vs median ${s.baseline} (z ${s.z})`;
    parts.push(
      `<rect class="${cls}" x="${(x(i0) - step / 2).toFixed(1)}" y="${PAD_T}" width="${Math.max(2, (i1 - i0 + 1) * step).toFixed(1)}" height="${plotH}"><title>${escapeHtml(title)}</title></rect>`,
    );
  }
  const area = [
    `${x(0).toFixed(1)},${y(0).toFixed(1)}`,
    ...tl.map((b, i) => `${x(i).toFixed(1)},${y(b.lines).toFixed(1)}`),
    `${x(n - 1).toFixed(1)},${y(0).toFixed(1)}`,
  ];
  parts.push(`<polygon class="total" points="${area.join(' ')}"/>`);
  parts.push(
    `<polyline class="errors" points="${tl.map((b, i) => `${x(i).toFixed(1)},${y(b.errors).toFixed(1)}`).join(' ')}"/>`,
  );
  parts.push(`<line class="axis" x1="${PAD_L}" y1="${PAD_T + plotH}" x2="${W - 8}" y2="${PAD_T + plotH}"/>`);
  parts.push(`<text class="lbl" x="${PAD_L - 6}" y="${PAD_T + 10}" text-anchor="end">${num(max)}</text>`);
  parts.push(`<text class="lbl" x="${PAD_L - 6}" y="${PAD_T + plotH}" text-anchor="end">0</text>`);
  parts.push(
    `<text class="lbl" x="${PAD_L}" y="${H - 8}">${escapeHtml(tl[0]!.t.slice(0, 16).replace('T', ' '))}</text>`,
  );
  parts.push(
    `<text class="lbl" x="${W - 8}" y="${H - 8}" text-anchor="end">${escapeHtml(tl[n - 1]!.t.slice(0, 16).replace('T', ' '))} UTC</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

function findingRow(f: Finding): string {
  const ex = f.evidence.examples[0];
  return `<tr class="sev-${f.severity}"><td>${escapeHtml(f.severity)}</td><td>${escapeHtml(f.kind)}</td><td>${escapeHtml(f.title)}${
    ex
      ? `<div class="ex"><code>${escapeHtml(ex.line)}</code><span class="muted"> ${escapeHtml(ex.ts)} · ${escapeHtml(ex.service)}</span></div>`
      : ''
  }</td><td class="nowrap">${escapeHtml(f.from ?? '')}<br>${escapeHtml(f.to ?? '')}</td><td class="r">${num(f.evidence.lines)}</td><td class="r">${num(f.evidence.errors)}</td><td><code class="cmd">${escapeHtml(f.evidence.slice)}</code></td></tr>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2433;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eef1f5;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fb}td.r,th.r{text-align:right}.nowrap{white-space:nowrap}.muted{color:#6b7385}
code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
code.cmd{color:#38507a}.ex{margin-top:3px}.stats span{display:inline-block;margin-right:18px}
.sev-high td:first-child{color:#b42318;font-weight:600}.sev-medium td:first-child{color:#b54708}.sev-low td:first-child{color:#475467}
svg .total{fill:#cfe0fb;stroke:#5b8def;stroke-width:1}svg .errors{fill:none;stroke:#d92d20;stroke-width:1.6}
svg .spike{fill:#fdb02233}svg .burst{fill:#d92d2033}svg .drop{fill:#6b738533}svg .axis{stroke:#98a2b3}svg .lbl{font-size:11px;fill:#6b7385}
.legend span{margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}`;

/** Renders the whole report page. */
export function renderHtml(report: TriageReport): string {
  const t = report.totals;
  const w = report.windows;
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>logtap triage${report.capture.dir ? ` — ${escapeHtml(report.capture.dir)}` : ''}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>logtap triage</h1>`,
    `<div class="muted">${report.capture.dir ? `${escapeHtml(report.capture.dir)} · ` : ''}${escapeHtml(report.span.from ?? '–')} → ${escapeHtml(report.span.to ?? '–')} UTC · buckets of ${report.options.effectiveWindowSeconds}s</div>`,
    `<p class="stats"><span><b>${num(t.lines)}</b> lines</span><span><b>${num(t.errors)}</b> errors (${pct(t.errorRate)})</span><span><b>${num(t.warnings)}</b> warnings</span><span><b>${num(report.mining.templates)}</b> templates</span><span><b>${num(report.services.length)}</b> services</span></p>`,
    '<h2>Timeline</h2>',
    '<div class="legend muted"><span><i class="sw" style="background:#cfe0fb"></i>lines</span><span><i class="sw" style="background:#d92d20"></i>errors</span><span><i class="sw" style="background:#fdb02266"></i>volume spike</span><span><i class="sw" style="background:#d92d2066"></i>error burst</span></div>',
    renderTimelineSvg(report),
    '<h2>Incident signal</h2><ul>',
  );
  if (w.incidentStart)
    out.push(
      `<li>Incident start <b>${escapeHtml(w.incidentStart.from)}</b>: ${escapeHtml(w.incidentStart.description)}<br><code class="cmd">${escapeHtml(w.incidentStart.slice)}</code></li>`,
    );
  if (w.peakError)
    out.push(
      `<li>Peak errors <b>${escapeHtml(w.peakError.from)}</b> → ${escapeHtml(w.peakError.to)}: ${escapeHtml(w.peakError.description)}<br><code class="cmd">${escapeHtml(w.peakError.slice)}</code></li>`,
    );
  if (w.steadyState)
    out.push(
      `<li>Steady state ${escapeHtml(w.steadyState.from)} → ${escapeHtml(w.steadyState.to)}: ${escapeHtml(w.steadyState.description)}</li>`,
    );
  if (!w.incidentStart && !w.peakError && !w.steadyState) out.push('<li>No incident signal.</li>');
  out.push('</ul>', '<h2>Findings</h2>');
  if (report.findings.length === 0) out.push('<p>No findings.</p>');
  else {
    out.push(
      '<table><thead><tr><th>severity</th><th>kind</th><th>finding</th><th>window</th><th class="r">lines</th><th class="r">errors</th><th>slice</th></tr></thead><tbody>',
    );
    for (const f of report.findings) out.push(findingRow(f));
    out.push('</tbody></table>');
  }
  out.push('<h2>Templates</h2>');
  if (report.templates.length === 0) out.push('<p>No templates.</p>');
  else {
    out.push(
      '<table><thead><tr><th>id</th><th class="r">lines</th><th class="r">errors</th><th class="r">share</th><th>level</th><th>first seen</th><th>pattern and example</th></tr></thead><tbody>',
    );
    for (const x of report.templates.slice(0, 100)) {
      out.push(
        `<tr><td class="nowrap">${escapeHtml(x.id)}${x.isNew ? ' <b>new</b>' : ''}</td><td class="r">${num(x.lines)}</td><td class="r">${num(x.errors)}</td><td class="r">${pct(x.share)}</td><td>${escapeHtml(x.level)}</td><td class="nowrap">${escapeHtml(x.firstSeen)}</td><td><code>${escapeHtml(x.pattern)}</code>${
          x.examples[0] ? `<div class="ex muted"><code>${escapeHtml(x.examples[0].line)}</code></div>` : ''
        }</td></tr>`,
      );
    }
    out.push('</tbody></table>');
    if (report.templates.length > 100)
      out.push(`<p class="muted">${report.templates.length - 100} more templates in templates.csv.</p>`);
  }
  out.push('<h2>Services</h2>');
  if (report.services.length === 0) out.push('<p>No services.</p>');
  else {
    out.push(
      '<table><thead><tr><th>service</th><th>label</th><th class="r">lines</th><th class="r">errors</th><th class="r">error rate</th><th>first error</th></tr></thead><tbody>',
    );
    for (const s of report.services) {
      out.push(
        `<tr><td>${escapeHtml(s.service)}</td><td>${escapeHtml(s.labelKey)}</td><td class="r">${num(s.lines)}</td><td class="r">${num(s.errors)}</td><td class="r">${pct(s.errorRate)}</td><td class="nowrap">${escapeHtml(s.firstError ?? '–')}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  out.push('<h2>Labels</h2>');
  if (report.labels.length === 0) out.push('<p>No labels.</p>');
  else {
    out.push(
      '<table><thead><tr><th>key</th><th class="r">distinct values</th><th>top values (lines)</th></tr></thead><tbody>',
    );
    for (const l of report.labels) {
      out.push(
        `<tr><td>${escapeHtml(l.key)}</td><td class="r">${num(l.distinct)}</td><td>${l.top
          .slice(0, 5)
          .map((v) => `${escapeHtml(v.value)} (${num(v.lines)})`)
          .join(', ')}</td></tr>`,
      );
    }
    out.push('</tbody></table>');
  }
  out.push(
    `<p class="muted">report schema ${escapeHtml(report.schema)} v${report.version}</p>`,
    '</body></html>',
    '',
  );
  return out.join('\n');
}

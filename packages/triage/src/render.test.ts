import { describe, expect, it } from '@jest/globals';
import { TriageAccumulator, type TriageEntry } from './engine.js';
import { escapeHtml, renderHtml } from './html.js';
import {
  csvField,
  mdCode,
  mdText,
  renderReportJson,
  renderSummaryMarkdown,
  renderTemplatesCsv,
  renderTimelineCsv,
} from './render.js';
import { buildReport } from './report.js';
import { parseReportJson } from './schema.js';
import { parseCsv } from './test-helpers/loghub.js';

const MIN = 60_000_000_000n;
const T0 = 1_714_557_600_000_000_000n; // 2024-05-01T10:00:00Z

/** A small hand-made stream: steady traffic, then a burst of one error from one service at minute 9. */
function fixture(): TriageEntry[] {
  const out: TriageEntry[] = [];
  for (let m = 0n; m < 14n; m++) {
    for (let i = 0n; i < 12n; i++) {
      const ts = T0 + m * MIN + i * 4_000_000_000n;
      out.push({
        ts,
        labels: { app: 'web', pod: 'web-1' },
        msg: `GET /items/${(m * 12n + i) % 7n} 200 ${Number(i) + 3}ms`,
      });
      if (i % 4n === 0n)
        out.push({
          ts: ts + 1n,
          labels: { app: 'db', pod: 'db-0' },
          msg: `{"level":"info","msg":"checkpoint complete","lsn":${m * 100n + i}}`,
        });
    }
    if (m >= 9n && m < 11n) {
      for (let i = 0n; i < 40n; i++) {
        out.push({
          ts: T0 + m * MIN + i * 1_000_000_000n + 7n,
          labels: { app: 'db', pod: 'db-0' },
          msg: `{"level":"error","msg":"could not write block ${i} of relation base/1/2: No space left on device"}`,
        });
      }
    }
  }
  return out;
}

function reportOf(entries: TriageEntry[], dir = '/captures/run-1') {
  const acc = new TriageAccumulator();
  acc.pushAll(entries);
  return buildReport(acc, { captureDir: dir });
}

describe('renderers', () => {
  const report = reportOf(fixture());

  it('report.json matches the snapshot and round-trips through the schema', () => {
    const text = renderReportJson(report);
    expect(text).toMatchSnapshot();
    expect(parseReportJson(text)).toEqual(report);
  });

  it('summary.md names the incident, the culprit and a slice command', () => {
    const md = renderSummaryMarkdown(report);
    expect(md).toMatchSnapshot();
    expect(md).toContain('Incident start: 2024-05-01T10:09:00.000000000Z');
    expect(md).toContain('No space left on device');
    expect(md).toContain(
      'logtap slice /captures/run-1 --from 2024-05-01T10:09:00.000000000Z --to 2024-05-01T10:11:00.000000000Z',
    );
  });

  it('timeline.csv has one row per bucket and marks the burst', () => {
    const rows = parseCsv(renderTimelineCsv(report)).filter((r) => r.length > 1);
    expect(rows[0]).toEqual(['bucket_start', 'lines', 'errors', 'warnings', 'volume_spike', 'error_burst']);
    expect(rows).toHaveLength(15);
    const burst = rows.filter((r) => r[5] === 'true').map((r) => r[0]);
    expect(burst).toEqual(['2024-05-01T10:09:00.000000000Z', '2024-05-01T10:10:00.000000000Z']);
    expect(rows.slice(1).reduce((s, r) => s + Number(r[1]), 0)).toBe(report.totals.lines);
  });

  it('templates.csv lists every template with quoted text', () => {
    const rows = parseCsv(renderTemplatesCsv(report)).filter((r) => r.length > 1);
    expect(rows[0]![0]).toBe('id');
    expect(rows).toHaveLength(report.templates.length + 1);
    const err = rows.find((r) => r[11]!.startsWith('could not write block'))!;
    expect(err[2]).toBe('80');
    expect(err[11]).toBe('could not write block <_> of relation <_> No space left on device');
  });

  it('guards CSV fields against injection and quoting breaks', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField(-3)).toBe('-3');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(csvField(null)).toBe('');
  });

  it('keeps log text inert in Markdown', () => {
    expect(mdCode('a `tick` b')).toBe('``a `tick` b``');
    expect(mdCode('x\ny')).toBe('`x ⏎ y`');
    expect(mdText('**bold** [link](http://x) <b>')).toBe('\\*\\*bold\\*\\* \\[link\\]\\(http://x\\) \\<b\\>');
  });
});

describe('report.html', () => {
  const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)> & "q" 'a' </code></td><svg onload=alert(3)>`;
  const entries = fixture();
  for (let i = 0n; i < 30n; i++) {
    entries.push({
      ts: T0 + 9n * MIN + i * 1_000_000_000n + 9n,
      labels: { app: `<b>evil</b>`, '<k>': '"v"' },
      msg: `ERROR ${hostile} ${i}`,
    });
  }
  const html = renderHtml(reportOf(entries, `/tmp/<script>dir</script>`));

  it('escapes every piece of log text, label and path', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).not.toMatch(/<b>evil/);
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;q&quot; &#39;a&#39;',
    );
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    // Only the renderer's own tags appear.
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z!][\w-]*)/g)].map((m) => m[1]!.toLowerCase()));
    const allowed = [
      '!doctype',
      'html',
      'head',
      'meta',
      'title',
      'style',
      'body',
      'h1',
      'h2',
      'div',
      'p',
      'span',
      'b',
      'i',
      'ul',
      'li',
      'br',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'code',
      'svg',
      'rect',
      'polygon',
      'polyline',
      'line',
      'text',
    ];
    for (const t of tags) expect(allowed).toContain(t);
  });

  it('is self-contained with an SVG timeline and the burst marked', () => {
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).toMatch(/<rect class="burst"[^>]*><title>error burst 2024-05-01T10:09:00\.000000000Z/);
    expect(html).toContain('<polyline class="errors"');
  });

  it('escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });
});

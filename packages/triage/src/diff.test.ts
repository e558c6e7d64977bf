import { describe, expect, it } from '@jest/globals';
import { diffReports, renderDiffJson, renderDiffMarkdown } from './diff.js';
import { TriageAccumulator, type TriageEntry } from './engine.js';
import { buildReport } from './report.js';
import { generateStream, type StreamSpec } from './testing.js';

function reportOf(spec: StreamSpec, edit?: (e: TriageEntry) => TriageEntry) {
  const acc = new TriageAccumulator();
  for (const e of generateStream(spec)) acc.push(edit ? edit(e) : e);
  return buildReport(acc, { captureDir: `run-${spec.seed}` });
}

const base: StreamSpec = { seed: 1, minutes: 30, perMinute: 200, errorShare: 0.02 };
const baseline = reportOf(base);

describe('diffReports verdicts', () => {
  it('stable: same workload, different run', () => {
    const d = diffReports(baseline, reportOf({ ...base, seed: 2 }));
    expect(d.verdict).toBe('stable');
    expect(d.templates.new).toEqual([]);
    expect(d.templates.gone).toEqual([]);
    expect(d.labels).toEqual({ onlyBaseline: [], onlyCurrent: [] });
  });

  it('regression: a new error template appears', () => {
    const current = reportOf({
      ...base,
      seed: 3,
      burst: {
        startMinute: 12,
        minutes: 5,
        perMinute: 30,
        service: 'payments',
        message: 'ERROR upstream connect error or disconnect/reset before headers (try {n})',
      },
    });
    const d = diffReports(baseline, current);
    expect(d.verdict).toBe('regression');
    expect(d.templates.new.map((t) => t.pattern)).toContain(
      'ERROR upstream connect error or disconnect/reset before headers (try <_>',
    );
    expect(d.reasons.some((r) => r.includes('new error template'))).toBe(true);
    expect(d.errorRate.current).toBeGreaterThan(d.errorRate.baseline);
  });

  it('regression: the same errors, three times as often', () => {
    const d = diffReports(baseline, reportOf({ ...base, seed: 4, errorShare: 0.06 }));
    expect(d.verdict).toBe('regression');
    expect(d.reasons[0]).toMatch(/^error rate rose/);
    expect(d.templates.grown.length).toBeGreaterThan(0);
  });

  it('improvement: errors mostly gone', () => {
    const d = diffReports(baseline, reportOf({ ...base, seed: 5, errorShare: 0.002 }));
    expect(d.verdict).toBe('improvement');
    expect(d.reasons[0]).toMatch(/^error rate fell/);
    expect(d.templates.shrunk.length).toBeGreaterThan(0);
  });

  it('different: much more volume at the same error rate', () => {
    const d = diffReports(baseline, reportOf({ ...base, seed: 6, perMinute: 600 }));
    expect(d.verdict).toBe('different');
    expect(d.volume.change).toBeGreaterThan(1.5);
    expect(d.reasons[0]).toMatch(/^volume changed \+/);
  });

  it('different: label keys only on one side', () => {
    const d = diffReports(
      baseline,
      reportOf({ ...base, seed: 7 }, (e) => ({ ...e, labels: { ...e.labels, region: 'eu-1' } })),
    );
    expect(d.verdict).toBe('different');
    expect(d.labels).toEqual({ onlyBaseline: [], onlyCurrent: ['region'] });
  });

  it('is deterministic and renders JSON and Markdown', () => {
    const current = reportOf({ ...base, seed: 4, errorShare: 0.06 });
    expect(renderDiffJson(diffReports(baseline, current))).toBe(
      renderDiffJson(diffReports(baseline, current)),
    );
    const md = renderDiffMarkdown(diffReports(baseline, current));
    expect(md.startsWith('# logtap diff: REGRESSION')).toBe(true);
    expect(md).toContain('| error rate |');
    expect(md).toContain('## Grown templates');
  });
});

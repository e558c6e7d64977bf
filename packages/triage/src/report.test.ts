import { describe, expect, it } from '@jest/globals';
import { TriageAccumulator, type TriageEntry } from './engine.js';
import { TriageMergeError, TriageOptionError } from './errors.js';
import { buildReport, formatDuration, sliceCommand, templateId, triage } from './report.js';
import { parseReport } from './schema.js';
import { generateStream, rng } from './testing.js';
import { formatTs } from './time.js';

const START = 1_714_557_600_000_000_000n; // 2024-05-01T10:00:00Z
const burstStream = () =>
  generateStream({
    seed: 7,
    minutes: 60,
    perMinute: 200,
    burst: {
      startMinute: 37,
      minutes: 4,
      perMinute: 150,
      service: 'payments',
      message: 'ERROR dial tcp 10.0.3.7:5432: connect: connection refused (attempt {n})',
    },
  });

describe('triage on a generated stream with an injected burst', () => {
  const entries = burstStream();
  const report = buildReport(
    (() => {
      const acc = new TriageAccumulator();
      acc.pushAll(entries);
      return acc;
    })(),
    { captureDir: '/data/cap' },
  );

  it('validates against the schema', () => {
    expect(() => parseReport(JSON.parse(JSON.stringify(report)))).not.toThrow();
  });

  it('finds the burst and its start minute', () => {
    const burstStart = formatTs(START + 37n * 60_000_000_000n);
    const bursts = report.findings.filter((f) => f.kind === 'error-burst');
    expect(bursts).toHaveLength(1);
    expect(bursts[0]!.from).toBe(burstStart);
    expect(bursts[0]!.to).toBe(formatTs(START + 41n * 60_000_000_000n));
    expect(report.windows.incidentStart).toMatchObject({ from: burstStart, basis: 'error-burst' });
    expect(report.windows.peakError!.from).toBe(formatTs(START + 37n * 60_000_000_000n));
    const incident = report.findings.find((f) => f.kind === 'incident-start')!;
    expect(incident.evidence.slice).toBe(
      `logtap slice /data/cap --from ${burstStart} --to ${formatTs(START + 41n * 60_000_000_000n)} --out ./slice-incident`,
    );
  });

  it('names the culprit template, service and examples as evidence', () => {
    const burst = report.findings.find((f) => f.kind === 'error-burst')!;
    const top = report.templates.find((t) => t.id === burst.evidence.templates[0]!.id)!;
    expect(top.pattern).toBe('ERROR dial tcp <_> connect: connection refused (attempt <_>');
    expect(top.lines).toBe(600);
    expect(top.isNew).toBe(true);
    expect(burst.evidence.examples[0]!.line).toMatch(/^ERROR dial tcp 10\.0\.3\.7:5432/);
    expect(burst.evidence.examples[0]!.service).toBe('payments');
    expect(report.findings.find((f) => f.kind === 'new-error-template')?.templateId).toBe(top.id);
    const topError = report.findings.find((f) => f.kind === 'top-error')!;
    expect(topError.templateId).toBe(top.id);
    expect(topError.severity).toBe('high');
    const svc = report.services.find((s) => s.service === 'payments')!;
    expect(svc.topErrorTemplate).toBe(top.id);
    expect(report.findings.some((f) => f.kind === 'service-errors' && f.service === 'payments')).toBe(true);
  });

  it('reports a steady state outside the burst and keeps counts exact', () => {
    const steady = report.windows.steadyState!;
    expect(
      steady.to <= formatTs(START + 37n * 60_000_000_000n) ||
        steady.from >= formatTs(START + 41n * 60_000_000_000n),
    ).toBe(true);
    expect(report.totals.lines).toBe(entries.length);
    expect(report.timeline.reduce((s, b) => s + b.lines, 0)).toBe(entries.length);
    expect(report.templates.reduce((s, t) => s + t.lines, 0)).toBe(entries.length);
    expect(report.timeline).toHaveLength(60);
    // "completed batch N: 0 errors" is not an error line.
    const batch = report.templates.find((t) => t.pattern.startsWith('completed batch'))!;
    expect(batch.errors).toBe(0);
  });

  it('finds nothing alarming in a quiet stream', () => {
    const quiet = buildReport(
      (() => {
        const acc = new TriageAccumulator();
        acc.pushAll(generateStream({ seed: 3, minutes: 40, perMinute: 200 }));
        return acc;
      })(),
    );
    expect(quiet.findings.filter((f) => f.kind === 'error-burst' || f.kind === 'volume-spike')).toEqual([]);
    expect(
      quiet.findings.filter((f) => f.kind === 'new-error-template' || f.kind === 'new-template'),
    ).toEqual([]);
  });
});

function shuffleSplit(entries: TriageEntry[], parts: number, seed: number): TriageEntry[][] {
  const r = rng(seed);
  const out: TriageEntry[][] = Array.from({ length: parts }, () => []);
  for (const e of entries) out[Math.floor(r() * parts)]!.push(e);
  return out;
}

describe('determinism across splits', () => {
  const entries = burstStream().slice(0, 6000);

  const reportOf = (chunks: TriageEntry[][], order: number[], maxSignatures?: number) => {
    const opts = maxSignatures ? { maxSignatures } : {};
    const accs = chunks.map((c) => {
      const a = new TriageAccumulator(opts);
      a.pushAll(c);
      return a;
    });
    const root = new TriageAccumulator(opts);
    // Merge through structured clones of snapshots, as worker threads would post them.
    for (const i of order) root.merge(structuredClone(accs[i]!.snapshot()));
    return JSON.stringify(buildReport(root, { captureDir: 'cap' }));
  };

  it.each([undefined, 100])(
    'gives byte-identical reports however the input is split (maxSignatures %s)',
    (max) => {
      const whole = reportOf([entries], [0], max);
      // Contiguous chunks (like zstd frames), in and out of order.
      const third = Math.floor(entries.length / 3);
      const contiguous = [entries.slice(0, third), entries.slice(third, 2 * third), entries.slice(2 * third)];
      expect(reportOf(contiguous, [0, 1, 2], max)).toBe(whole);
      expect(reportOf(contiguous, [2, 0, 1], max)).toBe(whole);
      // Random interleavings into 2, 5 and 11 parts.
      for (const [parts, seed] of [
        [2, 1],
        [5, 2],
        [11, 3],
      ] as const) {
        const chunks = shuffleSplit(entries, parts, seed);
        const order = chunks.map((_, i) => i).reverse();
        expect(reportOf(chunks, order, max)).toBe(whole);
      }
    },
  );

  it('coarsens the signature table to stay under maxSignatures', () => {
    const acc = new TriageAccumulator({ maxSignatures: 100 });
    for (let i = 0; i < 500; i++)
      acc.push({
        ts: START + BigInt(i),
        labels: {},
        msg: `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i / 26) | 0))} happened here`,
      });
    expect(acc.coarsening).toBeGreaterThan(0);
    expect(acc.snapshot().signatures.length).toBeLessThanOrEqual(100);
    expect(acc.snapshot().signatures.reduce((s, x) => s + x.lines, 0)).toBe(500);
  });

  it('refuses to merge states built with different options', () => {
    const a = new TriageAccumulator({ windowNs: 60_000_000_000n });
    const b = new TriageAccumulator({ windowNs: 10_000_000_000n });
    expect(() => a.merge(b)).toThrow(TriageMergeError);
    expect(() => new TriageAccumulator({ windowNs: 0n })).toThrow(TriageOptionError);
  });
});

describe('report helpers', () => {
  it('quotes slice arguments for the shell', () => {
    expect(sliceCommand("/tmp/it's here", 0n, 60_000_000_000n, './out', 'app=web')).toBe(
      "logtap slice '/tmp/it'\\''s here' --from 1970-01-01T00:00:00.000000000Z --to 1970-01-01T00:01:00.000000000Z --label app=web --out ./out",
    );
  });

  it('formats durations and ids', () => {
    expect(formatDuration(90_000_000_000n)).toBe('1m30s');
    expect(formatDuration(3_600_000_000_000n)).toBe('1h');
    expect(formatDuration(0n)).toBe('0s');
    expect(templateId('a <_> b')).toMatch(/^T[0-9a-f]{12}$/);
    expect(templateId('a <_> b')).toBe(templateId('a <_> b'));
    expect(templateId('a <_> b')).not.toBe(templateId('a <_> c'));
  });

  it('honours since, window and an async source', async () => {
    async function* gen() {
      yield* generateStream({ seed: 5, minutes: 20, perMinute: 50 });
      yield { ts: START + 15n * 60_000_000_000n, labels: { app: 'late' }, msg: 'brand new thing happened' };
    }
    const r = await triage(gen(), { windowNs: 30_000_000_000n, since: START + 10n * 60_000_000_000n });
    expect(r.options.windowSeconds).toBe(30);
    expect(r.timeline).toHaveLength(40);
    const fresh = r.templates.filter((t) => t.isNew).map((t) => t.pattern);
    expect(fresh).toEqual(['brand new thing happened']);
    expect(r.findings.find((f) => f.kind === 'new-template')?.title).toContain('after since');
  });

  it('re-buckets long captures by a whole factor', () => {
    const acc = new TriageAccumulator();
    for (let m = 0n; m < 100n; m++) acc.push({ ts: START + m * 60_000_000_000n, labels: {}, msg: 'tick' });
    const r = buildReport(acc, { maxBuckets: 10 });
    expect(r.options.effectiveWindowSeconds).toBe(600);
    expect(r.timeline.length).toBeLessThanOrEqual(11);
    expect(r.timeline.reduce((s, b) => s + b.lines, 0)).toBe(100);
  });

  it('handles an empty stream', () => {
    const r = buildReport(new TriageAccumulator());
    expect(r.totals.lines).toBe(0);
    expect(r.timeline).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.span).toEqual({ from: null, to: null, buckets: 0 });
    expect(() => parseReport(r)).not.toThrow();
  });
});

describe('per-template counts over time', () => {
  it('aligns each series with the timeline and sums to the template counts', () => {
    const acc = new TriageAccumulator();
    acc.pushAll(burstStream());
    const r = buildReport(acc);
    expect(r.templateSeries.length).toBeGreaterThan(0);
    for (const s of r.templateSeries) {
      const t = r.templates.find((x) => x.id === s.id)!;
      expect(s.lines).toHaveLength(r.timeline.length);
      expect(s.lines.reduce((a, b) => a + b, 0)).toBe(t.lines);
      expect(s.errors.reduce((a, b) => a + b, 0)).toBe(t.errors);
    }
    const burst = r.templateSeries.find((s) =>
      r.templates.find((t) => t.id === s.id)!.pattern.startsWith('ERROR dial tcp'),
    )!;
    expect(burst.lines.slice(36, 42)).toEqual([0, 150, 150, 150, 150, 0]);
  });
});
